/**
 * openai 6.49, unchanged, against the dev account over real HTTPS, the four ways its users
 * configure it (contract/clients.md §3): `AzureOpenAI` with Entra tokens from
 * `DefaultAzureCredential` (here the App Service managed identity), `AzureOpenAI` with a key,
 * and plain `OpenAI` on the account's `/openai/v1/` with a key or a token as `apiKey`. Each
 * chats, streams and embeds (base64 by default, which the SDK decodes itself, and float), and
 * refusals surface as the SDK's own error classes with Azure's codes and words.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ClientSecretCredential,
  DefaultAzureCredential,
  getBearerTokenProvider,
} from "@azure/identity";
import OpenAI, {
  APIError,
  AuthenticationError,
  AzureOpenAI,
  BadRequestError,
  PermissionDeniedError,
} from "openai";
import { cognitiveServicesClient } from "../support/arm-cognitiveservices-sdk.js";
import {
  dataActions,
  dataPlaneMessages,
  operationNotSupportedMessage,
  permissionDeniedMessage,
} from "../support/data-plane-errors.js";
import { eventually } from "../support/eventually.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { useAppServiceManagedIdentity } from "../support/managed-identity-env.js";
import { createTestServicePrincipal, devUserCredential } from "../support/test-principals.js";

const COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default";
const API_VERSION = "2024-10-21";
const CHAT = "gpt-4o";
const EMBEDDINGS = "text-embedding-3-small";
/** text-embedding-3-small's native dimension. */
const EMBEDDING_DIMENSIONS = 1536;
const MESSAGES = [
  { role: "system" as const, content: "You are a concise assistant." },
  { role: "user" as const, content: "How should a team choose a database?" },
];
const EMBEDDING_INPUT = "The quick brown fox jumped over the lazy dog";

/** What the SDK put on the wire for one request. */
interface SentRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/** A `fetch` for the SDK's `fetch` option that records each request and sends it unchanged. */
function recordingFetch(sent: SentRequest[]) {
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    sent.push({
      method: init?.method ?? "GET",
      url,
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    });
    return fetch(input, init);
  };
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));

let keyless: TestKeyless;
let key1: string;
/** The dev service principal's token for the data plane (Cognitive Services User on the account). */
let appToken: string;

before(async () => {
  keyless = await startTestKeyless();
  const { env } = keyless;
  // INVARIANT: before DefaultAzureCredential (and its managed-identity credential) exists.
  useAppServiceManagedIdentity(env.endpoints.appService, env.identityHeader);
  const arm = cognitiveServicesClient(keyless, devUserCredential(keyless)).client;
  key1 = (await arm.accounts.listKeys(env.resourceGroup, env.account.name)).key1!;
  const app = new ClientSecretCredential(
    env.tenantId,
    env.servicePrincipal.appId,
    env.servicePrincipal.secret,
    { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true },
  );
  appToken = (await app.getToken(COGNITIVE_SCOPE)).token;
});
after(async () => {
  await keyless?.stop();
});

/** One way users configure the SDK: the client, where its requests go and how they authenticate. */
interface ClientSetup {
  name: string;
  create(fetch: ReturnType<typeof recordingFetch>): OpenAI;
  /** The path (below the account's endpoint) and query a call to `operation` on `deployment` uses. */
  expectedUrl(deployment: string, operation: string): { path: string; apiVersion: string | null };
  assertAuthentication(headers: Headers): void;
}

const azurePath = (deployment: string, operation: string) => ({
  path: `/accounts/keyless-dev-ai/openai/deployments/${deployment}/${operation}`,
  apiVersion: API_VERSION,
});
const v1Path = (_deployment: string, operation: string) => ({
  path: `/accounts/keyless-dev-ai/openai/v1/${operation}`,
  apiVersion: null,
});

