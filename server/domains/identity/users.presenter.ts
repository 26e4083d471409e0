import { z } from 'zod';
import {
  abilitiesFor,
  can,
  guardedField,
  pick,
  visibleFields,
  type Actor,
} from '../../platform/access/policy.ts';
import { USER_STATUSES } from './users.schemas.ts';
import { userFacts, type User, type UserDetail } from './users.service.ts';

export const userSchema = z.object({
  id: z.string(),
  email: guardedField(z.string(), 'user', 'email'),
  displayName: z.string(),
  locale: z.string(),
  status: z.enum(USER_STATUSES),
  role: z.object({ code: z.string(), name: z.string() }),
  organisation: z.object({ id: z.string(), name: z.string() }),
  lastLoginAt: guardedField(z.string().nullable(), 'user', 'lastLoginAt', 'Null when never'),
  totpEnabled: guardedField(z.boolean(), 'user', 'totpEnabled'),
  createdAt: z.string(),
  updatedAt: z.string(),
  deactivatedAt: z.string().nullable(),
  abilities: z
    .object({
      update: z.boolean(),
      deactivate: z.boolean(),
      reactivate: z.boolean(),
      reinvite: z.boolean(),
    })
    .describe('What the signed-in user may do with this account (the server checks again)'),
});

export const userDetailSchema = userSchema.extend({
  invitationExpiresAt: guardedField(
    z.string().nullable(),
    'user',
    'invitationExpiresAt',
    'When the open invitation expires; null when none is open',
  ),
});

function userView(u: User, actor: Actor) {
  const abilities = abilitiesFor(actor, 'user', userFacts(u, u));
  const self = u.id === actor.userId;
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    locale: u.locale,
    status: u.status,
    role: { code: u.role.code, name: u.role.name },
    organisation: { id: u.organisation.id, name: u.organisation.name },
    lastLoginAt: u.lastLoginAt,
    totpEnabled: u.totpEnabled,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    deactivatedAt: u.deactivatedAt,
    abilities: {
      update: abilities.update === true,
      deactivate: abilities.archive === true && !self,
      reactivate: u.status === 'deactivated' && can(actor, 'user', 'archive', userFacts(u)),
      reinvite: u.status === 'invited' && abilities.create === true,
    },
  };
}

export function presentUser(u: User, actor: Actor): z.infer<typeof userSchema> {
  return pick(userView(u, actor), visibleFields(actor, 'user', userFacts(u)));
}

export function presentUserDetail(u: UserDetail, actor: Actor): z.infer<typeof userDetailSchema> {
  return pick(
    { ...userView(u, actor), invitationExpiresAt: u.invitationExpiresAt },
    visibleFields(actor, 'user', userFacts(u)),
  );
}
