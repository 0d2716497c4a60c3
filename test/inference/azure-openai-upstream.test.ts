/**
 * A deployment that forwards to an Azure OpenAI-compatible endpoint with Keyless's own identity,
 * no keys: gateway A is configured with a service principal of gateway B's tenant and calls B's
 * deployment with B's tokens. B authorizes A like any caller (RBAC on B's account) and audits it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ClientSecretCredential, getBearerTokenProvider } from "@azure/identity";
import { AzureOpenAI } from "openai";
import { assignRoleToServicePrincipal, putDevDeployment } from "../support/arm-requests.js";
import { azureRoleIds } from "../support/azure-role-ids.js";
import { eventually } from "../support/eventually.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  createTestServicePrincipal,
  type TestServicePrincipal,
} from "../support/test-principals.js";

let gatewayA: TestKeyless;
let gatewayB: TestKeyless;
/** A's identity in B's tenant. */
let aInB: TestServicePrincipal;
let client: AzureOpenAI;

before(async () => {
  gatewayB = await startTestKeyless();
  aInB = await createTestServicePrincipal(gatewayB, "gateway-a");
  // Only on B's gpt-4o: A has no way to B's other deployments.
  await assignRoleToServicePrincipal(
    gatewayB,
    `${gatewayB.env.account.resourceId}/deployments/gpt-4o`,
    azureRoleIds.cognitiveServicesOpenAiUser,
    aInB.objectId,
  );

  gatewayA = await startTestKeyless({
    KEYLESS_UPSTREAM_TENANT_ID: gatewayB.env.tenantId,
    KEYLESS_UPSTREAM_CLIENT_ID: aInB.appId,
    KEYLESS_UPSTREAM_CLIENT_SECRET: aInB.secret,
    KEYLESS_UPSTREAM_AUTHORITY_HOST: gatewayB.httpsUrl,
  });
  await chainToB("chained", { format: "OpenAI", name: "gpt-4o", version: "2024-08-06" }, "gpt-4o");

  // The caller signs in to A as A's dev service principal: tokens all the way, no key anywhere.
  const { appId, secret } = gatewayA.env.servicePrincipal;
  const credential = new ClientSecretCredential(gatewayA.env.tenantId, appId, secret, {
    authorityHost: gatewayA.httpsUrl,
    disableInstanceDiscovery: true,
  });
  client = new AzureOpenAI({
    endpoint: gatewayA.env.account.endpoint,
    azureADTokenProvider: getBearerTokenProvider(
      credential,
      "https://cognitiveservices.azure.com/.default",
    ),
    apiVersion: "2024-10-21",
    maxRetries: 0,
  });
});

after(async () => {
  await gatewayA?.stop();
  await gatewayB?.stop();
});

/** A deployment on A whose upstream is B's deployment `onB`, called with A's own identity. */
function chainToB(name: string, model: Record<string, string>, onB: string) {
  return putDevDeployment(gatewayA, name, {
    model,
    upstream: { kind: "azure-openai", endpoint: gatewayB.env.account.endpoint, deployment: onB },
  });
}
test("A calls B's deployment with its own identity, and B audits A as the caller", async () => {
  const started = Date.now();
  const reply = await eventually(() =>
    client.chat.completions.create({
      model: "chained",
      messages: [{ role: "user", content: "hello through two gateways" }],
    }),
  );
  assert.match(reply.model, /^gpt-4o/);
  assert.ok(reply.choices[0]?.message.content);

  const records = await eventually(async () => {
    const found = await gatewayB.server.storage.audit.queryAudit({
      principalId: aInB.objectId,
      from: started,
      top: 10,
    });
    assert.ok(
      found.some((record) => record.status === 200),
      "B has not audited A's call yet",
    );
    return found;
  });
  const call = records.find((record) => record.status === 200)!;
  assert.equal(call.authMethod, "token");
  assert.equal(call.decision, "allowed");
  assert.equal(call.operation, "chat/completions");
  assert.match(call.deploymentId ?? "", /\/deployments\/gpt-4o$/);
});

test("streaming passes through both gateways", async () => {
  const stream = await client.chat.completions.create({
    model: "chained",
    stream: true,
    messages: [{ role: "user", content: "stream through two gateways" }],
  });
  let text = "";
  let sawUsage = false;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) sawUsage = true;
  }
  assert.ok(text.length > 0);
  assert.ok(sawUsage, "B's final usage chunk came through A");
});

test("without a role on B, A's call is refused and the caller learns it is the gateway's problem", async () => {
  await chainToB("unreachable", { format: "Microsoft", name: "Phi-4", version: "7" }, "phi-4");
  const error = await eventually(async () => {
    const caught = await client.chat.completions
      .create({ model: "unreachable", messages: [{ role: "user", content: "hi" }] })
      .then(
        () => undefined,
        (failure: { status?: number; message: string }) => failure,
      );
    assert.ok(caught && caught.status !== 404, "the deployment is not known yet");
    return caught;
  });
  assert.equal(error.status, 502);
  assert.match(error.message, /refused Keyless's own identity/);
});
