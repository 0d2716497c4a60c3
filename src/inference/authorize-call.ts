import { decide, normalizeScope, type AuthzFacts } from "../authz/index.js";
import { boundedMemo } from "../kernel/index.js";
import type { DataPlaneCaller } from "./authenticate-caller.js";
import type { CallTarget } from "./call-target.js";
import { dataPlaneErrors } from "./errors.js";

const ROLE_ASSIGNMENTS = "/providers/Microsoft.Authorization/roleAssignments/";

/** Deployment ids recur on every call: normalise each once. */
const normalized = boundedMemo(10_000, normalizeScope);

/**
 * RBAC for a data-plane call: a key is the account's own credential and may call everything in
 * it; a token's principal (and its groups) needs the target's dataAction at the target's scope.
 * Returns what decided (the granting role assignment's ARM id, or `Key1`/`Key2`) for the audit
 * log; refuses with Azure's PermissionDenied naming the principal and the missing dataAction.
 */
export function authorizeCall(
  caller: DataPlaneCaller,
  target: CallTarget,
  routeTemplate: string,
  facts: AuthzFacts,
): string {
  if (caller.method !== "token") return caller.method === "key1" ? "Key1" : "Key2";
  const decision = decide(
    {
      principalId: caller.principal.id,
      groupIds: caller.groupIds,
      action: target.dataAction,
      kind: "dataAction",
      scope: normalized(target.scope),
    },
    facts,
  );
  if (!decision.allowed) {
    throw dataPlaneErrors.permissionDenied(caller.principal.id, target.dataAction, routeTemplate);
  }
  const { assignment } = decision.grants[0]!;
  const scope = assignment.displayScope ?? assignment.scope;
  return `${scope === "/" ? "" : scope}${ROLE_ASSIGNMENTS}${assignment.name}`;
}
