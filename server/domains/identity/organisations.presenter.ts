import { z } from 'zod';
import { abilitiesFor, guardedField, pick, visibleFields, type Actor } from '../../platform/access/policy.ts';
import { ORGANISATION_KINDS } from './organisations.schemas.ts';
import { organisationFacts, type Organisation } from './organisations.service.ts';

const abilitySchema = z.boolean().optional();

export const organisationSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ORGANISATION_KINDS),
  state: z.enum(['active', 'archived']),
  memberCount: guardedField(z.number().int(), 'organisation', 'memberCount', 'Invited and active accounts'),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
  abilities: z
    .object({ read: abilitySchema, update: abilitySchema, archive: abilitySchema })
    .describe('What the signed-in user may do with this organisation'),
});

export function presentOrganisation(o: Organisation, actor: Actor): z.infer<typeof organisationSchema> {
  const facts = organisationFacts(o);
  const abilities = abilitiesFor(actor, 'organisation', facts);
  const view = {
    id: o.id,
    name: o.name,
    kind: o.kind,
    state: o.state,
    memberCount: o.memberCount,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archivedAt: o.archivedAt,
    abilities: { read: abilities.read, update: abilities.update, archive: abilities.archive },
  };
  return pick(view, visibleFields(actor, 'organisation', facts));
}
