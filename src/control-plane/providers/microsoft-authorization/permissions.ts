import { effectivePermissions } from "../../../authz/index.js";
import type { ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { AUTHORIZATION_VERSIONS } from "./api-versions.js";
import { scopeOf } from "./role-assignments.js";

/** "View my access": the caller's own effective permissions at a scope; anyone may ask about themselves. */
export const permissionOperations: ArmOperation<ControlPlaneDeps>[] = [
  {
    id: "Permissions_ListForScope",
    method: "GET",
    path: "/{scope}/providers/Microsoft.Authorization/permissions",
    resourceType: "Microsoft.Authorization/permissions",
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: () => undefined,
    async handle(context, deps) {
      const groups = await deps.rbac.groupsOf(context.caller.objectId);
      const value = effectivePermissions(
        context.caller.objectId,
        groups,
        scopeOf(context),
        deps.rbac.index,
      ).map((p) => ({
        actions: p.actions,
        notActions: p.notActions,
        dataActions: p.dataActions,
        notDataActions: p.notDataActions,
      }));
      return { status: 200, body: { value } };
    },
  },
];
