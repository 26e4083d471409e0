/**
 * One sample request per API route, for the authorisation matrix (matrix.test.ts). A route missing here fails the
 * suite, so every new route gets a line. Samples name records that do not exist wherever a route takes an id or a
 * code: an allowed actor then gets past the guard (404, 409, 415 …) without changing anything, a refused one gets 403.
 */
export type Sample = {
  /** The concrete path, when the route has parameters. */
  path?: string;
  body?: unknown;
};

const NO_ID = '0190a000-0000-7000-8000-000000000000';

export const MATRIX_SAMPLES: Record<string, Sample> = {
  'GET /api/v1/openapi.json': {},
  // areas
  'GET /api/v1/areas': {},
  'GET /api/v1/areas/boundaries': {},
  'GET /api/v1/areas/:code': { path: '/api/v1/areas/no-such-area' },
  'POST /api/v1/areas/import': { body: {} },
  'POST /api/v1/areas/attributes/import': { body: {} },
  // picture
  'GET /api/v1/picture/areas': {},
  'GET /api/v1/picture/extent': {},
  // analytics
  'GET /api/v1/analytics/alarms': {},
  'GET /api/v1/analytics/series': {},
  'GET /api/v1/analytics/runs': {},
  'POST /api/v1/analytics/recompute': {},
  'GET /api/v1/analytics/rates': {},
  'GET /api/v1/analytics/hotspots': {},
  'GET /api/v1/analytics/indices': { path: '/api/v1/analytics/indices?runs=50' },
  'GET /api/v1/analytics/index-definitions': {},
  'PUT /api/v1/analytics/index-definitions/:key': {
    path: '/api/v1/analytics/index-definitions/matrix-probe',
    body: { name: 'Matrix probe', spec: { indicators: [] } },
  },
  'GET /api/v1/analytics/gaps': {},
  'GET /api/v1/analytics/events': {},
  'POST /api/v1/analytics/events': {
    body: { name: 'Matrix probe', kind: 'other', occurredOn: '2024-01-01', areaCode: 'no-such-area' },
  },
  'PATCH /api/v1/analytics/events/:id': { path: `/api/v1/analytics/events/${NO_ID}`, body: { name: 'x' } },
  'POST /api/v1/analytics/events/:id/archive': { path: `/api/v1/analytics/events/${NO_ID}/archive` },
  'GET /api/v1/analytics/events/:id/impact': { path: `/api/v1/analytics/events/${NO_ID}/impact` },
  // taxonomy
  'GET /api/v1/taxonomy': {},
  'GET /api/v1/taxonomy/terms/:code': { path: '/api/v1/taxonomy/terms/no.such.term' },
  'POST /api/v1/taxonomy/terms': {
    body: { code: 'bias.matrix_probe', facet: 'bias', parentCode: null, label: 'Matrix probe' },
  },
  'PATCH /api/v1/taxonomy/terms/:code': {
    path: '/api/v1/taxonomy/terms/no.such.term',
    body: { labels: { en: { label: 'x' } } },
  },
  'POST /api/v1/taxonomy/terms/:code/retire': { path: '/api/v1/taxonomy/terms/no.such.term/retire' },
  'POST /api/v1/taxonomy/terms/:code/restore': { path: '/api/v1/taxonomy/terms/no.such.term/restore' },
  // sources
  'GET /api/v1/sources': {},
  'POST /api/v1/sources': {
    body: {
      code: 'matrix-probe',
      name: 'Matrix probe',
      kind: 'police',
      method: 'upload',
      cadence: 'monthly',
    },
  },
  'GET /api/v1/sources/:code': { path: '/api/v1/sources/no-such-source' },
  'PATCH /api/v1/sources/:code': { path: '/api/v1/sources/no-such-source', body: { name: 'x' } },
  // signals and imports
  'GET /api/v1/signals': {},
  'GET /api/v1/signals/:id': { path: `/api/v1/signals/${NO_ID}?purpose=matrix+probe` },
  'GET /api/v1/imports': {},
  'GET /api/v1/imports/:id': { path: `/api/v1/imports/${NO_ID}` },
  'POST /api/v1/imports/:id/rollback': { path: `/api/v1/imports/${NO_ID}/rollback` },
  'POST /api/v1/sources/:code/imports': { path: '/api/v1/sources/no-such-source/imports', body: {} },
  'POST /api/v1/sources/:code/pull': { path: '/api/v1/sources/no-such-source/pull' },
  // sign-in and one's own account: invalid bodies answer 400 without changing anything
  'POST /api/v1/auth/login': { body: {} },
  'POST /api/v1/auth/logout': {},
  'GET /api/v1/auth/me': {},
  'PATCH /api/v1/auth/me': { body: { displayName: 'Matrix probe' } },
  'POST /api/v1/auth/totp/setup': {},
  'POST /api/v1/auth/totp/confirm': { body: {} },
  'POST /api/v1/auth/totp/verify': { body: {} },
  'POST /api/v1/auth/recovery': { body: {} },
  'POST /api/v1/auth/totp/disable': { body: {} },
  'POST /api/v1/auth/reauthenticate': { body: {} },
  'POST /api/v1/auth/password': { body: {} },
  'GET /api/v1/auth/sessions': {},
  'POST /api/v1/auth/sessions/:id/end': { path: `/api/v1/auth/sessions/${NO_ID}/end` },
  // passkeys and single sign-on
  'GET /api/v1/auth/passkeys': {},
  'POST /api/v1/auth/passkeys/registration/options': {},
  'POST /api/v1/auth/passkeys/registration/verify': { body: {} },
  'POST /api/v1/auth/passkeys/:id/remove': { path: '/api/v1/auth/passkeys/bm8tc3VjaC1wYXNza2V5/remove' },
  'POST /api/v1/auth/passkeys/login/options': {},
  'POST /api/v1/auth/passkeys/login/verify': { body: {} },
  'POST /api/v1/auth/passkeys/second-factor/options': {},
  'POST /api/v1/auth/passkeys/second-factor/verify': { body: {} },
  'GET /api/v1/auth/oidc': {},
  'GET /api/v1/auth/oidc/start': {},
  'GET /api/v1/auth/oidc/callback': {},
  // organisations
  'GET /api/v1/organisations': {},
  'POST /api/v1/organisations': { body: { name: 'Matrix probe organisation', kind: 'ngo' } },
  'GET /api/v1/organisations/:id': { path: `/api/v1/organisations/${NO_ID}` },
  'PATCH /api/v1/organisations/:id': { path: `/api/v1/organisations/${NO_ID}`, body: { name: 'x' } },
  'POST /api/v1/organisations/:id/archive': { path: `/api/v1/organisations/${NO_ID}/archive` },
  // people
  'GET /api/v1/users': {},
  'POST /api/v1/users': {
    body: {
      email: 'matrix.probe@test.invalid',
      displayName: 'Matrix probe',
      organisationId: NO_ID,
      roleCode: 'analyst',
    },
  },
  'GET /api/v1/users/:id': { path: `/api/v1/users/${NO_ID}` },
  'PATCH /api/v1/users/:id': { path: `/api/v1/users/${NO_ID}`, body: { displayName: 'x' } },
  'POST /api/v1/users/:id/deactivate': { path: `/api/v1/users/${NO_ID}/deactivate` },
  'POST /api/v1/users/:id/reactivate': { path: `/api/v1/users/${NO_ID}/reactivate` },
  'POST /api/v1/users/:id/invitations': { path: `/api/v1/users/${NO_ID}/invitations`, body: {} },
  'GET /api/v1/invitations/:token': { path: '/api/v1/invitations/no-such-token' },
  'POST /api/v1/invitations/:token/accept': { path: '/api/v1/invitations/no-such-token/accept', body: {} },
  // roles
  'GET /api/v1/roles': {},
  'POST /api/v1/roles': {
    body: {
      code: 'matrix_probe_role',
      name: 'Matrix probe',
      grants: [{ resource: 'area', action: 'read', scope: 'all' }],
    },
  },
  'GET /api/v1/roles/:code': { path: '/api/v1/roles/no_such_role' },
  'PATCH /api/v1/roles/:code': { path: '/api/v1/roles/no_such_role', body: { name: 'x' } },
  'POST /api/v1/roles/:code/remove': { path: '/api/v1/roles/no_such_role/remove' },
  'GET /api/v1/access/catalogue': {},
  // sessions of everyone
  'GET /api/v1/sessions': {},
  'POST /api/v1/sessions/:id/end': { path: `/api/v1/sessions/${NO_ID}/end` },
  // audit
  'GET /api/v1/audit': {},
  'GET /api/v1/audit/export.csv': {},
};
