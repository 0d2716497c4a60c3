import {
  decide,
  isScopeAtOrBelow,
  normalizeScope,
  type AuthzFacts,
  type RoleAssignment,
} from "../authz/index.js";
import type { ArmCaller } from "./arm-caller.js";
import type { ArmPermission } from "./arm-operation.js";
import type { ControlPlaneDeps } from "./control-plane-deps.js";

interface IndexReads extends AuthzFacts {
  assignmentsForPrincipal(principalId: string): RoleAssignment[];
}

/** Control-plane permissions decided by RBAC: `decide` over the caller and its groups. */
export function rbacAccessChecker(
  index: IndexReads,
  groupsOf: (principalId: string) => Promise<string[]>,
): ControlPlaneDeps["access"] {
  return {
    async allowed(caller: ArmCaller, permission: ArmPermission) {
      const decision = decide(
        {
          principalId: caller.objectId,
          groupIds: await groupsOf(caller.objectId),
          action: permission.action,
          kind: "action",
          scope: normalizeScope(permission.scope),
          attributes: permission.attributes,
        },
        index,
      );
      return decision.allowed;
    },
    async hasAnyAccessWithin(caller: ArmCaller, scope: string) {
      const target = normalizeScope(scope);
      const ids = [caller.objectId, ...(await groupsOf(caller.objectId))];
      return ids.some((id) =>
        index
          .assignmentsForPrincipal(id)
          .some((a) => isScopeAtOrBelow(a.scope, target) || isScopeAtOrBelow(target, a.scope)),
      );
    },
  };
}
