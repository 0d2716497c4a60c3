/**
 * @azure-rest/ai-inference 1.0.0-beta.6, unchanged, against the dev account's `/models` endpoint
 * over real HTTPS (contract/clients.md §4), with the two credentials its users pass: a
 * TokenCredential (the dev service principal's ClientSecretCredential; the client asks for its
 * default scope, `https://ml.azure.com/.default`) and an `AzureKeyCredential` (sent both as
 * `api-key` and as `Authorization: Bearer`). Each chats with an OpenAI model (gpt-4o) and a
 * Microsoft one (phi-4), streams, embeds and reads `/info`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import ModelClient, {
  isUnexpected,
  type ChatCompletionsOutput,
  type EmbeddingsResultOutput,
  type ModelClient as ModelClientType,
  type ModelClientOptions,
  type ModelInfoOutput,
} from "@azure-rest/ai-inference";
import { AzureKeyCredential, type KeyCredential, type TokenCredential } from "@azure/core-auth";
import { ClientSecretCredential } from "@azure/identity";
import { cognitiveServicesClient } from "../support/arm-cognitiveservices-sdk.js";
import { dataPlaneMessages } from "../support/data-plane-errors.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { devUserCredential } from "../support/test-principals.js";

const API_VERSION = "2024-05-01-preview";
const EMBEDDING_DIMENSIONS = 1536;
const MESSAGES = [
  { role: "system", content: "You are a concise assistant." },
  { role: "user", content: "What makes a good code review?" },
];

/** What the client put on the wire, after every policy (auth included) ran; header names in lowercase. */
interface SentRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/** The `data:` payloads of a server-sent event stream, in order, `[DONE]` included. */
async function readServerSentEvents(stream: AsyncIterable<Buffer | string>): Promise<string[]> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  assert.ok(text.endsWith("\n\n"), "the stream ends after a complete event");
  return text
    .split("\n\n")
    .filter((event) => event.trim() !== "")
    .map((event) => {
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice("data:".length).trimStart());
      assert.equal(data.length, 1, `one data line per event: ${event}`);
      return data[0]!;
    });
}

let keyless: TestKeyless;
let key1: string;

before(async () => {
  keyless = await startTestKeyless();
  const { env } = keyless;
  const arm = cognitiveServicesClient(keyless, devUserCredential(keyless)).client;
  key1 = (await arm.accounts.listKeys(env.resourceGroup, env.account.name)).key1!;
});
after(async () => {
  await keyless?.stop();
});

/** The dev service principal (Cognitive Services User on the account), recording the scopes asked for. */
function appCredential(askedScopes: string[] = []): TokenCredential {
  const { env } = keyless;
  const credential = new ClientSecretCredential(
    env.tenantId,
    env.servicePrincipal.appId,
    env.servicePrincipal.secret,
    { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true },
  );
  return {
    getToken(scopes, options) {
      askedScopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
      return credential.getToken(scopes, options);
    },
  };
}

/** `ModelClient(endpoint + path, credential, options)`, recording what it sends. */
function modelClient(
  credential: TokenCredential | KeyCredential,
  sent: SentRequest[],
  path = "models",
  options: ModelClientOptions = {},
): ModelClientType {
  const client = ModelClient(`${keyless.env.account.endpoint}${path}`, credential, options);
  client.pipeline.addPolicy(
    {
      name: "recordSentRequests",
      sendRequest(request, next) {
        sent.push({
          method: request.method,
          url: new URL(request.url),
          headers: request.headers.toJSON(),
        });
        return next(request);
      },
    },
    { afterPhase: "Sign" },
  );
  return client;
}

interface CredentialSetup {
  name: string;
  credential(): TokenCredential | KeyCredential;
  assertAuthentication(headers: Record<string, string>): void;
}

/** The scopes the token setup's credential was asked for. */
const defaultScopesAsked: string[] = [];

