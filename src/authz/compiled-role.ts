/**
 * Roles and assignment conditions compiled once for matching. The caches are keyed by object
 * identity (WeakMap), so a role or assignment replaced in the index is compiled afresh and the
 * old compilation is collected with the object; `decide` stays pure (the caches only memoise).
 */
import { ActionPatternList } from "./action-pattern.js";
import { compileCondition, type Condition } from "./condition.js";
import type { AccessRequest, Permission, RoleAssignment, RoleDefinition } from "./model.js";

/** One permission block: `not…` lists subtract only from the same block's grants. */
export interface CompiledPermission {
  readonly actions: ActionPatternList;
  readonly notActions: ActionPatternList;
  readonly dataActions: ActionPatternList;
  readonly notDataActions: ActionPatternList;
  readonly condition?: Condition;
  /** Memo of `blockGrants`: action → the granting pattern, or null for "not granted". */
  readonly answers: Record<AccessRequest["kind"], Map<string, string | null>>;
}

export interface CompiledRole {
  readonly role: RoleDefinition;
  readonly permissions: readonly CompiledPermission[];
  readonly grantsActions: boolean;
  readonly grantsDataActions: boolean;
}

function hasCondition(condition: string | undefined): condition is string {
  return condition !== undefined && condition.trim() !== "";
}

function compilePermission(permission: Permission): CompiledPermission {
  return {
    actions: new ActionPatternList(permission.actions ?? []),
    notActions: new ActionPatternList(permission.notActions ?? []),
    dataActions: new ActionPatternList(permission.dataActions ?? []),
    notDataActions: new ActionPatternList(permission.notDataActions ?? []),
    answers: { action: new Map(), dataAction: new Map() },
    ...(hasCondition(permission.condition)
      ? { condition: compileCondition(permission.condition, permission.conditionVersion) }
      : {}),
  };
}

const compiledRoles = new WeakMap<RoleDefinition, CompiledRole>();

export function compileRole(role: RoleDefinition): CompiledRole {
  let compiled = compiledRoles.get(role);
  if (!compiled) {
    const permissions = role.permissions.map(compilePermission);
    compiled = {
      role,
      permissions,
      grantsActions: permissions.some((block) => !block.actions.isEmpty),
      grantsDataActions: permissions.some((block) => !block.dataActions.isEmpty),
    };
    compiledRoles.set(role, compiled);
  }
  return compiled;
}

function scan(block: CompiledPermission, kind: AccessRequest["kind"], action: string) {
  const matched =
    kind === "action" ? block.actions.firstMatch(action) : block.dataActions.firstMatch(action);
  if (matched === undefined) return null;
  const excluded =
    kind === "action"
      ? block.notActions.matchesAny(action)
      : block.notDataActions.matchesAny(action);
  return excluded ? null : matched;
}

const MEMO_LIMIT = 1_000;

/**
 * The pattern through which `block` grants `action` (lowercased) of this kind, or undefined.
 * Control-plane `actions` never grant a dataAction, nor `dataActions` an action.
 */
export function blockGrants(
  block: CompiledPermission,
  kind: AccessRequest["kind"],
  action: string,
): string | undefined {
  // The same few actions come back on every request: one Map read replaces scanning a dozen
  // patterns. Bounded (cleared when full) since callers choose the action strings.
  const answers = kind === "action" ? block.answers.action : block.answers.dataAction;
  let answer = answers.get(action);
  if (answer === undefined) {
    answer = scan(block, kind, action);
    if (answers.size >= MEMO_LIMIT) answers.clear();
    answers.set(action, answer);
  }
  return answer ?? undefined;
}

const NO_CONDITION: Condition = { source: "", holds: () => true };
const assignmentConditions = new WeakMap<RoleAssignment, Condition>();

/** The assignment's own condition (always true when it has none), compiled once. */
export function assignmentCondition(assignment: RoleAssignment): Condition {
  if (!hasCondition(assignment.condition)) return NO_CONDITION;
  let compiled = assignmentConditions.get(assignment);
  if (!compiled) {
    compiled = compileCondition(assignment.condition, assignment.conditionVersion);
    assignmentConditions.set(assignment, compiled);
  }
  return compiled;
}
