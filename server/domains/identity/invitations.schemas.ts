import { z } from 'zod';

export const INVITATION_DEFAULT_HOURS = 72;
export const INVITATION_MAX_HOURS = 14 * 24;

export const expiresInHoursSchema = z
  .number()
  .int()
  .min(1)
  .max(INVITATION_MAX_HOURS)
  .default(INVITATION_DEFAULT_HOURS)
  .describe(`How long the link works, in hours (default ${INVITATION_DEFAULT_HOURS}, at most 14 days)`);

// Any text short enough is looked up: malformed, unknown, used, revoked and expired tokens all answer the same 404.
export const invitationTokenParams = z.object({ token: z.string().min(1).max(128) });

export const acceptInvitationSchema = z.strictObject({
  password: z
    .string()
    .min(1)
    .max(1024)
    .describe('12 to 128 characters, not a common password, not your name or email'),
});
