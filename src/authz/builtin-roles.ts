/**
 * Azure's built-in roles with their real GUIDs. `builtin-roles.json` is a byte-identical copy of
 * `contract/builtin-roles.json` (ARM roleDefinition shape) so the product reads nothing outside
 * its own tree at run time; a test keeps the two equal.
 */
import type { Permission, RoleDefinition } from "./model.js";
import armRoles from "./builtin-roles.json" with { type: "json" };

interface ArmRoleDefinition {
  name: string;
  properties: {
    roleName: string;
    description: string;
    type: string;
    assignableScopes: string[];
    permissions: Permission[];
  };
}

function fromArm(arm: ArmRoleDefinition): RoleDefinition {
  const { properties } = arm;
  return {
    id: arm.name.toLowerCase(),
    roleName: properties.roleName,
    description: properties.description,
    type: "BuiltInRole",
    assignableScopes: [...properties.assignableScopes],
    permissions: properties.permissions.map((block) => ({
      actions: [...block.actions],
      notActions: [...block.notActions],
      dataActions: [...block.dataActions],
      notDataActions: [...block.notDataActions],
      ...(block.condition ? { condition: block.condition } : {}),
      ...(block.conditionVersion ? { conditionVersion: block.conditionVersion } : {}),
    })),
  };
}

/** Fresh copies on every call, so no caller can change another's built-ins. */
export function builtInRoles(): RoleDefinition[] {
  return (armRoles as ArmRoleDefinition[]).map(fromArm);
}

/** GUIDs of the built-in roles the product refers to by name. */
export const builtInRoleIds = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  cognitiveServicesUser: "a97b65f3-24c7-4388-baec-2e87135dc908",
  cognitiveServicesContributor: "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
  cognitiveServicesOpenAiUser: "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
  cognitiveServicesOpenAiContributor: "a001fd3d-188f-4b5d-821b-7da978bf7442",
  azureAiUser: "53ca6127-db72-4b80-b1b0-d745d6d5456d",
} as const;
