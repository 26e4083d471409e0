import { z } from 'zod';
import type { IssuedInvitation, PendingInvitation } from './invitations.service.ts';

export const pendingInvitationSchema = z.object({
  email: z.string(),
  displayName: z.string(),
  organisation: z.object({ id: z.string(), name: z.string() }),
  role: z.object({
    code: z.string(),
    name: z.string(),
    requiresSecondFactor: z.boolean().describe('After signing in, the person must enrol a second factor'),
  }),
  expiresAt: z.string(),
});

export function presentPendingInvitation(i: PendingInvitation): z.infer<typeof pendingInvitationSchema> {
  return {
    email: i.email,
    displayName: i.displayName,
    organisation: { id: i.organisation.id, name: i.organisation.name },
    role: { code: i.role.code, name: i.role.name, requiresSecondFactor: i.role.requiresSecondFactor },
    expiresAt: i.expiresAt,
  };
}

export const acceptedInvitationSchema = z.object({
  email: z.string().describe('Sign in with this email and the password just chosen'),
  secondFactorRequired: z.boolean().describe('The role requires enrolling a second factor at first sign-in'),
});

export function presentAcceptedInvitation(i: PendingInvitation): z.infer<typeof acceptedInvitationSchema> {
  return { email: i.email, secondFactorRequired: i.role.requiresSecondFactor };
}

export const issuedInvitationSchema = z.object({
  id: z.string(),
  expiresAt: z.string(),
  link: z
    .string()
    .describe(
      'Path of the one-time link (/accept-invitation#token=…), shown only in this response: pass it to the person',
    ),
});

export function presentIssuedInvitation(i: IssuedInvitation): z.infer<typeof issuedInvitationSchema> {
  return { id: i.id, expiresAt: i.expiresAt, link: i.link };
}
