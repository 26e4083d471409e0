/**
 * How the identity services answer for one record, on top of the declarative policy: the guard has already checked
 * that the actor holds some grant for the route; these checks apply the grant's scope and the record's state.
 */
import { AppError, notFound } from '../../platform/errors.ts';
import {
  SCOPES,
  can,
  scopeFor,
  type Action,
  type Actor,
  type Grant,
  type RecordFacts,
  type Resource,
} from '../../platform/access/policy.ts';

/**
 * In the order the API promises: a record the actor may neither read nor act on does not exist for them (404); one
 * they may read but not act on at their scope is forbidden (403); one whose state forbids the action is a conflict
 * (409), so the console can explain it ("this account is deactivated") instead of hiding the record.
 */
export function authorise(
  actor: Actor,
  resource: Resource,
  action: Action,
  record: RecordFacts,
  what: string,
): void {
  const { state, ...where } = record;
  const mayAct = can(actor, resource, action, where);
  if (!mayAct && !can(actor, resource, 'read', where)) throw notFound(what);
  if (!mayAct) throw new AppError('FORBIDDEN', 'Your role does not allow this on this record');
  if (!can(actor, resource, action, record))
    throw new AppError('CONFLICT', `${what} is ${state ?? 'not open to this'}`);
}

const rank = (scope: Grant['scope']): number => SCOPES.indexOf(scope);

/**
 * Whether the actor may give someone a role with these grants. Instance-wide account managers may give any role:
 * they are the ones who set up the data-protection officer and the coordinators, and the audit trail (which they
 * cannot read) records each assignment. Anyone with a narrower reach — a custom role managing one organisation's
 * accounts — may only give roles that grant nothing beyond their own grants, so delegating account management
 * cannot mint privileges.
 */
export function assertMayAssignRole(
  actor: Actor,
  action: Action,
  role: { code: string; grants: readonly Grant[] },
): void {
  if (scopeFor(actor, 'user', action) === 'all') return;
  const beyond = role.grants.filter((g) => {
    const held = scopeFor(actor, g.resource, g.action);
    return held === null || rank(held) < rank(g.scope);
  });
  if (beyond.length > 0) {
    throw new AppError('FORBIDDEN', 'You may not give a role that grants more than your own', [
      {
        field: 'roleCode',
        value: role.code,
        reason: `the role grants ${beyond.map((g) => `${g.resource} ${g.action} (${g.scope})`).join(', ')}`,
      },
    ]);
  }
}
