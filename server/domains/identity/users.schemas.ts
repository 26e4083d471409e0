import { z } from 'zod';
import { DEFAULT_LOCALE, canonicalLocale } from '../../../core/taxonomy/locale-fallback.ts';
import { expiresInHoursSchema } from './invitations.schemas.ts';

export const USER_STATUSES = ['invited', 'active', 'deactivated'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

const displayName = z.string().trim().min(1).max(200);
const roleCode = z.string().min(1).max(64);

export const inviteUserSchema = z.strictObject({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email({ error: 'must be an email address' }))
    .describe('Unique across the instance; stored lower-cased'),
  displayName,
  organisationId: z.uuid(),
  roleCode,
  locale: z
    .string()
    .max(35)
    .refine((v) => canonicalLocale(v) !== null, 'must be a BCP 47 language tag, e.g. fr or fr-CA')
    .transform((v) => canonicalLocale(v) ?? DEFAULT_LOCALE)
    .default(DEFAULT_LOCALE),
  expiresInHours: expiresInHoursSchema,
});
export type InviteUser = z.infer<typeof inviteUserSchema>;

/** Not the email: that is the person's own, changed by them after re-authenticating. */
export const userUpdateSchema = z
  .strictObject({
    displayName: displayName.optional(),
    roleCode: roleCode.optional(),
    organisationId: z.uuid().optional(),
  })
  .refine(
    (v) => v.displayName !== undefined || v.roleCode !== undefined || v.organisationId !== undefined,
    'give displayName, roleCode or organisationId',
  );
export type UserUpdate = z.infer<typeof userUpdateSchema>;

export const reinviteSchema = z.strictObject({ expiresInHours: expiresInHoursSchema });

export const userListQuerySchema = z.strictObject({
  organisation: z.uuid().optional().describe('Organisation id'),
  role: roleCode.optional().describe('Role code'),
  status: z.enum(USER_STATUSES).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Part of the name or email, any case'),
  cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type UserListQuery = z.infer<typeof userListQuerySchema>;

export const userIdParams = z.object({ id: z.uuid() });
