import type { RoleAssignment, RoleDefinition } from "../../../authz/index.js";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** `/subscriptions/{s}` of a scope, or "" above subscriptions: where ARM roots role definition ids. */
export function subscriptionPrefix(scope: string): string {
  const match = /^\/subscriptions\/[^/]+/i.exec(scope);
  return match ? match[0] : "";
}

export const roleDefinitionArmId = (scope: string, roleId: string) =>
  `${subscriptionPrefix(scope)}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;

/** The GUID at the end of `…/roleDefinitions/{guid}`, or the value itself if it is a GUID. */
export function roleIdOf(roleDefinitionId: string): string | undefined {
  const guid = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(
    roleDefinitionId,
  );
  return guid?.[1]?.toLowerCase();
}

/**
 * api-versions whose `Permission` has `condition` and `conditionVersion` (read-only). The
 * 2022-04-01 schema has neither and admits no other property, so they are left out there.
 */
const VERSIONS_WITH_PERMISSION_CONDITIONS = new Set(["2022-05-01-preview"]);

export function roleDefinitionBody(role: RoleDefinition, scope: string, apiVersion: string) {
  const conditions = VERSIONS_WITH_PERMISSION_CONDITIONS.has(apiVersion);
  return {
    id: roleDefinitionArmId(scope, role.id),
    name: role.id,
    type: "Microsoft.Authorization/roleDefinitions",
    properties: {
      roleName: role.roleName,
      type: role.type,
      description: role.description,
      assignableScopes: role.assignableScopes,
      permissions: role.permissions.map((p) => ({
        actions: p.actions,
        notActions: p.notActions,
        dataActions: p.dataActions,
        notDataActions: p.notDataActions,
        ...(conditions && p.condition
          ? { condition: p.condition, conditionVersion: p.conditionVersion }
          : {}),
      })),
      createdOn: iso(role.createdOn) ?? null,
      updatedOn: iso(role.updatedOn) ?? null,
      createdBy: role.createdBy ?? null,
      updatedBy: role.updatedBy ?? null,
    },
  };
}

export function roleAssignmentBody(assignment: RoleAssignment) {
  // ARM answers with the scope as the assignment's creator spelled it.
  const scope = assignment.displayScope ?? assignment.scope;
  return {
    id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`,
    name: assignment.name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      scope,
      roleDefinitionId: roleDefinitionArmId(scope, assignment.roleDefinitionId),
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      description: assignment.description ?? null,
      condition: assignment.condition ?? null,
      conditionVersion: assignment.conditionVersion ?? null,
      createdOn: iso(assignment.createdOn),
      updatedOn: iso(assignment.updatedOn),
      createdBy: assignment.createdBy ?? null,
      updatedBy: assignment.updatedBy ?? null,
      delegatedManagedIdentityResourceId: null,
    },
  };
}
