import {
  isScopeAtOrBelow,
  normalizeScope,
  scopeAncestors,
  type RoleAssignment,
} from "../../../authz/index.js";
import { DuplicateAssignmentError, DuplicateKeyError } from "../../../kernel/index.js";
import type { ArmContext, ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { authorizationErrors } from "../../errors.js";
import { AUTHORIZATION_VERSIONS } from "./api-versions.js";
import { parseAuthorizationFilter } from "./odata-filter.js";
import { roleAssignmentBody, roleIdOf } from "./shapes.js";

type Operation = ArmOperation<ControlPlaneDeps>;
const TYPE = "Microsoft.Authorization/roleAssignments";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_ATTRIBUTE = "Microsoft.Authorization/roleAssignments:RoleDefinitionId";
const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] as const;

export function scopeOf(context: ArmContext): string {
  try {
    return normalizeScope(context.params.scope ?? "/");
  } catch {
    throw authorizationErrors.invalidScope(context.params.scope ?? "");
  }
}

/**
 * The scope as the caller spelled it (checked like `scopeOf`, slashes collapsed): what a
 * permission is checked at, because ARM names it in that casing in `AuthorizationFailed`.
 */
export function requestedScope(context: ArmContext): string {
  scopeOf(context);
  return "/" + (context.params.scope ?? "").split("/").filter(Boolean).join("/");
}

interface AssignmentInput {
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
}

function readInput(body: unknown): AssignmentInput {
  const properties = (body as { properties?: Record<string, unknown> } | undefined)?.properties;
  const text = (name: string) =>
    typeof properties?.[name] === "string" ? (properties[name] as string) : undefined;
  const roleDefinitionId = text("roleDefinitionId");
  const principalId = text("principalId");
  if (!roleDefinitionId || !principalId) {
    throw authorizationErrors.invalidRequest(
      "properties.roleDefinitionId and properties.principalId are required.",
    );
  }
  const principalType = text("principalType");
  if (
    principalType &&
    !PRINCIPAL_TYPES.includes(principalType as (typeof PRINCIPAL_TYPES)[number])
  ) {
    throw authorizationErrors.invalidRequest(`'${principalType}' is not a valid principalType.`);
  }
  return {
    roleDefinitionId,
    principalId: principalId.toLowerCase(),
    principalType,
    description: text("description"),
    condition: text("condition"),
    conditionVersion: text("conditionVersion"),
  };
}

async function createOrUpdate(context: ArmContext, deps: ControlPlaneDeps) {
  const scope = scopeOf(context);
  const name = context.params.roleAssignmentName!.toLowerCase();
  if (!GUID.test(name)) throw authorizationErrors.invalidAssignmentName(name);
  const input = readInput(context.body);
  const roleId = roleIdOf(input.roleDefinitionId);
  const role = roleId ? deps.rbac.index.roleDefinition(roleId) : undefined;
  if (!role) throw authorizationErrors.roleDefinitionDoesNotExist(roleId ?? input.roleDefinitionId);
  if (!role.assignableScopes.some((s) => isScopeAtOrBelow(scope, normalizeScope(s)))) {
    throw authorizationErrors.roleDefinitionNotAssignableHere(role.id, scope);
  }
  const principal = await deps.principals.get(input.principalId);
  if (!principal || principal.tenantId !== context.caller.tenantId) {
    throw authorizationErrors.principalNotFound(input.principalId, context.caller.tenantId);
  }
  if (input.principalType && input.principalType !== principal.kind) {
    throw authorizationErrors.unmatchedPrincipalType(
      principal.id,
      principal.kind,
      input.principalType,
    );
  }
  const now = deps.clock.now();
  const existing = deps.rbac.index.getAssignment(name);
  const record: RoleAssignment = {
    name,
    scope,
    displayScope: existing?.displayScope ?? requestedScope(context),
    roleDefinitionId: role.id,
    principalId: principal.id,
    principalType: principal.kind as RoleAssignment["principalType"],
    description: input.description,
    condition: input.condition,
    conditionVersion: input.condition ? (input.conditionVersion ?? "2.0") : undefined,
    createdOn: existing?.createdOn ?? now,
    updatedOn: now,
    createdBy: existing?.createdBy ?? context.caller.objectId,
    updatedBy: context.caller.objectId,
  };
  if (existing) {
    if (!(await deps.rbac.store.updateRoleAssignment(record)))
      throw authorizationErrors.roleAssignmentUpdateNotPermitted();
    return { status: 200, body: roleAssignmentBody(deps.rbac.index.putAssignment(record)) };
  }
  try {
    await deps.rbac.store.insertRoleAssignment(record);
  } catch (error) {
    if (error instanceof DuplicateAssignmentError || error instanceof DuplicateKeyError) {
      throw authorizationErrors.roleAssignmentExists();
    }
    throw error;
  }
  return { status: 201, body: roleAssignmentBody(deps.rbac.index.putAssignment(record)) };
}

