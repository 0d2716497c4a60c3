/**
 * The azure-openai upstream against a real HTTP server on loopback standing in for Azure
 * OpenAI: the path and api-version it forwards to, and the bearer token it sends for Keyless's
 * own identity, fetched lazily and cached. The credential is a minimal `getToken` object here.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { testDeployment } from "../../../test/support/deployment-view.js";
import { createAzureOpenAIUpstream } from "./azure-openai.js";
import { UpstreamError, type UpstreamCall } from "./upstream.js";
import { callerSignalOf } from "../caller-signal.js";

interface Seen {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** An HTTP server on 127.0.0.1 answering with `handler`; records what it was sent. */
async function standIn(handler: (response: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    seen.push({ url: request.url!, headers: request.headers, body });
    handler(response);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    seen,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

const answerJson = (response: ServerResponse) => {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 1 } }));
};

/** A credential that hands out `token-1`, `token-2`, … each valid for an hour from `now()`. */
function countingCredential(now: () => number) {
  const scopes: string[] = [];
  const credential: TokenCredential = {
    async getToken(scope: string | string[]): Promise<AccessToken> {
      scopes.push(String(scope));
      return { token: `token-${scopes.length}`, expiresOnTimestamp: now() + 3600_000 };
    },
  };
  return { credential, scopes };
}

function callOf(upstream: Record<string, unknown>): UpstreamCall {
  const deployment = testDeployment({ upstream: { kind: "azure-openai", ...upstream } });
  return {
    operation: "chat/completions",
    deployment,
    body: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] },
    stream: false,
    signal: callerSignalOf(new AbortController().signal),
    requestId: "req-42",
  };
}

test("forwards to {endpoint}/openai/deployments/{name}/{operation}?api-version=2024-10-21 with a bearer token for cognitiveservices, fetched once", async () => {
  const server = await standIn(answerJson);
  const now = () => 1_000_000;
  const { credential, scopes } = countingCredential(now);
  let created = 0;
  const upstream = createAzureOpenAIUpstream({ credential: () => (created++, credential), now });
  try {
    assert.equal(created, 0, "no credential until an azure-openai deployment is called");
    const call = callOf({ endpoint: `${server.endpoint}/` });
    const replies = await Promise.all([upstream.call(call), upstream.call(call)]);
    for (let i = 0; i < 3; i++) replies.push(await upstream.call(call));

    assert.equal(created, 1);
    assert.deepEqual(scopes, ["https://cognitiveservices.azure.com/.default"]);
    assert.deepEqual(
      server.seen.map((request) => request.url),
      Array(5).fill("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"),
    );
    assert.deepEqual(
      server.seen.map((request) => request.headers.authorization),
      Array(5).fill("Bearer token-1"),
    );
    assert.equal(server.seen[0]!.headers["api-key"], undefined);
    assert.equal(server.seen[0]!.headers["x-ms-client-request-id"], "req-42");
    assert.deepEqual(JSON.parse(server.seen[0]!.body), call.body);
    assert.deepEqual(replies[0]!.kind === "json" && replies[0]!.usage, {
      promptTokens: 4,
      completionTokens: 1,
    });
  } finally {
    await upstream.close?.();
    await server.close();
  }
});

test("upstream.deployment, apiVersion and scope are honoured; an endpoint's path is kept", async () => {
  const server = await standIn(answerJson);
  const { credential, scopes } = countingCredential(Date.now);
  const upstream = createAzureOpenAIUpstream({ credential: () => credential });
  try {
    await upstream.call({
      ...callOf({
        endpoint: `${server.endpoint}/accounts/team-a/`,
        deployment: "gpt 4o/prod",
        apiVersion: "2025-04-01-preview",
        scope: "https://keyless.example/.default",
      }),
      operation: "embeddings",
    });
    assert.equal(
      server.seen[0]!.url,
      "/accounts/team-a/openai/deployments/gpt%204o%2Fprod/embeddings?api-version=2025-04-01-preview",
    );
    assert.deepEqual(scopes, ["https://keyless.example/.default"]);
  } finally {
    await upstream.close?.();
    await server.close();
  }
});

test("a token is replaced two minutes before it expires, not before", async () => {
  const server = await standIn(answerJson);
  let time = 1_000_000;
  const now = () => time;
  const { credential } = countingCredential(now);
  const upstream = createAzureOpenAIUpstream({ credential: () => credential, now });
  try {
    const call = callOf({ endpoint: server.endpoint });
    await upstream.call(call);
    time += 3600_000 - 120_001;
    await upstream.call(call);
    time += 1;
    await upstream.call(call);
    assert.deepEqual(
      server.seen.map((request) => request.headers.authorization),
      ["Bearer token-1", "Bearer token-1", "Bearer token-2"],
    );
  } finally {
    await upstream.close?.();
    await server.close();
  }
});

test("a 401 from the upstream is a 502 about Keyless's identity, and the next call fetches a new token", async () => {
  const statuses = [401, 200];
  const server = await standIn((response) => {
    const status = statuses.shift()!;
    if (status === 200) return answerJson(response);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ error: { code: "401", message: "Access denied due to invalid token." } }),
    );
  });
  const { credential } = countingCredential(Date.now);
  const upstream = createAzureOpenAIUpstream({ credential: () => credential });
  try {
    const call = callOf({ endpoint: server.endpoint });
    await assert.rejects(upstream.call(call), {
      name: "UpstreamError",
      status: 502,
      code: "BadGateway",
      message: `The upstream 127.0.0.1:${server.port} refused Keyless's own identity (a token for https://cognitiveservices.azure.com/.default) (401): Access denied due to invalid token.`,
    });
    await upstream.call(call);
    assert.deepEqual(
      server.seen.map((request) => request.headers.authorization),
      ["Bearer token-1", "Bearer token-2"],
    );
  } finally {
    await upstream.close?.();
    await server.close();
  }
});

test("no token from the identity: 502 saying so, and nothing is sent", async () => {
  const server = await standIn(answerJson);
  const upstream = createAzureOpenAIUpstream({
    credential: () => ({
      getToken: async () => {
        throw new Error("ManagedIdentityCredential: no identity endpoint");
      },
    }),
  });
  try {
    await assert.rejects(upstream.call(callOf({ endpoint: server.endpoint })), (error) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.status, 502);
      assert.equal(
        error.message,
        "Keyless could not get a token for https://cognitiveservices.azure.com/.default from its own identity: ManagedIdentityCredential: no identity endpoint",
      );
      return true;
    });
    assert.equal(server.seen.length, 0);
  } finally {
    await upstream.close?.();
    await server.close();
  }
});