const setups: CredentialSetup[] = [
  {
    name: "ModelClient with a TokenCredential (ClientSecretCredential, default scope)",
    credential: () => appCredential(defaultScopesAsked),
    assertAuthentication(headers) {
      assert.equal(headers["api-key"], undefined);
      const bearer = /^Bearer (eyJ\S+)$/.exec(headers.authorization ?? "")?.[1];
      assert.ok(bearer, "a JWT bearer token");
      const claims = claimsOf(bearer);
      assert.equal(claims.aud, "https://ml.azure.com");
      assert.equal(claims.oid, keyless.env.servicePrincipal.objectId);
      assert.deepEqual([...new Set(defaultScopesAsked)], ["https://ml.azure.com/.default"]);
    },
  },
  {
    name: "ModelClient with an AzureKeyCredential",
    credential: () => new AzureKeyCredential(key1),
    assertAuthentication(headers) {
      assert.equal(headers["api-key"], key1);
      assert.equal(headers.authorization, `Bearer ${key1}`);
    },
  },
];

for (const setup of setups) {
  describe(setup.name, () => {
    const sent: SentRequest[] = [];
    let client: ModelClientType;
    before(() => {
      client = modelClient(setup.credential(), sent);
    });

    function assertSent(method: string, route: string): void {
      const request = sent.at(-1)!;
      assert.equal(request.method, method);
      assert.equal(request.url.origin, keyless.httpsUrl);
      assert.equal(request.url.pathname, `/accounts/keyless-dev-ai/models${route}`);
      assert.equal(request.url.searchParams.get("api-version"), API_VERSION);
      setup.assertAuthentication(request.headers);
    }

    for (const [deployment, model] of [
      ["gpt-4o", /^gpt-4o/],
      ["phi-4", /^phi-4$/i],
    ] as const) {
      test(`chat on ${deployment}: content, usage and ids`, async () => {
        const response = await client
          .path("/chat/completions")
          .post({ body: { model: deployment, messages: MESSAGES } });
        assertSent("POST", "/chat/completions");
        assert.equal(isUnexpected(response), false, JSON.stringify(response.body));
        assert.equal(response.status, "200");
        const body = response.body as ChatCompletionsOutput;
        assert.match(body.id, /^chatcmpl-\w+$/);
        assert.match(body.model, model);
        assert.ok(Number.isInteger(body.created) && body.created > 1.7e9);
        assert.equal(body.choices.length, 1);
        const [choice] = body.choices;
        assert.equal(choice!.index, 0);
        assert.equal(choice!.message.role, "assistant");
        assert.ok((choice!.message.content ?? "").trim().length > 0, "non-empty content");
        assert.equal(choice!.finish_reason, "stop");
        const { usage } = body;
        assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
        assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
      });

      test(`streamed chat on ${deployment}: SSE deltas, a usage chunk, then [DONE]`, async () => {
        const response = await client
          .path("/chat/completions")
          .post({ body: { model: deployment, messages: MESSAGES, stream: true } })
          .asNodeStream();
        assertSent("POST", "/chat/completions");
        assert.equal(response.status, "200");
        assert.match(response.headers["content-type"] ?? "", /^text\/event-stream/);
        assert.ok(response.body, "a body stream");
        const events = await readServerSentEvents(response.body);
        assert.equal(events.at(-1), "[DONE]", "the stream ends with [DONE]");
        const chunks = events.slice(0, -1).map(
          (data) =>
            JSON.parse(data) as {
              model: string;
              choices: { delta: { content?: string }; finish_reason: string | null }[];
              usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
            },
        );
        const content = chunks
          .flatMap((chunk) => chunk.choices)
          .map((choice) => choice.delta.content ?? "")
          .join("");
        assert.ok(content.trim().length > 0, "the deltas make up some text");
        assert.ok(chunks.some((chunk) => chunk.choices.some((c) => c.finish_reason === "stop")));
        for (const chunk of chunks) assert.match(chunk.model, model);
        const usage = chunks.at(-1)!.usage;
        assert.ok(usage, "the last chunk before [DONE] carries usage");
        assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
        assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
      });
    }

    test("embeddings on text-embedding-3-small: one float vector of the model's dimension", async () => {
      const response = await client.path("/embeddings").post({
        body: { model: "text-embedding-3-small", input: ["first text", "second text"] },
      });
      assertSent("POST", "/embeddings");
      assert.equal(isUnexpected(response), false, JSON.stringify(response.body));
      const body = response.body as EmbeddingsResultOutput;
      assert.equal(body.data.length, 2);
      body.data.forEach((item, index) => {
        assert.equal(item.index, index);
        assert.ok(Array.isArray(item.embedding), "floats by default");
        const vector = item.embedding as number[];
        assert.equal(vector.length, EMBEDDING_DIMENSIONS);
        const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
        assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
      });
      assert.notDeepEqual(body.data[0]!.embedding, body.data[1]!.embedding);
      assert.match(body.model, /^text-embedding-3-small/);
      assert.ok(body.usage.prompt_tokens > 0);
      assert.equal(body.usage.total_tokens, body.usage.prompt_tokens);
    });

    test("GET /info?model=… describes a deployment's model", async () => {
      const expected: [string, ModelInfoOutput][] = [
        [
          "phi-4",
          { model_name: "Phi-4", model_type: "chat_completion", model_provider_name: "Microsoft" },
        ],
        [
          "text-embedding-3-small",
          {
            model_name: "text-embedding-3-small",
            model_type: "embeddings",
            model_provider_name: "OpenAI",
          },
        ],
      ];
      for (const [deployment, info] of expected) {
        const response = await client.path("/info").get({ queryParameters: { model: deployment } });
        assertSent("GET", "/info");
        assert.equal(sent.at(-1)!.url.searchParams.get("model"), deployment);
        assert.equal(isUnexpected(response), false, JSON.stringify(response.body));
        assert.equal(response.status, "200");
        assert.deepEqual(response.body, info);
      }
    });
  });
}

