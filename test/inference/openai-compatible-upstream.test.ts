/**
 * A deployment that forwards to an OpenAI-compatible server: a real local HTTP server stands in
 * for vLLM. The real `openai` client calls Keyless with the account's key; Keyless calls the
 * stand-in with the deployment's own upstream key and model name, streams its chunks through
 * as they come, and aborts the upstream request when the client goes away.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { AzureOpenAI } from "openai";
import { armRequest, devUser, mintToken, putDevDeployment } from "../support/arm-requests.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";

const UPSTREAM_KEY = "vllm-upstream-secret";
const UPSTREAM_MODEL = "meta-llama/Llama-3.1-8B-Instruct";

interface Seen {
  authorization?: string;
  apiKey?: string;
  body: Record<string, unknown>;
  closed: Promise<void>;
}

let keyless: TestKeyless;
let standIn: Server;
let client: AzureOpenAI;
let apiKey: string;
const seen: Seen[] = [];
/** Lets the stand-in's held streams finish. */
let releaseStreams: () => void = () => {};

function completion(model: string) {
  return {
    id: "chatcmpl-standin",
    object: "chat.completion",
    created: 1,
    model,
    choices: [
      { index: 0, message: { role: "assistant", content: "from vllm" }, finish_reason: "stop" },
    ],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
  };
}

const chunk = (model: string, content: string) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let raw = "";
  for await (const part of request) raw += part;
  const body = JSON.parse(raw) as Record<string, unknown>;
  seen.push({
    authorization: request.headers.authorization,
    apiKey: request.headers["api-key"] as string | undefined,
    body,
    closed: once(response, "close").then(() => undefined),
  });
  const model = String(body.model);
  const content = (body.messages as Array<{ content: string }>)[0]!.content;
  if (content === "fail") {
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: "CUDA out of memory" } }));
    return;
  }
  if (content === "hold the answer") {
    // A long generation: no answer until the caller leaves.
    await once(response, "close");
    return;
  }
  if (!body.stream) {
    response.writeHead(200, { "content-type": "application/json" });
    // Indented, as some servers answer: Keyless must relay these bytes, not re-serialise them.
    response.end(JSON.stringify(completion(model), null, 1));
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream" });
  response.write(chunk(model, "first"));
  // Hold the rest until the test releases it (or the caller leaves).
  await new Promise<void>((resolve) => {
    releaseStreams = resolve;
    response.once("close", resolve);
  });
  if (response.destroyed) return;
  response.write(chunk(model, " second"));
  response.end("data: [DONE]\n\n");
}

before(async () => {
  standIn = createServer((request, response) => void handle(request, response));
  standIn.listen(0, "127.0.0.1");
  await once(standIn, "listening");
  const port = (standIn.address() as AddressInfo).port;

  keyless = await startTestKeyless();
  const token = await mintToken(keyless, devUser(keyless));
  const accountId = keyless.env.account.resourceId;
  const put = await putDevDeployment(keyless, "llama", {
    model: { format: "OpenAI", name: "llama-3.1-8b", version: "1" },
    upstream: {
      kind: "openai-compatible",
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: UPSTREAM_KEY,
      model: UPSTREAM_MODEL,
    },
  });
  assert.ok(!put.body.includes(UPSTREAM_KEY), "ARM must never show the upstream key");
  const keys = await armRequest(keyless, "POST", `${accountId}/listKeys?api-version=2023-05-01`, {
    token,
  });
  apiKey = keys.json<{ key1: string }>().key1;
  client = new AzureOpenAI({
    endpoint: keyless.env.account.endpoint,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "llama",
    maxRetries: 0,
  });
  // The new deployment reaches the data plane through the change feed.
  const deadline = Date.now() + 2000;
  for (;;) {
    try {
      await client.chat.completions.create({
        model: "llama",
        messages: [{ role: "user", content: "warm" }],
      });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});

after(async () => {
  releaseStreams();
  await keyless.stop();
  standIn.closeAllConnections();
  standIn.close();
});

test("a chat is forwarded with the upstream's key and model name, never the caller's key", async () => {
  const reply = await client.chat.completions.create({
    model: "whatever-the-caller-says",
    messages: [{ role: "user", content: "hello" }],
  });
  assert.equal(reply.choices[0]?.message.content, "from vllm");
  assert.equal(reply.usage?.total_tokens, 10);
  const request = seen.at(-1)!;
  assert.equal(request.authorization, `Bearer ${UPSTREAM_KEY}`);
  assert.equal(request.apiKey, undefined);
  assert.equal(request.body.model, UPSTREAM_MODEL);
});

test("a JSON answer reaches the caller byte for byte as the upstream sent it, with request ids", async () => {
  const response = await fetch(
    `${keyless.env.account.endpoint}openai/deployments/llama/chat/completions?api-version=2024-10-21`,
    {
      method: "POST",
      headers: {
        "api-key": apiKey,
        "content-type": "application/json",
        "x-ms-client-request-id": "caller-42",
      },
      body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
    },
  );
  assert.equal(response.status, 200);
  assert.equal(await response.text(), JSON.stringify(completion(UPSTREAM_MODEL), null, 1));
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(response.headers.get("client-request-id"), "caller-42");
  const requestId = response.headers.get("x-ms-request-id");
  assert.match(requestId ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(response.headers.get("x-request-id"), requestId);
  assert.equal(response.headers.get("apim-request-id"), requestId);
});

test("streaming passes the first chunk through before the upstream has finished", async () => {
  const stream = await client.chat.completions.create({
    model: "llama",
    stream: true,
    messages: [{ role: "user", content: "stream please" }],
  });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  // The stand-in is still holding the rest: the first chunk cannot have been buffered.
  assert.equal(first.value?.choices[0]?.delta.content, "first");
  releaseStreams();
  const rest: string[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    rest.push(next.value.choices[0]?.delta.content ?? "");
  }
  assert.deepEqual(rest, [" second"]);
});

test("a client that goes away aborts the upstream request", async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model: "llama", stream: true, messages: [{ role: "user", content: "then leave" }] },
    { signal: controller.signal },
  );
  const iterator = stream[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value?.choices[0]?.delta.content, "first");
  const upstreamRequest = seen.at(-1)!;
  controller.abort();
  const closed = await Promise.race([
    upstreamRequest.closed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
  ]);
  assert.ok(closed, "the upstream request was still open 2 s after the client left");
});

test("a client that goes away before a whole answer aborts the upstream request", async () => {
  const controller = new AbortController();
  const before = seen.length;
  const call = client.chat.completions.create(
    { model: "llama", messages: [{ role: "user", content: "hold the answer" }] },
    { signal: controller.signal, maxRetries: 0 },
  );
  while (seen.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await assert.rejects(call, /aborted/);
  const closed = await Promise.race([
    seen.at(-1)!.closed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
  ]);
  assert.ok(closed, "the upstream request was still open 2 s after the client left");
});

test("an upstream failure reaches the caller as a clear 502", async () => {
  await assert.rejects(
    client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "fail" }],
    }),
    (error: { status?: number; code?: string; message: string }) => {
      assert.equal(error.status, 502);
      assert.equal(error.code, "BadGateway");
      assert.match(error.message, /CUDA out of memory/);
      return true;
    },
  );
});
