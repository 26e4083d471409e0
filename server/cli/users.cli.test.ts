import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { verifyPassword } from '../platform/auth/passwords.ts';
import { createCliRunner } from '../test/cli.ts';
import { ADMIN_PASSWORD_ENV } from './users.cli.ts';

const { dataDir, cohesion, cleanup } = createCliRunner('users');

const createAdmin = (password: string | undefined, ...extra: string[]) => {
  if (password === undefined) delete process.env[ADMIN_PASSWORD_ENV];
  else process.env[ADMIN_PASSWORD_ENV] = password;
  return cohesion(
    'users',
    'create-admin',
    '--email',
    'Amira.Haddad@City-of-X.example',
    '--name',
    'Amira Haddad',
    '--organisation',
    'City of X',
    ...extra,
  );
};

describe('cohesion users create-admin (CLI)', () => {
  afterEach(() => delete process.env[ADMIN_PASSWORD_ENV]);
  afterAll(cleanup);

  it('refuses without a password source, and refuses weak passwords, creating nothing', async () => {
    // The runner's stdin is not a terminal, so there is nobody to ask.
    const none = await createAdmin(undefined);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`No password: set ${ADMIN_PASSWORD_ENV}`);

    const weak = await createAdmin('amira haddad 1');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Error (WEAK_PASSWORD)');
    expect(weak.stderr).toContain('reason: contains_name');
    const common = await createAdmin('qwerty123456');
    expect(common.stderr).toContain('reason: common');
    const short = await createAdmin('Xk9!mP2#');
    expect(short.stderr).toContain('reason: too_short');

    const bad = await createAdmin('tulip granite harbour lantern', '--locale', 'English');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('option: --locale');
  }, 60_000);

  it('creates the organisation and the administrator, audited, and then refuses a second one unless forced', async () => {
    const created = await createAdmin('tulip granite harbour lantern');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      'Created city administrator amira.haddad@city-of-x.example (Amira Haddad) in City of X (new organisation).',
    );
    expect(created.stdout).toContain('Set up an authenticator app');

    const again = await createAdmin('another long passphrase here');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error (CONFLICT): An active city administrator already exists');

    process.env[ADMIN_PASSWORD_ENV] = 'copper meadow violin';
    const second = await cohesion(
      'users',
      'create-admin',
      '--email',
      'deputy@city-of-x.example',
      '--name',
      'Deputy',
      '--organisation',
      'City of X',
      '--force-additional',
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('in City of X.');

    const sameEmail = await createAdmin('copper meadow violin', '--force-additional');
    expect(sameEmail.stderr).toContain('Another account uses this email address');

    const db = openDatabase({ sqlitePath: path.join(dataDir, 'cohesion.sqlite') });
    try {
      const users = await db.kysely
        .selectFrom('appUser')
        .innerJoin('organisation', 'organisation.id', 'appUser.organisationId')
        .select([
          'appUser.email',
          'appUser.roleCode',
          'appUser.status',
          'appUser.passwordHash',
          'appUser.totpSecret',
          'organisation.name',
          'organisation.kind',
        ])
        .orderBy('appUser.createdAt')
        .execute();
      expect(users.map((u) => [u.email, u.roleCode, u.status, u.name, u.kind, u.totpSecret])).toEqual([
        ['amira.haddad@city-of-x.example', 'city_admin', 'active', 'City of X', 'city_department', null],
        ['deputy@city-of-x.example', 'city_admin', 'active', 'City of X', 'city_department', null],
      ]);
      expect(await verifyPassword(users[0]!.passwordHash!, 'tulip granite harbour lantern')).toBe(true);
      const audit = await db.kysely
        .selectFrom('auditEvent')
        .select(['action', 'actorUserId', 'outcome', 'details'])
        .orderBy('seq')
        .execute();
      expect(audit.map((a) => [a.action, a.actorUserId, a.outcome])).toEqual([
        ['organisation.create', null, 'success'],
        ['user.create_admin', null, 'success'],
        ['user.create_admin', null, 'success'],
      ]);
      expect(JSON.parse(audit[2]!.details!)).toMatchObject({ additional: true, organisationCreated: false });
      expect(JSON.stringify(audit)).not.toContain('tulip');
    } finally {
      await db.close();
    }
  }, 60_000);
});
