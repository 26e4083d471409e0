import type { Kysely } from 'kysely';

// Frozen once released: never edit a migration after it has shipped; add a new one.
// People, organisations, roles, sessions, second factors and the audit trail (docs/security.md).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organisation')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    // city_department | police | school | health | social_work | ngo | faith_group | community_group | other
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();

  await db.schema
    .createTable('role')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // JSON array of grants: { resource, action, scope } (server/platform/access/policy.ts).
    .addColumn('grants', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('app_user')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
    .addColumn('role_code', 'text', (c) => c.notNull().references('role.code'))
    // Stored lower-cased; unique across the instance.
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('password_changed_at', 'text')
    // Base32 TOTP secret once enrolment is confirmed; pending_totp_secret while it is being set up.
    .addColumn('totp_secret', 'text')
    .addColumn('pending_totp_secret', 'text')
    .addColumn('totp_enabled_at', 'text')
    // Last accepted TOTP time step, so one code cannot be replayed inside its window.
    .addColumn('totp_last_step', 'integer')
    // invited | active | deactivated
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_login_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deactivated_at', 'text')
    .execute();
  await db.schema.createIndex('app_user_organisation_idx').on('app_user').column('organisation_id').execute();

  await db.schema
    .createTable('invitation')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // SHA-256 of the one-time token; the token itself is only ever in the link.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('app_user.id'))
    .addColumn('invited_by', 'text', (c) => c.references('app_user.id'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('session')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // SHA-256 of the cookie value: a database read does not yield usable session tokens.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('app_user.id'))
    // password | passkey | oidc
    .addColumn('method', 'text', (c) => c.notNull())
    // 1 once the second factor (or a passkey, or SSO) has been satisfied.
    .addColumn('mfa_satisfied', 'integer', (c) => c.notNull())
    .addColumn('csrf_secret', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('reauthenticated_at', 'text', (c) => c.notNull())
    .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    // logout | idle | expired | ended_by_user | ended_by_admin | deactivated | password_changed
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema.createIndex('session_user_idx').on('session').columns(['user_id', 'ended_at']).execute();

  await db.schema
    .createTable('recovery_code')
    .addColumn('user_id', 'text', (c) => c.notNull().references('app_user.id'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_code_pk', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('passkey')
    // WebAuthn credential id, base64url.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('app_user.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'integer', (c) => c.notNull())
    .addColumn('transports', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('passkey_user_idx').on('passkey').column('user_id').execute();

  await db.schema
    .createTable('user_identity')
    // An external (OpenID Connect) identity linked to a user: issuer + subject.
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('app_user.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_identity_pk', ['issuer', 'subject'])
    .execute();

  await db.schema
    .createTable('login_throttle')
    // 'account:<user id or hashed email>' or 'client:<hashed address>'.
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'text', (c) => c.notNull())
    .addColumn('blocked_until', 'text')
    .execute();

  await db.schema
    .createTable('audit_event')
    // Position in the hash chain: 1, 2, 3 … with no gaps, assigned under a lock, never reused.
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_organisation_id', 'text')
    .addColumn('actor_role', 'text')
    // dotted verb, e.g. auth.login, user.create, source.update, signal.import
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text')
    .addColumn('resource_id', 'text')
    // success | failure | denied
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text')
    // JSON object with what changed (codes and ids, never free text about people).
    .addColumn('details', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_event_time_idx').on('audit_event').column('occurred_at').execute();
  await db.schema.createIndex('audit_event_actor_idx').on('audit_event').column('actor_user_id').execute();

  await db.schema
    .createTable('audit_checkpoint')
    // The last entry the checkpoint covers.
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    // Ed25519 over the canonical JSON of { seq, hash, signedAt, keyId }, base64.
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'audit_checkpoint',
    'audit_event',
    'login_throttle',
    'user_identity',
    'passkey',
    'recovery_code',
    'session',
    'invitation',
    'app_user',
    'role',
    'organisation',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