describe("ModelClient with the scopes and endpoints Foundry users also pass", () => {
  const chatThrough = async (client: ModelClientType) => {
    const response = await client
      .path("/chat/completions")
      .post({ body: { model: "gpt-4o", messages: MESSAGES } });
    assert.equal(isUnexpected(response), false, JSON.stringify(response.body));
    assert.ok((response.body as ChatCompletionsOutput).choices[0]!.message.content);
  };

  test("scope https://ai.azure.com/.default on /models", async () => {
    const client = modelClient(appCredential(), [], "models", {
      credentials: { scopes: ["https://ai.azure.com/.default"] },
    });
    await chatThrough(client);
  });

  test("scope https://cognitiveservices.azure.com/.default on /openai/deployments/gpt-4o at 2024-10-21", async () => {
    const sent: SentRequest[] = [];
    const client = modelClient(appCredential(), sent, "openai/deployments/gpt-4o", {
      credentials: { scopes: ["https://cognitiveservices.azure.com/.default"] },
      apiVersion: "2024-10-21",
    });
    await chatThrough(client);
    assert.equal(
      sent[0]!.url.pathname,
      "/accounts/keyless-dev-ai/openai/deployments/gpt-4o/chat/completions",
    );
    assert.equal(sent[0]!.url.searchParams.get("api-version"), "2024-10-21");
  });
});

describe("refusals reach the client as Azure's error body", () => {
  test("a wrong AzureKeyCredential: isUnexpected, 401 with code 401 and the invalid-key message", async () => {
    const client = modelClient(new AzureKeyCredential("0".repeat(84)), []);
    const response = await client
      .path("/chat/completions")
      .post({ body: { model: "phi-4", messages: MESSAGES } });
    assert.equal(isUnexpected(response), true);
    assert.equal(response.status, "401");
    assert.deepEqual(response.body, {
      error: { code: "401", message: dataPlaneMessages.invalidKey },
    });
  });
});
