import { z } from 'zod';
import { booleanQuery } from '../../platform/query.ts';

export const ORGANISATION_KINDS = [
  'city_department',
  'police',
  'school',
  'health',
  'social_work',
  'ngo',
  'faith_group',
  'community_group',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export type OrganisationState = 'active' | 'archived';

const name = z.string().trim().min(1).max(200);

export const newOrganisationSchema = z.strictObject({
  name: name.describe('Unique across the instance, compared without regard to case'),
  kind: z.enum(ORGANISATION_KINDS),
});
export type NewOrganisation = z.infer<typeof newOrganisationSchema>;

export const organisationUpdateSchema = z
  .strictObject({ name: name.optional(), kind: z.enum(ORGANISATION_KINDS).optional() })
  .refine((v) => v.name !== undefined || v.kind !== undefined, 'give name or kind');
export type OrganisationUpdate = z.infer<typeof organisationUpdateSchema>;

export const organisationListQuerySchema = z.strictObject({
  kind: z.enum(ORGANISATION_KINDS).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Part of the name, any case'),
  includeArchived: booleanQuery.default(false),
});
export type OrganisationListQuery = z.infer<typeof organisationListQuerySchema>;

export const organisationIdParams = z.object({ id: z.uuid() });