const setups: ClientSetup[] = [
  {
    name: "AzureOpenAI with azureADTokenProvider (DefaultAzureCredential, App Service managed identity)",
    create: (fetch) =>
      new AzureOpenAI({
        endpoint: keyless.env.account.endpoint,
        apiVersion: API_VERSION,
        azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), COGNITIVE_SCOPE),
        fetch,
      }),
    expectedUrl: azurePath,
    assertAuthentication(headers) {
      assert.equal(headers.get("api-key"), null);
      const bearer = /^Bearer (eyJ\S+)$/.exec(headers.get("authorization") ?? "")?.[1];
      assert.ok(bearer, "a JWT bearer token");
      const claims = claimsOf(bearer);
      assert.equal(claims.aud, "https://cognitiveservices.azure.com");
      assert.equal(claims.oid, keyless.env.managedIdentity.principalId);
    },
  },
  {
    name: "AzureOpenAI with apiKey (key1 from listKeys)",
    create: (fetch) =>
      new AzureOpenAI({
        endpoint: keyless.env.account.endpoint,
        apiVersion: API_VERSION,
        apiKey: key1,
        fetch,
      }),
    expectedUrl: azurePath,
    assertAuthentication(headers) {
      assert.equal(headers.get("api-key"), key1);
      assert.equal(headers.get("authorization"), null);
    },
  },
  {
    name: "OpenAI on /openai/v1/ with the key as apiKey",
    create: (fetch) =>
      new OpenAI({ baseURL: `${keyless.env.account.endpoint}openai/v1/`, apiKey: key1, fetch }),
    expectedUrl: v1Path,
    assertAuthentication(headers) {
      assert.equal(headers.get("authorization"), `Bearer ${key1}`);
      assert.equal(headers.get("api-key"), null);
    },
  },
  {
    name: "OpenAI on /openai/v1/ with an access token as apiKey",
    create: (fetch) =>
      new OpenAI({
        baseURL: `${keyless.env.account.endpoint}openai/v1/`,
        apiKey: appToken,
        fetch,
      }),
    expectedUrl: v1Path,
    assertAuthentication(headers) {
      assert.equal(headers.get("authorization"), `Bearer ${appToken}`);
      assert.equal(headers.get("api-key"), null);
    },
  },
];

