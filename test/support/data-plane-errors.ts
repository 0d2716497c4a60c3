/**
 * The data plane's refusals as Azure words them (contract/README.md decision 2), written out here
 * rather than imported from src so that a changed word in Keyless shows up as a failure, and the
 * check of the wire shape every refusal shares.
 */
import assert from "node:assert/strict";

export const dataPlaneMessages = {
  missingCredentials:
    "Access denied due to missing subscription key or access token. Make sure to include a key or a bearer token when making requests to an API.",
  invalidKey:
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
  invalidToken:
    "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.",
  localAuthDisabled: "Key based authentication is disabled for this resource.",
} as const;

/** The dataActions the tests meet (contract/azure-facts.md §2). */
export const dataActions = {
  openAiChat: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
  maasChat: "Microsoft.CognitiveServices/accounts/MaaS/chat/completions/action",
} as const;

/** Azure's PermissionDenied text: the principal's object id, the dataAction, the route template. */
export const permissionDeniedMessage = (
  principalId: string,
  dataAction: string,
  operation: string,
): string =>
  `The principal \`${principalId}\` lacks the required data action \`${dataAction}\` to perform \`${operation}\` operation.`;

/**
 * Azure's 400 OperationNotSupported text for an operation the deployment's model cannot do, as
 * Azure OpenAI answers it (e.g. microsoft/graphrag#1557 for `chatCompletion` on
 * text-embedding-3-large, run-llama/llama_index#6436 for `embeddings` on gpt-35-turbo).
 */
export const operationNotSupportedMessage = (
  operation: "chatCompletion" | "completion" | "embeddings",
  model: string,
): string =>
  `The ${operation} operation does not work with the specified model, ${model}. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.`;

export interface ExpectedDataPlaneError {
  status: number;
  code: string;
  message: string;
}

/**
 * Asserts a refusal: the status, a JSON body that is exactly `{"error":{"code","message"}}`
 * (the shape the `openai` SDK reads), the code and the message. Returns the response.
 */
export async function assertDataPlaneError(
  response: Response,
  expected: ExpectedDataPlaneError,
): Promise<Response> {
  const text = await response.text();
  const context = `${response.status} ${text}`;
  assert.equal(response.status, expected.status, context);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, context);
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ["error"], context);
  assert.deepEqual(body.error, { code: expected.code, message: expected.message });
  return response;
}
