/**
 * The openai-compatible upstream against a real HTTP server on loopback standing in for vLLM:
 * what is forwarded, how replies and streams come back (unbuffered), and every failure in the
 * caller's terms.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import type { DeploymentView } from "../model.js";
import { testDeployment } from "../../../test/support/deployment-view.js";
import { createOpenAICompatibleUpstream, upstreamKeyContext } from "./openai-compatible.js";
import { UpstreamError, type UpstreamCall, type UpstreamReply } from "./upstream.js";
import { callerSignalOf } from "../caller-signal.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The client's port: the same one twice means a kept-alive connection. */
  remotePort: number | undefined;
}

type Handler = (request: Seen, response: ServerResponse) => void | Promise<void>;

/** An HTTP server on 127.0.0.1 answering with `handler`; records what it was sent. */
async function standIn(handler: Handler) {
  const seen: Seen[] = [];
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const entry = {
      method: request.method!,
      url: request.url!,
      headers: request.headers,
      body,
      remotePort: request.socket.remotePort,
    };
    seen.push(entry);
    await handler(entry, response);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    seen,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function deployment(upstream: Record<string, unknown>): DeploymentView {
  return testDeployment({
    name: "llama",
    modelName: "llama-3.1-8b",
    upstream: { kind: "openai-compatible", ...upstream },
  });
}

function callOf(upstream: Record<string, unknown>, call: Partial<UpstreamCall> = {}): UpstreamCall {
  const stream = call.stream ?? false;
  return {
    operation: "chat/completions",
    deployment: deployment(upstream),
    body: { model: "llama", messages: [{ role: "user", content: "Hi" }], stream },
    stream,
    signal: callerSignalOf(new AbortController().signal),
    requestId: "req-1",
    ...call,
  };
}

const text = (chunk: Uint8Array | string) =>
  typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function streamOf(reply: UpstreamReply) {
  assert.equal(reply.kind, "stream");
  return reply as Extract<UpstreamReply, { kind: "stream" }>;
}

async function collect(chunks: AsyncIterable<Uint8Array | string>): Promise<string> {
  let all = "";
  for await (const chunk of chunks) all += text(chunk);
  return all;
}

async function rejectsWith(
  promise: Promise<unknown>,
  expected: { status: number; code: string; message?: RegExp | string },
) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UpstreamError, `an UpstreamError, not ${String(error)}`);
    assert.equal(error.status, expected.status);
    assert.equal(error.code, expected.code);
    if (typeof expected.message === "string") assert.equal(error.message, expected.message);
    else if (expected.message) assert.match(error.message, expected.message);
    return true;
  });
}

const COMPLETION = {
  id: "cmpl-1",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
};

const upstream = createOpenAICompatibleUpstream();
after(() => upstream.close?.());

test("JSON chat: forwarded to {baseUrl}/chat/completions with the upstream's model name; reply, usage and rate-limit headers back", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "x-ratelimit-remaining-requests": "99",
      "x-internal": "not passed on",
    });
    response.end(JSON.stringify(COMPLETION));
  });
  try {
    const call = callOf({ baseUrl: server.baseUrl, model: "meta-llama/Llama-3.1-8B-Instruct" });
    call.body.temperature = 0.2;
    const reply = await upstream.call(call);

    const [request] = server.seen;
    assert.equal(request!.method, "POST");
    assert.equal(request!.url, "/v1/chat/completions");
    assert.equal(request!.headers["content-type"], "application/json");
    assert.equal(request!.headers.authorization, undefined, "no key, no authorization");
    assert.deepEqual(JSON.parse(request!.body), {
      model: "meta-llama/Llama-3.1-8B-Instruct",
      messages: [{ role: "user", content: "Hi" }],
      stream: false,
      temperature: 0.2,
    });
    assert.deepEqual(reply, {
      kind: "json",
      status: 200,
      headers: { "x-ratelimit-remaining-requests": "99" },
      bytes: Buffer.from(JSON.stringify(COMPLETION)),
      usage: { promptTokens: 9, completionTokens: 2 },
    });
  } finally {
    await server.close();
  }
});

test("without upstream.model the deployment's model name is sent; embeddings go to /embeddings", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ data: [], usage: { prompt_tokens: 3, total_tokens: 3 } }));
  });
  try {
    const reply = await upstream.call({
      ...callOf({ baseUrl: `${server.baseUrl}/` }),
      operation: "embeddings",
      body: { model: "llama", input: "abc" },
    });
    assert.equal(server.seen[0]!.url, "/v1/embeddings");
    assert.equal(JSON.parse(server.seen[0]!.body).model, "llama-3.1-8b");
    assert.deepEqual(reply.kind === "json" && reply.usage, {
      promptTokens: 3,
      completionTokens: 0,
    });
  } finally {
    await server.close();
  }
});

