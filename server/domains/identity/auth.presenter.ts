import { z } from 'zod';
import { ACTIONS, RESOURCES, grantSchema } from '../../platform/access/policy.ts';
import type { Account, Me, OwnSession } from './auth.service.ts';

export const accountSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  locale: z.string(),
  organisationId: z.string(),
  role: z.object({ code: z.string(), name: z.string() }),
  totpEnabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
});

export function presentAccount(a: Account): z.infer<typeof accountSchema> {
  return {
    id: a.id,
    email: a.email,
    displayName: a.displayName,
    locale: a.locale,
    organisationId: a.organisationId,
    role: { code: a.roleCode, name: a.roleName },
    totpEnabled: a.totpEnabled,
    lastLoginAt: a.lastLoginAt,
  };
}

export const signInSchema = z.object({
  user: accountSchema,
  secondFactorRequired: z
    .boolean()
    .describe('The session needs a second factor (TOTP code, recovery code or passkey) before anything else'),
  secondFactorEnrolled: z.boolean().describe('An authenticator app or a passkey is set up'),
  csrfToken: z.string().describe('Send as the x-csrf-token header with every state-changing request'),
});

export const abilitiesSchema = z
  .record(z.enum(RESOURCES), z.partialRecord(z.enum(ACTIONS), z.boolean()))
  .describe('For every resource, each action and whether this session may do it now');

export const meSchema = z.object({
  user: accountSchema,
  organisation: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  role: z.object({ code: z.string(), name: z.string() }),
  secondFactorRequired: z.boolean(),
  secondFactorSatisfied: z.boolean(),
  secondFactorEnrolled: z.boolean(),
  totpEnabled: z.boolean(),
  csrfToken: z.string(),
  abilities: abilitiesSchema,
  grants: z
    .array(grantSchema)
    .describe("Your role's grants: how far each ability reaches (own, organisation, all)"),
});

export function presentMe(me: Me): z.infer<typeof meSchema> {
  return {
    user: presentAccount(me.account),
    organisation: { id: me.organisation.id, name: me.organisation.name, kind: me.organisation.kind },
    role: { code: me.account.roleCode, name: me.account.roleName },
    secondFactorRequired: me.secondFactorRequired,
    secondFactorSatisfied: me.secondFactorSatisfied,
    secondFactorEnrolled: me.secondFactorEnrolled,
    totpEnabled: me.account.totpEnabled,
    csrfToken: me.csrfToken,
    abilities: me.abilities,
    grants: [...me.grants],
  };
}

export const ownSessionSchema = z.object({
  id: z.string(),
  method: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  userAgent: z.string().nullable(),
  current: z.boolean().describe('The session making this request'),
});

export function presentOwnSession(s: OwnSession): z.infer<typeof ownSessionSchema> {
  return {
    id: s.id,
    method: s.method,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    userAgent: s.userAgent,
    current: s.current,
  };
}
