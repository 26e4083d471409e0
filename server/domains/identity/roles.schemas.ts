import { z } from 'zod';
import { grantSchema } from '../../platform/access/policy.ts';

export const ROLE_CODE_PATTERN = /^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/;

export const roleCodeSchema = z
  .string()
  .max(64)
  .regex(ROLE_CODE_PATTERN, 'a role code is a lowercase slug such as school_liaison (a-z, 0-9, - and _)');

const fields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullable().optional(),
  grants: z
    .array(grantSchema)
    .min(1)
    .max(200)
    .describe('What the role may do: { resource, action, scope } (see GET /api/v1/access/catalogue)'),
};

export const newRoleSchema = z.strictObject({ code: roleCodeSchema, ...fields });
export type NewRole = z.infer<typeof newRoleSchema>;

export const roleUpdateSchema = z
  .strictObject({
    name: fields.name.optional(),
    description: fields.description,
    grants: fields.grants.optional(),
  })
  .refine(
    (v) => v.name !== undefined || v.description !== undefined || v.grants !== undefined,
    'give name, description or grants',
  );
export type RoleUpdate = z.infer<typeof roleUpdateSchema>;

export const roleCodeParams = z.object({ code: z.string().min(1).max(64) });
