import {
  isScopeAtOrBelow,
  normalizeScope,
  type Permission,
  type RoleDefinition,
} from "../../../authz/index.js";
import type { ArmContext, ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { authorizationErrors } from "../../errors.js";
import { AUTHORIZATION_VERSIONS } from "./api-versions.js";
import { parseAuthorizationFilter } from "./odata-filter.js";
import { roleDefinitionBody, roleIdOf } from "./shapes.js";
import { requestedScope, scopeOf } from "./role-assignments.js";

type Operation = ArmOperation<ControlPlaneDeps>;
const TYPE = "Microsoft.Authorization/roleDefinitions";

/** Roles visible at `scope`: built-ins everywhere, custom roles assignable at, above or below it. */
function visibleAt(scope: string, deps: ControlPlaneDeps): RoleDefinition[] {
  return deps.rbac.index.listRoles().filter(
    (role) =>
      role.type === "BuiltInRole" ||
      role.assignableScopes.some((assignable) => {
        const normalized = normalizeScope(assignable);
        return isScopeAtOrBelow(scope, normalized) || isScopeAtOrBelow(normalized, scope);
      }),
  );
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string")
    ? (value as string[])
    : [];

function readRole(
  context: ArmContext,
  id: string,
  existing: RoleDefinition | undefined,
  now: number,
): RoleDefinition {
  const properties =
    (context.body as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const roleName = properties.roleName;
  if (typeof roleName !== "string" || roleName.trim() === "") {
    throw authorizationErrors.invalidRequest("properties.roleName is required.");
  }
  if (!Array.isArray(properties.permissions) || properties.permissions.length === 0) {
    throw authorizationErrors.invalidRequest(
      "properties.permissions must list at least one permission block.",
    );
  }
  const permissions: Permission[] = properties.permissions.map(
    (block: Record<string, unknown>) => ({
      actions: strings(block?.actions),
      notActions: strings(block?.notActions),
      dataActions: strings(block?.dataActions),
      notDataActions: strings(block?.notDataActions),
    }),
  );
  const assignableScopes = strings(properties.assignableScopes);
  if (assignableScopes.length === 0)
    throw authorizationErrors.invalidRequest("properties.assignableScopes is required.");
  for (const scope of assignableScopes) {
    try {
      normalizeScope(scope);
    } catch {
      throw authorizationErrors.invalidScope(scope);
    }
  }
  return {
    id,
    roleName: roleName.trim(),
    description: typeof properties.description === "string" ? properties.description : "",
    type: "CustomRole",
    permissions,
    assignableScopes,
    createdOn: existing?.createdOn ?? now,
    updatedOn: now,
    createdBy: existing?.createdBy ?? context.caller.objectId,
    updatedBy: context.caller.objectId,
  };
}

const definitionPath =
  "/{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}";
const apiVersion = (context: ArmContext) => context.query["api-version"] ?? "";
const roleIdParam = (context: ArmContext) =>
  roleIdOf(context.params.roleDefinitionId!) ?? context.params.roleDefinitionId!;

export const roleDefinitionOperations: Operation[] = [
  {
    id: "RoleDefinitions_List",
    method: "GET",
    path: "/{scope}/providers/Microsoft.Authorization/roleDefinitions",
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => ({
      action: "Microsoft.Authorization/roleDefinitions/read",
      scope: requestedScope(context),
    }),
    async handle(context, deps) {
      const scope = scopeOf(context);
      const filter = parseAuthorizationFilter(context.query.$filter);
      if (!filter || filter.kind === "principalId" || filter.kind === "assignedTo") {
        throw authorizationErrors.invalidFilter(context.query.$filter ?? "");
      }
      const roles = visibleAt(scope, deps).filter((role) =>
        filter.kind === "roleName"
          ? role.roleName.toLowerCase() === filter.value.toLowerCase()
          : filter.kind === "type"
            ? role.type.toLowerCase() === filter.value.toLowerCase()
            : true,
      );
      return {
        status: 200,
        body: { value: roles.map((role) => roleDefinitionBody(role, scope, apiVersion(context))) },
      };
    },
  },
  {
    id: "RoleDefinitions_Get",
    method: "GET",
    path: definitionPath,
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => ({
      action: "Microsoft.Authorization/roleDefinitions/read",
      scope: requestedScope(context),
    }),
    async handle(context, deps) {
      const scope = scopeOf(context);
      const role = visibleAt(scope, deps).find(
        (candidate) => candidate.id === roleIdParam(context).toLowerCase(),
      );
      if (!role) throw authorizationErrors.roleDefinitionNotFound();
      return { status: 200, body: roleDefinitionBody(role, scope, apiVersion(context)) };
    },
  },
  {
    id: "RoleDefinitions_CreateOrUpdate",
    method: "PUT",
    path: definitionPath,
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => ({
      action: "Microsoft.Authorization/roleDefinitions/write",
      scope: requestedScope(context),
    }),
    async handle(context, deps) {
      const id = roleIdParam(context).toLowerCase();
      if (!/^[0-9a-f-]{36}$/.test(id))
        throw authorizationErrors.invalidRequest("the role definition id must be a GUID.");
      const current = deps.rbac.index.roleDefinition(id);
      if (current?.type === "BuiltInRole") throw authorizationErrors.builtInRoleReadOnly();
      const role = readRole(context, id, current, deps.clock.now());
      const sameName = deps.rbac.index
        .findRolesByName(role.roleName)
        .find((other) => other.id !== id);
      if (sameName) throw authorizationErrors.roleNameExists();
      await deps.rbac.store.putCustomRoleDefinition(role);
      deps.rbac.index.putRole(role);
      // 201 for an update too: the spec declares only 201, and the SDK rejects a 200.
      return { status: 201, body: roleDefinitionBody(role, scopeOf(context), apiVersion(context)) };
    },
  },
  {
    id: "RoleDefinitions_Delete",
    method: "DELETE",
    path: definitionPath,
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => ({
      action: "Microsoft.Authorization/roleDefinitions/delete",
      scope: requestedScope(context),
    }),
    async handle(context, deps) {
      const id = roleIdParam(context).toLowerCase();
      const role = deps.rbac.index.roleDefinition(id);
      if (!role) return { status: 204 };
      if (role.type === "BuiltInRole") throw authorizationErrors.builtInRoleReadOnly();
      if (deps.rbac.index.allAssignments().some((a) => a.roleDefinitionId === id)) {
        throw authorizationErrors.roleDefinitionHasAssignments();
      }
      await deps.rbac.store.deleteCustomRoleDefinition(id);
      deps.rbac.index.removeRole(id);
      return { status: 200, body: roleDefinitionBody(role, scopeOf(context), apiVersion(context)) };
    },
  },
];
