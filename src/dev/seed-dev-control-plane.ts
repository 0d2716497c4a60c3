import {
  assignmentName,
  builtInRoleIds,
  type AuthzStore,
  type RoleAssignment,
} from "../authz/index.js";
import {
  ACCOUNT_TYPE,
  DEPLOYMENT_TYPE,
  RESOURCE_GROUP_TYPE,
  SUBSCRIPTION_TYPE,
  generateAccountKey,
  keyContext,
  nextRecord,
  type AccountKeyStore,
  type ArmResourceRecord,
  type ArmResourceStore,
} from "../control-plane/index.js";
import type { Directory } from "../identity/index.js";
import type { SecretBox } from "../kernel/index.js";
import { wellKnown } from "./well-known.js";

export const devSubscriptionId = `/subscriptions/${wellKnown.subscriptionId}`;
export const devResourceGroupId = `${devSubscriptionId}/resourceGroups/${wellKnown.resourceGroup}`;
export const devAccountId = `${devResourceGroupId}/providers/Microsoft.CognitiveServices/accounts/${wellKnown.account.name}`;

export interface ControlPlaneSeedDeps {
  resources: ArmResourceStore;
  authz: AuthzStore;
  accountKeys: AccountKeyStore;
  box: SecretBox;
  directory: Directory;
  now: number;
}

/**
 * The dev subscription, resource group, AI Services account with simulated deployments, and the
 * role assignments that make the printed snippets work: the dev user owns the subscription
 * (control plane only: Owner calls no model) and is Cognitive Services User on the account, as
 * are the dev service principal and the dev managed identity. Idempotent item by item, so a start
 * interrupted half-way completes on the next one.
 */
export async function seedDevControlPlane(deps: ControlPlaneSeedDeps): Promise<boolean> {
  let created = false;
  const record = (
    id: string,
    type: string,
    name: string,
    parentId: string,
    body: Record<string, unknown>,
  ): ArmResourceRecord =>
    nextRecord({ id, type, name, parentId, body }, undefined, undefined, deps.now);
  const ensure = async (resource: () => Promise<ArmResourceRecord>, id: string) => {
    if (await deps.resources.getResource(id)) return;
    await deps.resources.putResource(await resource());
    created = true;
  };

  await ensure(
    async () =>
      record(devSubscriptionId, SUBSCRIPTION_TYPE, wellKnown.subscriptionId, "/", {
        tenantId: wellKnown.tenant.id,
        displayName: "Keyless Dev",
      }),
    devSubscriptionId,
  );
  await ensure(
    async () =>
      record(devResourceGroupId, RESOURCE_GROUP_TYPE, wellKnown.resourceGroup, devSubscriptionId, {
        location: wellKnown.account.location,
      }),
    devResourceGroupId,
  );
  await ensure(async () => {
    const identity = await deps.directory.createSystemAssignedIdentity({
      tenantId: wellKnown.tenant.id,
      resourceId: devAccountId,
      name: wellKnown.account.name,
    });
    return record(devAccountId, ACCOUNT_TYPE, wellKnown.account.name, devResourceGroupId, {
      location: wellKnown.account.location,
      kind: wellKnown.account.kind,
      sku: { name: "S0" },
      identity: { type: "SystemAssigned", principalId: identity.id, tenantId: wellKnown.tenant.id },
      properties: {
        customSubDomainName: wellKnown.account.name,
        disableLocalAuth: false,
        publicNetworkAccess: "Enabled",
      },
    });
  }, devAccountId);
  if (!(await deps.accountKeys.getAccountKeys(devAccountId))) {
    await deps.accountKeys.putAccountKeys(devAccountId, {
      key1: deps.box.seal(generateAccountKey(), keyContext(devAccountId, "key1")),
      key2: deps.box.seal(generateAccountKey(), keyContext(devAccountId, "key2")),
    });
  }
  for (const deployment of wellKnown.account.deployments) {
    const id = `${devAccountId}/deployments/${deployment.name}`;
    await ensure(
      async () =>
        record(id, DEPLOYMENT_TYPE, deployment.name, devAccountId, {
          sku: { name: "Standard", capacity: deployment.capacity },
          properties: {
            model: {
              format: deployment.format,
              name: deployment.model,
              version: deployment.version,
            },
            versionUpgradeOption: "OnceNewDefaultVersionAvailable",
            upstream: { kind: "simulated" },
          },
        }),
      id,
    );
  }

  const assignments: [string, RoleAssignment["principalType"], string, string, string][] = [
    [
      wellKnown.user.id,
      "User",
      builtInRoleIds.owner,
      devSubscriptionId,
      "the dev user owns the dev subscription",
    ],
    [
      wellKnown.user.id,
      "User",
      builtInRoleIds.cognitiveServicesUser,
      devAccountId,
      "the dev user calls the dev account's models",
    ],
    [
      wellKnown.servicePrincipal.objectId,
      "ServicePrincipal",
      builtInRoleIds.cognitiveServicesUser,
      devAccountId,
      "the dev app calls the dev account's models",
    ],
    [
      wellKnown.managedIdentity.principalId,
      "ServicePrincipal",
      builtInRoleIds.cognitiveServicesUser,
      devAccountId,
      "the dev managed identity calls the dev account's models",
    ],
  ];
  for (const [principalId, principalType, roleDefinitionId, scope, description] of assignments) {
    const name = assignmentName(principalId, roleDefinitionId, scope);
    if (await deps.authz.getRoleAssignment(name)) continue;
    await deps.authz.insertRoleAssignment({
      name,
      scope: scope.toLowerCase(),
      roleDefinitionId,
      principalId,
      principalType,
      description: `dev environment: ${description}`,
      createdOn: deps.now,
      updatedOn: deps.now,
    });
    created = true;
  }
  return created;
}