test("the deployment's sealed API key is opened once, bound to the deployment, and sent as a bearer token over one kept-alive connection", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(COMPLETION));
  });
  const opened: Array<[string, string]> = [];
  const withKey = createOpenAICompatibleUpstream({
    openSecret: (sealed, context) => {
      opened.push([sealed, context]);
      return "sk-upstream-123";
    },
  });
  try {
    const dep = deployment({ baseUrl: server.baseUrl, apiKeySealed: "v1.sealed" });
    for (let i = 0; i < 4; i++) await withKey.call({ ...callOf({}), deployment: dep });
    assert.deepEqual(
      server.seen.map((request) => request.headers.authorization),
      Array(4).fill("Bearer sk-upstream-123"),
    );
    assert.deepEqual(opened, [["v1.sealed", upstreamKeyContext(deployment({}).id)]]);
    // Kept alive: undici frees a connection a tick after its reply ends, so back-to-back calls
    // may alternate between two, but never open one per call.
    assert.ok(new Set(server.seen.map((request) => request.remotePort)).size < server.seen.length);
    assert.equal(upstreamKeyContext("/A/B"), "upstream-api-key:/a/b");
  } finally {
    await withKey.close?.();
    await server.close();
  }
});

test("SSE: each chunk reaches the caller as it arrives, unchanged", async () => {
  const first = 'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n';
  const rest = 'data: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n';
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let restSent = false;
  const server = await standIn(async (_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    response.write(first);
    await released;
    restSent = true;
    response.end(rest);
  });
  try {
    const reply = streamOf(
      await upstream.call(callOf({ baseUrl: server.baseUrl }, { stream: true })),
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.headers, { "content-type": "text/event-stream; charset=utf-8" });
    assert.equal(JSON.parse(server.seen[0]!.body).stream, true);
    assert.equal(JSON.parse(server.seen[0]!.body).stream_options, undefined);

    const chunks = reply.chunks[Symbol.asyncIterator]();
    const head = await chunks.next();
    assert.equal(text(head.value!), first);
    assert.equal(restSent, false, "the first chunk arrived while the server still held the rest");
    release();
    let tail = "";
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      tail += text(next.value);
    }
    assert.equal(tail, rest);
    assert.equal(reply.usage(), undefined, "the upstream sent no usage");
  } finally {
    await server.close();
  }
});

test("SSE usage: the usage event is found even when split across chunks; usage:null is skipped", async () => {
  const events = [
    'data: {"choices":[{"delta":{"content":"Hi"}}],"usage":null}\n\n',
    'data: {"choices":[],"usa',
    'ge": {"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}\n',
    "\ndata: [DONE]\n\n",
  ];
  const server = await standIn(async (_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of events) {
      response.write(event);
      await sleep(20);
    }
    response.end();
  });
  try {
    const reply = streamOf(
      await upstream.call(callOf({ baseUrl: server.baseUrl }, { stream: true })),
    );
    assert.equal(await collect(reply.chunks), events.join(""));
    assert.deepEqual(reply.usage(), { promptTokens: 12, completionTokens: 5 });
  } finally {
    await server.close();
  }
});

test("the caller disconnecting aborts the upstream request at once; the stream just ends", async () => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  const server = await standIn((_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write('data: {"choices":[]}\n\n');
    response.on("close", () => {
      if (!response.writableFinished) upstreamClosed();
    });
  });
  try {
    const caller = new AbortController();
    const reply = streamOf(
      await upstream.call(
        callOf(
          { baseUrl: server.baseUrl },
          { stream: true, signal: callerSignalOf(caller.signal) },
        ),
      ),
    );
    const chunks = reply.chunks[Symbol.asyncIterator]();
    assert.equal((await chunks.next()).done, false);
    caller.abort();
    await closed;
    assert.deepEqual(await chunks.next(), { done: true, value: undefined });
  } finally {
    await server.close();
  }
});

test("an upstream 5xx is a 502 with its message", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(500, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: "CUDA out of memory", code: "internal" } }));
  });
  try {
    await rejectsWith(upstream.call(callOf({ baseUrl: server.baseUrl })), {
      status: 502,
      code: "BadGateway",
      message: `The upstream 127.0.0.1:${server.port} answered 500: CUDA out of memory`,
    });
  } finally {
    await server.close();
  }
});

test("a 200 whose body is a web page, not JSON, is a 502", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<html><body>Welcome to nginx!</body></html>");
  });
  try {
    await rejectsWith(upstream.call(callOf({ baseUrl: server.baseUrl })), {
      status: 502,
      code: "BadGateway",
      message: `The upstream 127.0.0.1:${server.port} answered 200 with a body that is not JSON.`,
    });
  } finally {
    await server.close();
  }
});

