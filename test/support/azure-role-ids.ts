/**
 * Azure's real GUIDs of the built-in roles the tests use (contract/azure-facts.md §1), written
 * out here rather than imported from src so that a wrong id in Keyless shows up as a failure.
 */
export const azureRoleIds = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  cognitiveServicesUser: "a97b65f3-24c7-4388-baec-2e87135dc908",
  cognitiveServicesOpenAiUser: "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
} as const;

/** How ARM names a role definition below a subscription. */
export const roleDefinitionArmId = (subscriptionId: string, roleId: string): string =>
  `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
