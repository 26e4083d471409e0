import { z } from 'zod';
import { abilitiesFor, guardedField, pick, visibleFields, type Actor } from '../../platform/access/policy.ts';
import { sessionFacts, type AdminSession } from './sessions-admin.service.ts';

export const adminSessionSchema = z.object({
  id: z.string(),
  user: z
    .object({ id: z.string(), displayName: z.string(), email: guardedField(z.string(), 'user', 'email') })
    .describe('Whose session it is; the email follows the account’s own field rules'),
  organisation: z.object({ id: z.string(), name: z.string() }),
  method: z.enum(['password', 'passkey', 'oidc']),
  secondFactorSatisfied: z.boolean(),
  userAgent: guardedField(
    z.string().nullable(),
    'session',
    'userAgent',
    'The browser, as it described itself at sign-in (truncated)',
  ),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z
    .string()
    .describe('When it ends unless used again (idle or absolute limit, whichever is first)'),
  current: z.boolean().describe('The session making this request'),
  abilities: z.object({ end: z.boolean() }),
});

export function presentAdminSession(s: AdminSession, actor: Actor): z.infer<typeof adminSessionSchema> {
  const facts = sessionFacts(s, false);
  return pick(
    {
      id: s.id,
      // The person behind the session is an account: what of it shows is the account's rule, not the session's.
      user: pick(
        { id: s.user.id, displayName: s.user.displayName, email: s.user.email },
        visibleFields(actor, 'user', facts),
      ),
      organisation: { id: s.organisation.id, name: s.organisation.name },
      method: s.method,
      secondFactorSatisfied: s.secondFactorSatisfied,
      userAgent: s.userAgent,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      current: s.id === actor.sessionId,
      abilities: { end: abilitiesFor(actor, 'session', sessionFacts(s)).end === true },
    },
    visibleFields(actor, 'session', facts),
  );
}
