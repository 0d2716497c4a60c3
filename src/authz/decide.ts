/**
 * The RBAC decision, as Azure makes it and as Cedar explains it: a pure function of the request
 * and the facts (no IO, no clock) that names every assignment that granted access, or the
 * action nothing granted. Cost: (1 + groups) principal reads and (scope depth) × (principals
 * holding any assignment) scope checks, whatever the number of assignments.
 */
import { assignmentCondition, blockGrants, compileRole } from "./compiled-role.js";
import type { ConditionContext } from "./condition.js";
import type {
  AccessRequest,
  AuthzFacts,
  Decision,
  Grant,
  Permission,
  RoleAssignment,
} from "./model.js";
import { scopeChain } from "./scope-refs.js";
import { scopeAncestors } from "./scopes.js";

// The same few action names come back on every request (bounded memo, cleared when full).
const lowerCaseActions = new Map<string, string>();
function lowerCaseAction(action: string): string {
  let lower = lowerCaseActions.get(action);
  if (lower === undefined) {
    lower = action.toLowerCase();
    if (lowerCaseActions.size >= 10_000) lowerCaseActions.clear();
    lowerCaseActions.set(action, lower);
  }
  return lower;
}

/** The grant `assignment` gives for this request, if any. */
function grantOf(
  assignment: RoleAssignment,
  kind: AccessRequest["kind"],
  context: ConditionContext,
  facts: AuthzFacts,
): Grant | undefined {
  const role = facts.roleDefinition(assignment.roleDefinitionId);
  if (!role) return undefined; // a deleted role grants nothing, even if assignments linger
  const compiled = compileRole(role);
  if (kind === "action" ? !compiled.grantsActions : !compiled.grantsDataActions) return undefined;
  for (const block of compiled.permissions) {
    const matched = blockGrants(block, kind, context.action);
    if (matched === undefined) continue;
    if (block.condition && !block.condition.holds(context)) continue;
    if (!assignmentCondition(assignment).holds(context)) return undefined;
    return { assignment, roleDefinitionId: role.id, roleName: role.roleName, matched };
  }
  return undefined;
}

function collect(
  assignments: readonly RoleAssignment[],
  kind: AccessRequest["kind"],
  context: ConditionContext,
  facts: AuthzFacts,
  grants: Grant[],
): void {
  for (let i = 0; i < assignments.length; i++) {
    const assignment = assignments[i]!;
    const grant = grantOf(assignment, kind, context, facts);
    // A principal listed twice (or in its own groups) must not report an assignment twice.
    if (grant && !grants.some((known) => known.assignment === assignment)) grants.push(grant);
  }
}

/**
 * May `request.principalId` (or one of `request.groupIds`, already expanded transitively) do
 * `request.action` at `request.scope`? Every assignment at the scope or above is considered,
 * nearest scope first, and every one that grants is reported. Throws `InvalidScopeError` for a
 * malformed scope.
 */
export function decide(request: AccessRequest, facts: AuthzFacts): Decision {
  const chain = scopeChain(request.scope);
  const context: ConditionContext = {
    action: lowerCaseAction(request.action),
    attributes: request.attributes,
  };
  const grants: Grant[] = [];
  const { principalId, groupIds, kind } = request;
  // Hot loop, index-based: one read per principal, then one question per ancestor scope.
  for (let p = -1; p < groupIds.length; p++) {
    const held = facts.assignmentsOf(p < 0 ? principalId : groupIds[p]!);
    if (!held) continue; // most groups hold no assignment at all
    for (let i = 0; i < chain.refs.length; i++) {
      const assignments = held.at(chain.refs[i]!);
      if (assignments.length > 0) collect(assignments, kind, context, facts, grants);
    }
  }
  // Nearest scope first, whoever holds the assignment: every grant is at an ancestor of one
  // scope, so the longer scope is the nearer (and the sort is stable).
  if (grants.length > 1) {
    grants.sort((a, b) => b.assignment.scope.length - a.assignment.scope.length);
  }
  if (grants.length > 0) return { allowed: true, grants };
  return {
    allowed: false,
    action: request.action,
    kind: request.kind,
    scope: chain.scope,
  };
}

/**
 * What a principal may do at a scope, for ARM's `…/providers/Microsoft.Authorization/permissions`
 * ("View my access"): the permission blocks of every role assigned to it or its groups at the
 * scope or above, one entry per block as Azure lists them. A role assigned several times is
 * listed once.
 */
export function effectivePermissions(
  principalId: string,
  groupIds: readonly string[],
  scope: string,
  facts: AuthzFacts,
): Permission[] {
  const roleIds = new Set<string>();
  for (const ancestor of scopeAncestors(scope)) {
    for (const id of [principalId, ...groupIds]) {
      for (const assignment of facts.assignmentsAt(ancestor, id)) {
        roleIds.add(assignment.roleDefinitionId);
      }
    }
  }
  const permissions: Permission[] = [];
  for (const roleId of roleIds) {
    for (const block of facts.roleDefinition(roleId)?.permissions ?? []) {
      permissions.push({
        actions: [...block.actions],
        notActions: [...block.notActions],
        dataActions: [...block.dataActions],
        notDataActions: [...block.notDataActions],
        ...(block.condition ? { condition: block.condition } : {}),
        ...(block.conditionVersion ? { conditionVersion: block.conditionVersion } : {}),
      });
    }
  }
  return permissions;
}
