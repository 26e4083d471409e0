import { useCallback } from 'react';
import type { Action, Resource, Scope } from '../../api/identity.ts';
import { useT, type MessageId } from '../../i18n/i18n.tsx';

// Built-in roles, organisation kinds and the policy's words are part of the release, so the console translates them;
// a custom role is named by the city that made it, in its own words.
const BUILTIN_ROLES = new Set([
  'city_admin',
  'prevention_coordinator',
  'analyst',
  'practitioner',
  'partner_member',
  'dpo_auditor',
]);

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

export const USER_STATUSES = ['invited', 'active', 'deactivated'] as const;

export function useRoleName(): (role: { code: string; name: string }) => string {
  const t = useT();
  return useCallback(
    (role) => (BUILTIN_ROLES.has(role.code) ? t(`role.${role.code}` as MessageId) : role.name),
    [t],
  );
}

export function useKindName(): (kind: string) => string {
  const t = useT();
  return useCallback(
    (kind) =>
      (ORGANISATION_KINDS as readonly string[]).includes(kind) ? t(`kind.${kind}` as MessageId) : kind,
    [t],
  );
}

export function usePolicyWords() {
  const t = useT();
  return {
    resource: (r: Resource) => t(`resource.${r}` as MessageId),
    action: (a: Action) => t(`action.${a}` as MessageId),
    scope: (s: Scope) => t(`scope.${s}` as MessageId),
  };
}