for (const setup of setups) {
  describe(setup.name, () => {
    const sent: SentRequest[] = [];
    let client: OpenAI;
    before(() => {
      client = setup.create(recordingFetch(sent));
    });

    /** The one request the last call sent: method, URL and credentials. */
    function assertSent(deployment: string, operation: string): SentRequest {
      const request = sent.at(-1)!;
      assert.equal(request.method, "POST");
      const expected = setup.expectedUrl(deployment, operation);
      assert.equal(request.url.origin, keyless.httpsUrl);
      assert.equal(request.url.pathname, expected.path);
      assert.equal(request.url.searchParams.get("api-version"), expected.apiVersion);
      setup.assertAuthentication(request.headers);
      return request;
    }

    test("chat.completions.create answers with content, usage and Azure-shaped ids", async () => {
      const completion = await client.chat.completions.create({ model: CHAT, messages: MESSAGES });
      assertSent(CHAT, "chat/completions");
      assert.match(completion.id, /^chatcmpl-\w+$/);
      assert.equal(completion.object, "chat.completion");
      assert.ok(completion.model.startsWith("gpt-4o"), completion.model);
      assert.ok(Number.isInteger(completion.created) && completion.created > 1.7e9);
      assert.equal(completion.choices.length, 1);
      const [choice] = completion.choices;
      assert.equal(choice!.index, 0);
      assert.equal(choice!.message.role, "assistant");
      assert.ok((choice!.message.content ?? "").trim().length > 0, "non-empty content");
      assert.equal(choice!.finish_reason, "stop");
      const usage = completion.usage!;
      assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
      assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
      assert.ok(completion._request_id, "the SDK read x-request-id");
    });

    test("a streamed chat delivers deltas, then a usage chunk, then ends", async () => {
      const whole = await client.chat.completions.create({ model: CHAT, messages: MESSAGES });
      const stream = await client.chat.completions.create({
        model: CHAT,
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      });
      assertSent(CHAT, "chat/completions");
      let content = "";
      let finishReason: string | null = null;
      let usageChunks = 0;
      let usage: OpenAI.CompletionUsage | undefined;
      const ids = new Set<string>();
      // The loop ends only when the SDK has seen the stream end (`data: [DONE]`).
      for await (const chunk of stream) {
        assert.equal(chunk.object, "chat.completion.chunk");
        ids.add(chunk.id);
        for (const choice of chunk.choices) {
          content += choice.delta.content ?? "";
          finishReason = choice.finish_reason ?? finishReason;
        }
        if (chunk.usage) {
          usageChunks += 1;
          usage = chunk.usage;
          assert.deepEqual(chunk.choices, [], "the usage chunk carries no choices");
        }
      }
      assert.ok(content.trim().length > 0, "the deltas make up some text");
      assert.equal(finishReason, "stop");
      assert.equal(usageChunks, 1, "one usage chunk");
      assert.ok(usage!.prompt_tokens > 0 && usage!.completion_tokens > 0, JSON.stringify(usage));
      assert.equal(usage!.total_tokens, usage!.prompt_tokens + usage!.completion_tokens);
      assert.equal(ids.size, 1, "every chunk carries the completion's id");
      // The simulated model answers the same request the same way, streamed or not.
      assert.equal(content, whole.choices[0]!.message.content);
      assert.deepEqual(
        { prompt: usage!.prompt_tokens, completion: usage!.completion_tokens },
        { prompt: whole.usage!.prompt_tokens, completion: whole.usage!.completion_tokens },
      );
    });

    test("embeddings.create asks for base64 and the SDK decodes a unit vector of the model's dimension", async () => {
      const result = await client.embeddings.create({ model: EMBEDDINGS, input: EMBEDDING_INPUT });
      const request = assertSent(EMBEDDINGS, "embeddings");
      assert.equal(request.body?.encoding_format, "base64");
      assert.equal(result.object, "list");
      assert.equal(result.data.length, 1);
      const [item] = result.data;
      assert.equal(item!.index, 0);
      assert.ok(Array.isArray(item!.embedding), "decoded to a number array");
      assert.equal(item!.embedding.length, EMBEDDING_DIMENSIONS);
      assert.ok(item!.embedding.every(Number.isFinite), "no NaN from a misread encoding");
      assert.ok(Math.abs(norm(item!.embedding) - 1) < 1e-4, `norm ${norm(item!.embedding)}`);
      assert.ok(result.usage.prompt_tokens > 0);
      assert.equal(result.usage.total_tokens, result.usage.prompt_tokens);
    });

    test('embeddings.create with encoding_format "float" gives the same vector', async () => {
      const decoded = await client.embeddings.create({ model: EMBEDDINGS, input: EMBEDDING_INPUT });
      const floats = await client.embeddings.create({
        model: EMBEDDINGS,
        input: EMBEDDING_INPUT,
        encoding_format: "float",
      });
      assert.equal(assertSent(EMBEDDINGS, "embeddings").body?.encoding_format, "float");
      assert.equal(floats.data[0]!.embedding.length, EMBEDDING_DIMENSIONS);
      // Both are the same float32 values: base64 carries them bit for bit, JSON exactly.
      assert.deepEqual(floats.data[0]!.embedding, decoded.data[0]!.embedding);
    });
  });
}

describe("OpenAI on /openai/v1/ lists the account's deployments as models", () => {
  test("models.list() names every deployment", async () => {
    const client = new OpenAI({
      baseURL: `${keyless.env.account.endpoint}openai/v1/`,
      apiKey: key1,
    });
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    assert.deepEqual(
      models.map((model) => model.id).sort(),
      keyless.env.account.deployments.map((deployment) => deployment.name).sort(),
    );
    for (const model of models) assert.equal(model.object, "model");
  });
});

