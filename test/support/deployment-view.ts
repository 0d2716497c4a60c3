/** Deployment views for the upstream adapters' unit tests, as the account catalog builds them. */
import type { DeploymentView } from "../../src/inference/index.js";

const ACCOUNT_ID =
  "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a";

/** A simulated OpenAI-format deployment named after its model, with `changes` applied. */
export function testDeployment(changes: Partial<DeploymentView> = {}): DeploymentView {
  const name = changes.name ?? changes.modelName ?? "gpt-4o";
  return {
    id: `${ACCOUNT_ID}/deployments/${name}`,
    name,
    accountId: ACCOUNT_ID,
    modelFormat: "OpenAI",
    modelName: "gpt-4o",
    modelVersion: "2024-08-06",
    skuName: "Standard",
    capacity: 1,
    upstream: { kind: "simulated" },
    ...changes,
  };
}
