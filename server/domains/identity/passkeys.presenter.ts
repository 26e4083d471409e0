import { z } from 'zod';
import type { Passkey, SignedIn } from './passkeys.service.ts';

export const passkeySchema = z.object({
  id: z.string().describe('WebAuthn credential id, base64url'),
  name: z.string(),
  transports: z
    .array(z.string())
    .describe('How the browser reaches the authenticator (internal, usb, hybrid …)'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  abilities: z.object({
    remove: z.boolean().describe('False when it is the last second factor of a role that requires one'),
  }),
});

export function presentPasskey(p: Passkey): z.infer<typeof passkeySchema> {
  return {
    id: p.id,
    name: p.name,
    transports: [...p.transports],
    createdAt: p.createdAt,
    lastUsedAt: p.lastUsedAt,
    abilities: { remove: p.removable },
  };
}

/** The same answer as a password sign-in, so the console continues the same way whatever the method. */
export const signedInSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), displayName: z.string() }),
  secondFactorRequired: z.boolean().describe('The session still owes a second factor before anything else'),
  secondFactorEnrolled: z.boolean(),
  csrfToken: z.string().describe('Send it in the x-csrf-token header of every state-changing request'),
});

export function presentSignedIn(s: SignedIn): z.infer<typeof signedInSchema> {
  return {
    user: { id: s.user.id, email: s.user.email, displayName: s.user.displayName },
    secondFactorRequired: s.secondFactorRequired,
    secondFactorEnrolled: s.secondFactorEnrolled,
    csrfToken: s.csrfToken,
  };
}
