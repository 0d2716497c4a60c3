/** Azure RBAC for Keyless: what other parts may import. */
export type * from "./model.js";
export { decide, effectivePermissions } from "./decide.js";
export { AuthzIndex } from "./authz-index.js";
export { GroupMemberships } from "./group-memberships.js";
export { builtInRoles, builtInRoleIds } from "./builtin-roles.js";
export { normalizeScope, scopeAncestors, isScopeAtOrBelow, InvalidScopeError } from "./scopes.js";
export { compileActionPattern, type ActionPattern } from "./action-pattern.js";
export {
  parseCondition,
  compileCondition,
  ConditionSyntaxError,
  type Condition,
  type ConditionContext,
} from "./condition.js";
export type { AuthzStore, Change, ChangeFeed } from "./store.js";
export { assignmentName } from "./assignment-name.js";
export { AuthzSync } from "./authz-sync.js";
