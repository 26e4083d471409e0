import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignedInApp } from './test/auth.ts';
import { loadConfig, ConfigError } from './config.ts';
import { fixedClock } from './platform/clock.ts';
import type { App } from './platform/http.ts';
import { describeEachDialect } from './test/databases.ts';

describe('configuration', () => {
  it('uses sensible defaults for a laptop install', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.sqlitePath.endsWith('data/cohesion.sqlite')).toBe(true);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', DEMO_CITY: 'maybe' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/DEMO_CITY/);
    }
  });
});

describeEachDialect('application shell', (ctx) => {
  let app: App;
  beforeAll(async () => {
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: fixedClock('2025-01-01T00:00:00Z') },
      { logger: false },
    );
  });
  afterAll(async () => app.close());

  it('answers liveness', async () => {
    const r = await app.inject({ url: '/livez' });
    expect(r.statusCode).toBe(200);
  });

  it('publishes an OpenAPI document', async () => {
    const r = await app.inject({ url: '/api/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    expect(r.json().openapi).toMatch(/^3\./);
  });

  it('documents every import and registry operation in OpenAPI', async () => {
    const paths = (await app.inject({ url: '/api/v1/openapi.json' })).json().paths as Record<string, object>;
    const ops = Object.entries(paths).flatMap(([p, o]) => Object.keys(o).map((m) => `${m} ${p}`));
    expect(ops).toEqual(
      expect.arrayContaining([
        'post /api/v1/areas/import',
        'post /api/v1/areas/attributes/import',
        'get /api/v1/areas/boundaries',
        'get /api/v1/sources',
        'post /api/v1/sources',
        'post /api/v1/sources/{code}/imports',
        'post /api/v1/sources/{code}/pull',
        'get /api/v1/imports',
        'post /api/v1/imports/{id}/rollback',
        'get /api/v1/signals',
        'get /api/v1/taxonomy',
        'get /api/v1/picture/areas',
      ]),
    );
  });

  it('answers unknown API paths with problem+json', async () => {
    const r = await app.inject({ url: '/api/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('sends security headers', async () => {
    const r = await app.inject({ url: '/livez' });
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});

/** The exact security headers of each class of answer; a change to any of them has to change this test. */
describeEachDialect('security headers (golden, per route class)', (ctx) => {
  let app: App;
  beforeAll(async () => {
    app = await buildSignedInApp(
      { db: ctx.db, config: loadConfig({}), clock: fixedClock('2025-01-01T00:00:00Z') },
      { logger: false },
    );
  });
  afterAll(async () => app.close());

  const CSP =
    "default-src 'self';base-uri 'none';font-src 'self';form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self';upgrade-insecure-requests;connect-src 'self'";
  const common = {
    'content-security-policy': CSP,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
  const security = (headers: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(headers).filter(([k]) => k in common || k === 'cache-control'));

  it('API data answers', async () => {
    const r = await app.inject({ url: '/api/v1/sources' });
    expect(r.statusCode).toBe(200);
    expect(security(r.headers)).toEqual({ ...common, 'cache-control': 'no-store' });
  });

  it('API problems (unauthenticated)', async () => {
    const r = await app.inject({ url: '/api/v1/sources', headers: { cookie: '' } });
    expect(r.statusCode).toBe(401);
    expect(security(r.headers)).toEqual({ ...common, 'cache-control': 'no-store' });
  });

  it('the OpenAPI document', async () => {
    const r = await app.inject({ url: '/api/v1/openapi.json' });
    expect(security(r.headers)).toEqual({ ...common, 'cache-control': 'no-store' });
  });

  it('health checks', async () => {
    const r = await app.inject({ url: '/livez' });
    expect(security(r.headers)).toEqual(common);
  });
});

describe('request logs', () => {
  it('never carry one-time tokens from invitation paths', async () => {
    const { redactUrl } = await import('./app.ts');
    expect(redactUrl('/api/v1/invitations/abc123DEF_-/accept?x=1')).toBe(
      '/api/v1/invitations/[token]/accept?x=1',
    );
    expect(redactUrl('/api/v1/users/42')).toBe('/api/v1/users/42');
  });
});
