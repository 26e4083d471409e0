import { z } from 'zod';
import {
  ACTIONS,
  RESOURCES,
  RESOURCE_ACTIONS,
  SCOPES,
  abilitiesFor,
  grantSchema,
  guardedField,
  pick,
  requiresSecondFactor,
  visibleFields,
  type Actor,
} from '../../platform/access/policy.ts';
import { ROLE_FACTS, type Role } from './roles.service.ts';

export const roleSchema = z.object({
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  builtin: z.boolean().describe('Shipped with Cohesion; its grants follow the release and cannot be edited'),
  grants: z.array(grantSchema),
  requiresSecondFactor: z
    .boolean()
    .describe('The grants reach personal data, so members must use a second factor'),
  memberCount: guardedField(
    z.number().int(),
    'role',
    'memberCount',
    'Accounts holding the role, deactivated ones included',
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
  abilities: z.object({ update: z.boolean(), remove: z.boolean() }),
});

export function presentRole(role: Role, actor: Actor): z.infer<typeof roleSchema> {
  const abilities = abilitiesFor(actor, 'role', ROLE_FACTS);
  const view = {
    code: role.code,
    name: role.name,
    description: role.description,
    builtin: role.builtin,
    grants: role.grants.map((g) => ({ resource: g.resource, action: g.action, scope: g.scope })),
    requiresSecondFactor: role.requiresSecondFactor,
    memberCount: role.memberCount,
    createdAt: role.createdAt,
    updatedAt: role.updatedAt,
    abilities: {
      update: !role.builtin && abilities.update === true,
      remove: !role.builtin && role.memberCount === 0 && abilities.archive === true,
    },
  };
  return pick(view, visibleFields(actor, 'role', ROLE_FACTS));
}

export const catalogueSchema = z.object({
  resources: z.array(
    z.object({
      resource: z.enum(RESOURCES),
      actions: z.array(z.enum(ACTIONS)),
      secondFactorFrom: z
        .enum(SCOPES)
        .nullable()
        .describe('The narrowest scope from which a grant on this resource makes a second factor mandatory'),
    }),
  ),
  scopes: z.array(z.enum(SCOPES)).describe('From narrowest to widest: own, organisation, all'),
});

/** What a role editor may compose: each resource with its actions, and the scopes. */
export function presentCatalogue(): z.infer<typeof catalogueSchema> {
  return {
    resources: RESOURCES.map((resource) => {
      const [action] = RESOURCE_ACTIONS[resource];
      return {
        resource,
        actions: [...RESOURCE_ACTIONS[resource]],
        secondFactorFrom:
          action === undefined
            ? null
            : (SCOPES.find((scope) => requiresSecondFactor([{ resource, action, scope }])) ?? null),
      };
    }),
    scopes: [...SCOPES],
  };
}
