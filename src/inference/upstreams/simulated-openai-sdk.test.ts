/**
 * The simulated upstream's replies as the official `openai` SDK parses them, through a `fetch`
 * that calls the upstream directly: the wire shapes without a server in between.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI, { BadRequestError, RateLimitError } from "openai";
import { ManualClock } from "../../kernel/index.js";
import type { DeploymentView, Operation } from "../model.js";
import { testDeployment } from "../../../test/support/deployment-view.js";
import { createSimulatedUpstream } from "./simulated.js";
import { type UpstreamKind, UpstreamError } from "./upstream.js";
import { callerSignalOf } from "../caller-signal.js";

const deployment = (modelName: string): DeploymentView => testDeployment({ modelName });

/** A `fetch` that answers `/v1/{operation}` from the upstream, as an HTTP edge would. */
const fetchFrom =
  (upstream: UpstreamKind) =>
  async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const operation = new URL(String(url)).pathname.replace("/v1/", "") as Operation;
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    try {
      const reply = await upstream.call({
        operation,
        deployment: deployment(String(body.model)),
        body,
        stream: body.stream === true,
        signal: callerSignalOf(init?.signal ?? new AbortController().signal),
        requestId: "request-1",
      });
      if (reply.kind === "json") {
        return new Response(JSON.stringify(reply.body), {
          status: reply.status,
          headers: reply.headers,
        });
      }
      const chunks = reply.chunks[Symbol.asyncIterator]();
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else
            controller.enqueue(
              typeof next.value === "string" ? encoder.encode(next.value) : next.value,
            );
        },
      });
      return new Response(stream, { status: reply.status, headers: reply.headers });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      const failure = { error: { code: error.code, message: error.message } };
      return new Response(JSON.stringify(failure), {
        status: error.status,
        headers: { "content-type": "application/json", ...error.headers },
      });
    }
  };

const client = () =>
  new OpenAI({
    apiKey: "unused",
    baseURL: "https://simulated.invalid/v1",
    fetch: fetchFrom(createSimulatedUpstream({ clock: new ManualClock() })),
    maxRetries: 0,
  });

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: "user", content: "Suggest a name for a bakery" },
];

test("the SDK's stream helper assembles the same completion the JSON reply has", async () => {
  const openai = client();
  const whole = await openai.chat.completions.create({ model: "gpt-4o", messages });
  const final = await openai.chat.completions
    .stream({ model: "gpt-4o", messages, stream_options: { include_usage: true } })
    .finalChatCompletion();
  assert.equal(final.choices[0]!.message.content, whole.choices[0]!.message.content);
  assert.equal(final.choices[0]!.finish_reason, "stop");
  assert.deepEqual(final.usage, whole.usage);
});

test("legacy completions parse, streamed and not", async () => {
  const openai = client();
  const whole = await openai.completions.create({ model: "gpt-35-turbo-instruct", prompt: "Hi" });
  assert.equal(whole.object, "text_completion");
  let text = "";
  let usage: OpenAI.CompletionUsage | undefined;
  const stream = await openai.completions.create({
    model: "gpt-35-turbo-instruct",
    prompt: "Hi",
    stream: true,
  });
  for await (const chunk of stream) {
    text += chunk.choices[0]?.text ?? "";
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, whole.choices[0]!.text);
  assert.deepEqual(usage, whole.usage);
});

test("the SDK's default base64 embeddings decode to the float vectors", async () => {
  const openai = client();
  const decoded = await openai.embeddings.create({ model: "text-embedding-3-small", input: "x" });
  const floats = await openai.embeddings.create({
    model: "text-embedding-3-small",
    input: "x",
    encoding_format: "float",
  });
  assert.equal(decoded.data[0]!.embedding.length, 1536);
  assert.deepEqual(decoded.data[0]!.embedding, floats.data[0]!.embedding);
});

test("refusals surface as the SDK's typed errors", async () => {
  const openai = client();
  await assert.rejects(
    openai.chat.completions.create({ model: "gpt-4o", messages: [] }),
    (error: unknown) => error instanceof BadRequestError && error.status === 400,
  );
  // Capacity 1: 6 requests a minute.
  for (let i = 0; i < 6; i++)
    await openai.embeddings.create({ model: "text-embedding-ada-002", input: "x" });
  await assert.rejects(
    openai.embeddings.create({ model: "text-embedding-ada-002", input: "x" }),
    (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.code, "429");
      assert.equal(error.headers.get("retry-after"), "60");
      assert.match(error.message, /exceeded call rate limit/);
      return true;
    },
  );
});
