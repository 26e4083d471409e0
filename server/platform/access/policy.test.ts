import { describe, expect, it } from 'vitest';
import {
  BUILTIN_ROLES,
  RESOURCE_ACTIONS,
  abilitiesFor,
  accessFilter,
  can,
  grantProblems,
  requiresSecondFactor,
  type Actor,
  type Grant,
} from './policy.ts';

const actor = (grants: Grant[]): Actor => ({
  userId: 'u1',
  organisationId: 'o1',
  roleCode: 'custom',
  grants,
  sessionId: 's1',
});

describe('access policy', () => {
  it('widens scope own → organisation → all, record by record', () => {
    const own = actor([{ resource: 'user', action: 'update', scope: 'own' }]);
    const org = actor([{ resource: 'user', action: 'update', scope: 'organisation' }]);
    const all = actor([{ resource: 'user', action: 'update', scope: 'all' }]);
    const mine = { ownerUserId: 'u1', organisationId: 'o1' };
    const colleague = { ownerUserId: 'u2', organisationId: 'o1' };
    const stranger = { ownerUserId: 'u3', organisationId: 'o2' };
    expect([mine, colleague, stranger].map((r) => can(own, 'user', 'update', r))).toEqual([
      true,
      false,
      false,
    ]);
    expect([mine, colleague, stranger].map((r) => can(org, 'user', 'update', r))).toEqual([
      true,
      true,
      false,
    ]);
    expect([mine, colleague, stranger].map((r) => can(all, 'user', 'update', r))).toEqual([true, true, true]);
    expect(can(own, 'user', 'read')).toBe(false);
  });

  it('takes the widest of several grants for the same action', () => {
    const a = actor([
      { resource: 'session', action: 'end', scope: 'own' },
      { resource: 'session', action: 'end', scope: 'all' },
    ]);
    expect(accessFilter(a, 'session', 'end')).toEqual({ kind: 'all' });
    expect(accessFilter(a, 'session', 'read')).toEqual({ kind: 'none' });
  });

  it('refuses actions the record state does not allow, whatever the grant', () => {
    const admin = actor([{ resource: 'user', action: 'update', scope: 'all' }]);
    expect(can(admin, 'user', 'update', { ownerUserId: 'u9', state: 'active' })).toBe(true);
    expect(can(admin, 'user', 'update', { ownerUserId: 'u9', state: 'deactivated' })).toBe(false);
    expect(abilitiesFor(admin, 'user', { ownerUserId: 'u9', state: 'deactivated' })).toEqual({
      read: false,
      create: false,
      update: false,
      archive: false,
    });
  });

  it('requires a second factor exactly for roles reaching personal data', () => {
    const needs = Object.fromEntries(BUILTIN_ROLES.map((r) => [r.code, requiresSecondFactor(r.grants)]));
    expect(needs).toEqual({
      city_admin: true,
      prevention_coordinator: true,
      analyst: false,
      practitioner: true,
      partner_member: false,
      dpo_auditor: true,
    });
  });

  it('gives built-in roles only grants that exist, and separates administration from audit', () => {
    for (const role of BUILTIN_ROLES) expect(grantProblems(role.grants), role.code).toEqual([]);
    const admin = BUILTIN_ROLES.find((r) => r.code === 'city_admin')!;
    const dpo = BUILTIN_ROLES.find((r) => r.code === 'dpo_auditor')!;
    expect(admin.grants.some((g) => g.resource === 'audit')).toBe(false);
    expect(
      dpo.grants.filter((g) => g.action !== 'read' && g.action !== 'export' && g.scope !== 'own'),
    ).toEqual([]);
    expect(grantProblems([{ resource: 'audit', action: 'update', scope: 'all' }])).toEqual([
      'audit has no action update',
    ]);
    expect(Object.keys(RESOURCE_ACTIONS).length).toBeGreaterThan(0);
  });
});
