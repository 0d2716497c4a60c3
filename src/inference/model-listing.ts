import type { AccountView, DeploymentView } from "./model.js";

/** `GET /openai/v1/models`: the account's deployments, as OpenAI lists models. */
export function listModels(account: AccountView, createdAt: number) {
  return {
    object: "list",
    data: [...account.deployments.values()].map((deployment) => ({
      id: deployment.name,
      object: "model",
      created: Math.floor(createdAt / 1000),
      owned_by: deployment.modelFormat,
    })),
  };
}

/** `GET /models/info`: what Azure AI model inference reports about a deployment's model. */
export function modelInfo(deployment: DeploymentView) {
  return {
    model_name: deployment.modelName,
    model_type: /embed/i.test(deployment.modelName) ? "embeddings" : "chat_completion",
    model_provider_name: deployment.modelFormat,
  };
}