describe("refusals surface as the SDK's error classes with Azure's codes and words", () => {
  /** Asserts the SDK threw `type` with this status, the body's code and message, and a request id. */
  async function assertSdkRejects(
    call: Promise<unknown>,
    type: new (...args: never[]) => APIError,
    expected: { status: number; code: string; message: string },
  ): Promise<void> {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof type, `${String(error)} is a ${type.name}`);
      assert.equal(error.status, expected.status);
      assert.equal(error.code, expected.code);
      assert.deepEqual(error.error, { code: expected.code, message: expected.message });
      assert.equal(error.message, `${expected.status} ${expected.message}`);
      assert.ok(error.requestID, "x-request-id is read");
      return true;
    });
  }

  const chat = (client: OpenAI) =>
    client.chat.completions.create({ model: CHAT, messages: MESSAGES });

  test("a wrong key: AuthenticationError 401, code 401, Azure's invalid-key message", async () => {
    const wrong = "0".repeat(84);
    const invalidKey = { status: 401, code: "401", message: dataPlaneMessages.invalidKey };
    const azure = new AzureOpenAI({
      endpoint: keyless.env.account.endpoint,
      apiVersion: API_VERSION,
      apiKey: wrong,
      maxRetries: 0,
    });
    await assertSdkRejects(chat(azure), AuthenticationError, invalidKey);
    const v1 = new OpenAI({
      baseURL: `${keyless.env.account.endpoint}openai/v1/`,
      apiKey: wrong,
      maxRetries: 0,
    });
    await assertSdkRejects(chat(v1), AuthenticationError, invalidKey);
  });

  test("a principal without a data role: AuthenticationError 401 PermissionDenied naming it and the dataAction", async () => {
    const stranger = await createTestServicePrincipal(keyless, "openai-sdk-no-role");
    const azure = new AzureOpenAI({
      endpoint: keyless.env.account.endpoint,
      apiVersion: API_VERSION,
      azureADTokenProvider: getBearerTokenProvider(stranger.credential, COGNITIVE_SCOPE),
      maxRetries: 0,
    });
    await assertSdkRejects(chat(azure), AuthenticationError, {
      status: 401,
      code: "PermissionDenied",
      message: permissionDeniedMessage(
        stranger.objectId,
        dataActions.openAiChat,
        "POST /openai/deployments/{deployment-id}/chat/completions",
      ),
    });
    const v1 = new OpenAI({
      baseURL: `${keyless.env.account.endpoint}openai/v1/`,
      apiKey: (await stranger.credential.getToken(COGNITIVE_SCOPE)).token,
      maxRetries: 0,
    });
    await assertSdkRejects(chat(v1), AuthenticationError, {
      status: 401,
      code: "PermissionDenied",
      message: permissionDeniedMessage(
        stranger.objectId,
        dataActions.openAiChat,
        "POST /openai/v1/chat/completions",
      ),
    });
  });

  test("a key while disableLocalAuth is set: PermissionDeniedError 403 AuthenticationTypeDisabled; tokens still work", async () => {
    const { env } = keyless;
    const arm = cognitiveServicesClient(keyless, devUserCredential(keyless)).client;
    const withKey = new AzureOpenAI({
      endpoint: env.account.endpoint,
      apiVersion: API_VERSION,
      apiKey: key1,
      maxRetries: 0,
    });
    const withToken = new OpenAI({
      baseURL: `${env.account.endpoint}openai/v1/`,
      apiKey: appToken,
      maxRetries: 0,
    });
    await arm.accounts.beginUpdateAndWait(env.resourceGroup, env.account.name, {
      properties: { disableLocalAuth: true },
    });
    try {
      await eventually(() =>
        assertSdkRejects(chat(withKey), PermissionDeniedError, {
          status: 403,
          code: "AuthenticationTypeDisabled",
          message: dataPlaneMessages.localAuthDisabled,
        }),
      );
      const completion = await chat(withToken);
      assert.ok(completion.choices[0]!.message.content);
    } finally {
      await arm.accounts.beginUpdateAndWait(env.resourceGroup, env.account.name, {
        properties: { disableLocalAuth: false },
      });
    }
    const completion = await eventually(() => chat(withKey));
    assert.ok(completion.choices[0]!.message.content, "the key works again");
  });

  test("an operation the deployment's model cannot do: BadRequestError 400 OperationNotSupported", async () => {
    const client = new AzureOpenAI({
      endpoint: keyless.env.account.endpoint,
      apiVersion: API_VERSION,
      apiKey: key1,
      maxRetries: 0,
    });
    await assertSdkRejects(
      client.chat.completions.create({ model: EMBEDDINGS, messages: MESSAGES }),
      BadRequestError,
      {
        status: 400,
        code: "OperationNotSupported",
        message: operationNotSupportedMessage("chatCompletion", EMBEDDINGS),
      },
    );
    await assertSdkRejects(
      client.embeddings.create({ model: CHAT, input: EMBEDDING_INPUT }),
      BadRequestError,
      {
        status: 400,
        code: "OperationNotSupported",
        message: operationNotSupportedMessage("embeddings", CHAT),
      },
    );
  });
});
