// The console's pure decisions that no browser journey walks through every branch of: where signing in may send
// someone, which page a path is, and how a server's problem details land next to form fields.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../web/console/src/api/client.ts';
import { problemsOf } from '../web/console/src/components/forms.tsx';
import { browserOf } from '../web/console/src/features/account/browser.ts';
import { groupsOfFour } from '../web/console/src/features/auth/enrol-page.tsx';
import type { MessageId } from '../web/console/src/i18n/i18n.tsx';
import { routeOf, safeNext } from '../web/console/src/routing/routes.ts';

describe('where signing in may lead (next=)', () => {
  it('keeps paths inside the console, with their query', () => {
    expect(safeNext('/signals?lang=ar&area=012')).toBe('/signals?lang=ar&area=012');
    expect(safeNext('/admin/people/0190c0de-0000-7000-8000-000000000000')).toBe(
      '/admin/people/0190c0de-0000-7000-8000-000000000000',
    );
  });

  it('refuses other origins, however they are spelt', () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/map',
      '/\\evil.example',
      'javascript:alert(1)',
      'map',
      '',
      null,
    ])
      expect(safeNext(next), String(next)).toBeNull();
  });

  it('never leads back into a sign-in step', () => {
    for (const next of [
      '/sign-in',
      '/sign-in/second-factor?next=/map',
      '/sign-in/enrol',
      '/accept-invitation',
    ])
      expect(safeNext(next), next).toBeNull();
  });
});

describe('pages by path', () => {
  it('knows every page, with its record', () => {
    expect(routeOf('/')).toEqual({ page: 'map' });
    expect(routeOf('/map/')).toEqual({ page: 'map' });
    expect(routeOf('/admin/organisations/new')).toEqual({ page: 'organisation-new' });
    expect(routeOf('/admin/organisations/abc')).toEqual({ page: 'organisation', id: 'abc' });
    expect(routeOf('/admin/people/invite')).toEqual({ page: 'person-invite' });
    expect(routeOf('/admin/roles/school%5Fliaison')).toEqual({ page: 'role', code: 'school_liaison' });
    expect(routeOf('/admin/audit')).toEqual({ page: 'audit' });
  });

  it('answers not-found for anything else, including a malformed or slash-smuggling segment', () => {
    for (const path of ['/admin/people/a/b', '/admin/roles/%E0%A4%A', '/admin/roles/a%2Fb', '/nowhere'])
      expect(routeOf(path), path).toEqual({ page: 'not-found' });
  });
});

describe('server problems next to form fields', () => {
  const t = (id: MessageId) => `«${id}»`;

  it('puts each located detail next to its field, translating known reason codes', () => {
    const error = new ApiError(400, 'Choose another password', 'WEAK_PASSWORD', [
      { field: 'password', reason: 'too_short' },
      { field: 'password', reason: 'common' },
    ]);
    expect(problemsOf(error, t, { fields: ['password'] })).toEqual({
      fields: { password: '«problem.reason.too_short» «problem.reason.common»' },
      general: [],
    });
  });

  it('reads JSON pointers (validation errors) and keeps unknown reasons in the server’s words', () => {
    const error = new ApiError(400, 'The request is not valid', 'VALIDATION_FAILED', [
      { path: '/grants/3/scope', reason: 'Invalid option' },
      { path: '/colour', reason: 'Unrecognized key' },
    ]);
    expect(problemsOf(error, t, { fields: ['name', 'grants'] })).toEqual({
      fields: { grants: 'Invalid option' },
      general: ['Unrecognized key'],
    });
  });

  it('places a problem without details by its code, or in the summary with the server’s title', () => {
    const weak = new ApiError(400, 'Choose another password', 'WEAK_PASSWORD');
    expect(
      problemsOf(weak, t, { fields: ['newPassword'], fieldFor: { WEAK_PASSWORD: 'newPassword' } }),
    ).toEqual({
      fields: { newPassword: 'Choose another password' },
      general: [],
    });
    const conflict = new ApiError(409, 'The organisation has members', 'CONFLICT');
    expect(problemsOf(conflict, t, { fields: ['name'] })).toEqual({
      fields: {},
      general: ['The organisation has members'],
    });
    expect(problemsOf(new ApiError(0, 'Failed to fetch'), t, { fields: [] })).toEqual({
      fields: {},
      general: ['«form.offline»'],
    });
  });
});

describe('small presentations', () => {
  it('groups a TOTP secret in fours, the last group shorter when it must be', () => {
    expect(groupsOfFour('JBSWY3DPEHPK3PXPAB')).toEqual(['JBSW', 'Y3DP', 'EHPK', '3PXP', 'AB']);
  });

  it('names a session’s browser and system without keeping the rest of the user agent', () => {
    expect(
      browserOf(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0',
      ),
    ).toBe('Edge · Windows');
    expect(browserOf('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox · Linux',
    );
    expect(
      browserOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari · iOS');
    expect(browserOf(null)).toBeNull();
    expect(browserOf('curl/8.5.0')).toBeNull();
  });
});