/** Assignments at, above and below `scope`, filtered as `$filter` asks. */
async function listAt(context: ArmContext, deps: ControlPlaneDeps): Promise<RoleAssignment[]> {
  const scope = scopeOf(context);
  const filter = parseAuthorizationFilter(context.query.$filter);
  if (!filter || filter.kind === "roleName" || filter.kind === "type") {
    throw authorizationErrors.invalidFilter(context.query.$filter ?? "");
  }
  const { index } = deps.rbac;
  const above = scopeAncestors(scope).flatMap((s) => index.assignmentsForScope(s));
  if (filter.kind === "atScope") return above;
  const below = index
    .allAssignments()
    .filter((a) => a.scope !== scope && isScopeAtOrBelow(a.scope, scope));
  const related = [...above, ...below];
  if (filter.kind === "principalId") return related.filter((a) => a.principalId === filter.value);
  if (filter.kind === "assignedTo") {
    const ids = new Set([filter.value, ...(await deps.rbac.groupsOf(filter.value))]);
    return related.filter((a) => ids.has(a.principalId));
  }
  return related;
}

const assignmentPath =
  "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}";

export const roleAssignmentOperations: Operation[] = [
  {
    id: "RoleAssignments_Create",
    method: "PUT",
    path: assignmentPath,
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => {
      const roleId = roleIdOf(readInput(context.body).roleDefinitionId);
      return {
        action: "Microsoft.Authorization/roleAssignments/write",
        scope: requestedScope(context),
        attributes: { [ROLE_ATTRIBUTE]: roleId ? [roleId] : [] },
      };
    },
    handle: createOrUpdate,
  },
  {
    id: "RoleAssignments_Get",
    method: "GET",
    path: assignmentPath,
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => ({
      action: "Microsoft.Authorization/roleAssignments/read",
      scope: requestedScope(context),
    }),
    async handle(context, deps) {
      const assignment = deps.rbac.index.getAssignment(context.params.roleAssignmentName!);
      if (!assignment || assignment.scope !== scopeOf(context))
        throw authorizationErrors.roleAssignmentNotFound();
      return { status: 200, body: roleAssignmentBody(assignment) };
    },
  },
  {
    id: "RoleAssignments_Delete",
    method: "DELETE",
    path: assignmentPath,
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context, deps) => {
      const existing = deps.rbac.index.getAssignment(context.params.roleAssignmentName!);
      return {
        action: "Microsoft.Authorization/roleAssignments/delete",
        scope: requestedScope(context),
        attributes: { [ROLE_ATTRIBUTE]: existing ? [existing.roleDefinitionId] : [] },
      };
    },
    async handle(context, deps) {
      const existing = deps.rbac.index.getAssignment(context.params.roleAssignmentName!);
      if (!existing || existing.scope !== scopeOf(context)) return { status: 204 };
      const deleted = await deps.rbac.store.deleteRoleAssignment(existing.name);
      deps.rbac.index.removeAssignment(existing.name);
      return deleted ? { status: 200, body: roleAssignmentBody(deleted) } : { status: 204 };
    },
  },
  {
    id: "RoleAssignments_ListForScope",
    method: "GET",
    path: "/{scope}/providers/Microsoft.Authorization/roleAssignments",
    resourceType: TYPE,
    apiVersions: AUTHORIZATION_VERSIONS,
    permission: (context) => ({
      action: "Microsoft.Authorization/roleAssignments/read",
      scope: requestedScope(context),
    }),
    async handle(context, deps) {
      return {
        status: 200,
        body: { value: (await listAt(context, deps)).map(roleAssignmentBody) },
      };
    },
  },
];
