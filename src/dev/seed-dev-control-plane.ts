import { randomUUID } from "node:crypto";
import {
  assignmentName,
  builtInRoleIds,
  type AuthzStore,
  type RoleAssignment,
} from "../authz/index.js";
import {
  RESOURCE_GROUP_TYPE,
  SUBSCRIPTION_TYPE,
  type ArmResourceRecord,
  type ArmResourceStore,
} from "../control-plane/index.js";
import { wellKnown } from "./well-known.js";

const subscriptionId = `/subscriptions/${wellKnown.subscriptionId}`;
const resourceGroupId = `${subscriptionId}/resourceGroups/${wellKnown.resourceGroup}`;

/**
 * The dev subscription, its resource group, and the dev user as Owner of the subscription.
 * Owner is a control-plane role: it manages everything and calls no model (no dataActions).
 * Idempotent item by item, so a start interrupted half-way completes on the next one.
 */
export async function seedDevControlPlane(
  resources: ArmResourceStore,
  authz: AuthzStore,
  now: number,
): Promise<boolean> {
  let created = false;
  const record = (
    id: string,
    type: string,
    name: string,
    parentId: string,
    body: Record<string, unknown>,
  ): ArmResourceRecord => ({
    id,
    type,
    name,
    parentId,
    body,
    etag: randomUUID(),
    createdAt: now,
    updatedAt: now,
  });
  const wanted = [
    record(subscriptionId, SUBSCRIPTION_TYPE, wellKnown.subscriptionId, "/", {
      tenantId: wellKnown.tenant.id,
      displayName: "Keyless Dev",
    }),
    record(resourceGroupId, RESOURCE_GROUP_TYPE, wellKnown.resourceGroup, subscriptionId, {
      location: "eastus",
    }),
  ];
  for (const resource of wanted) {
    if (!(await resources.getResource(resource.id)))
      created = (await resources.putResource(resource)) || created;
  }
  const owner: RoleAssignment = {
    name: assignmentName(wellKnown.user.id, builtInRoleIds.owner, subscriptionId),
    scope: subscriptionId.toLowerCase(),
    roleDefinitionId: builtInRoleIds.owner,
    principalId: wellKnown.user.id,
    principalType: "User",
    description: "dev environment: the dev user owns the dev subscription",
    createdOn: now,
    updatedOn: now,
  };
  if (!(await authz.getRoleAssignment(owner.name))) {
    await authz.insertRoleAssignment(owner);
    created = true;
  }
  return created;
}