test("an upstream 401 or 403 is Keyless's credential refused: 502, never passed on as the caller's", async () => {
  const statuses = [401, 403];
  const server = await standIn((_request, response) => {
    response.writeHead(statuses.shift()!, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: "Incorrect API key provided" } }));
  });
  try {
    for (const status of [401, 403]) {
      await rejectsWith(upstream.call(callOf({ baseUrl: server.baseUrl })), {
        status: 502,
        code: "BadGateway",
        message: `The upstream 127.0.0.1:${server.port} refused a request without credentials (the deployment has no upstream API key) (${status}): Incorrect API key provided`,
      });
    }
  } finally {
    await server.close();
  }
});

test("an upstream 429 passes through with its code, message and retry headers", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(429, {
      "content-type": "application/json",
      "retry-after": "7",
      "retry-after-ms": "6500",
      "x-ratelimit-remaining-tokens": "0",
    });
    response.end(JSON.stringify({ error: { code: "rate_limit_exceeded", message: "Slow down" } }));
  });
  try {
    await assert.rejects(upstream.call(callOf({ baseUrl: server.baseUrl })), (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.deepEqual(
        { ...error, message: error.message },
        {
          name: "UpstreamError",
          status: 429,
          code: "rate_limit_exceeded",
          message: "Slow down",
          headers: {
            "retry-after": "7",
            "retry-after-ms": "6500",
            "x-ratelimit-remaining-tokens": "0",
          },
        },
      );
      return true;
    });
  } finally {
    await server.close();
  }
});

test("a 4xx in vLLM's shape passes through with its status and message", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(400, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        object: "error",
        message: "This model's maximum context length is 8192 tokens.",
        type: "BadRequestError",
        param: null,
        code: 400,
      }),
    );
  });
  try {
    await rejectsWith(upstream.call(callOf({ baseUrl: server.baseUrl })), {
      status: 400,
      code: "400",
      message: "This model's maximum context length is 8192 tokens.",
    });
  } finally {
    await server.close();
  }
});

test("connection refused (a closed port) is a 502 naming the upstream", async () => {
  const server = await standIn(() => {});
  await server.close();
  await rejectsWith(upstream.call(callOf({ baseUrl: server.baseUrl })), {
    status: 502,
    code: "BadGateway",
    message: `The upstream 127.0.0.1:${server.port} could not be reached (ECONNREFUSED).`,
  });
});

test("headers slower than the timeout: 504 naming the upstream", async () => {
  const server = await standIn(async (_request, response) => {
    await sleep(1000);
    if (!response.destroyed) response.end("{}");
  });
  const impatient = createOpenAICompatibleUpstream({ headersTimeoutMs: 200 });
  try {
    await rejectsWith(impatient.call(callOf({ baseUrl: server.baseUrl })), {
      status: 504,
      code: "Timeout",
      message: `The upstream 127.0.0.1:${server.port} did not answer within 0.2 s.`,
    });
  } finally {
    await impatient.close?.();
    await server.close();
  }
});

test("an error after the headers (the upstream drops the connection mid-stream) is thrown by the stream", async () => {
  const server = await standIn(async (_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write('data: {"choices":[]}\n\n');
    await sleep(50);
    response.socket!.destroy();
  });
  try {
    const reply = streamOf(
      await upstream.call(callOf({ baseUrl: server.baseUrl }, { stream: true })),
    );
    const received: string[] = [];
    await rejectsWith(
      (async () => {
        for await (const chunk of reply.chunks) received.push(text(chunk));
      })(),
      {
        status: 502,
        code: "BadGateway",
        message: /^The upstream 127\.0\.0\.1:\d+ broke off its reply/,
      },
    );
    assert.deepEqual(received, ['data: {"choices":[]}\n\n']);
  } finally {
    await server.close();
  }
});

test("an upstream silent mid-stream for longer than the body timeout: the stream throws 504", async () => {
  const server = await standIn((_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write('data: {"choices":[]}\n\n');
  });
  const impatient = createOpenAICompatibleUpstream({ bodyTimeoutMs: 200 });
  try {
    const reply = streamOf(
      await impatient.call(callOf({ baseUrl: server.baseUrl }, { stream: true })),
    );
    await rejectsWith(collect(reply.chunks), {
      status: 504,
      code: "Timeout",
      message: `The upstream 127.0.0.1:${server.port} sent nothing for 0.2 s in the middle of its reply.`,
    });
  } finally {
    await impatient.close?.();
    await server.close();
  }
});
