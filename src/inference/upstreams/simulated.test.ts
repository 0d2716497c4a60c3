import assert from "node:assert/strict";
import { test } from "node:test";
import { encode, encodeChat } from "gpt-tokenizer/encoding/o200k_base";
import type { DeploymentView, Operation } from "../model.js";
import { testDeployment } from "../../../test/support/deployment-view.js";
import { simulatedOnManualClock, upstreamCall } from "../../../test/support/simulated-upstream.js";
import { type UpstreamCall, type UpstreamReply, UpstreamError } from "./upstream.js";

const deployment = (changes: Partial<DeploymentView> = {}): DeploymentView =>
  testDeployment({ name: "chat", capacity: 100, ...changes });

const callOf = (
  operation: Operation,
  body: Record<string, unknown>,
  changes: Partial<UpstreamCall> = {},
) => upstreamCall(deployment(), operation, body, changes);

const setup = simulatedOnManualClock;

// Reply bodies are read loosely: the assertions are the type check.
type Json = Record<string, any>;

const jsonBody = (reply: UpstreamReply): Json => {
  assert.equal(reply.kind, "json");
  return reply.body as Json;
};

/** The stream's events: parsed JSON objects, and the `[DONE]` marker as a string. */
async function events(reply: UpstreamReply): Promise<(Json | "[DONE]")[]> {
  assert.equal(reply.kind, "stream");
  let text = "";
  for await (const chunk of reply.chunks) text += chunk.toString();
  assert.ok(text.endsWith("\n\n"));
  return text
    .split("\n\n")
    .filter((event) => event !== "")
    .map((event) => {
      assert.ok(event.startsWith("data: "), event);
      const data = event.slice("data: ".length);
      return data === "[DONE]" ? "[DONE]" : (JSON.parse(data) as Json);
    });
}

const messages = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "How does retrieval augmented generation work?" },
];

test("the same chat request gets the same reply, about what the user asked", async () => {
  const first = jsonBody(await setup().upstream.call(callOf("chat/completions", { messages })));
  const again = jsonBody(await setup().upstream.call(callOf("chat/completions", { messages })));
  const content = first.choices[0].message.content as string;
  assert.equal(again.choices[0].message.content, content);
  assert.match(content, /retrieval augmented generation/i);
  assert.match(content, /^[A-Z][^]*\.$/, "sentences");

  const other = [{ role: "user", content: "Which database should I pick for analytics?" }];
  const different = jsonBody(
    await setup().upstream.call(callOf("chat/completions", { messages: other })),
  );
  assert.notEqual(different.choices[0].message.content, content);
});

test("a chat completion has the service's shape", async () => {
  const { clock, upstream } = setup();
  const reply = await upstream.call(callOf("chat/completions", { messages }));
  assert.equal(reply.status, 200);
  const body = jsonBody(reply);
  assert.match(body.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
  assert.equal(body.object, "chat.completion");
  assert.equal(body.created, Math.floor(clock.now() / 1000));
  assert.equal(body.model, "gpt-4o-2024-08-06");
  assert.match(body.system_fingerprint, /^fp_[0-9a-f]{10}$/);
  assert.deepEqual(Object.keys(body.choices[0]).sort(), [
    "finish_reason",
    "index",
    "logprobs",
    "message",
  ]);
  assert.equal(body.choices[0].index, 0);
  assert.equal(body.choices[0].message.role, "assistant");
  assert.equal(body.choices[0].message.refusal, null);
  assert.equal(body.choices[0].logprobs, null);
  assert.equal(body.choices[0].finish_reason, "stop");
  assert.equal(reply.headers["content-type"], "application/json");
  assert.ok(reply.headers["x-ratelimit-remaining-requests"]);
  assert.ok(reply.headers["x-ratelimit-remaining-tokens"]);
});

test("usage is the tokenizer's count of the prompt and of the reply", async () => {
  const reply = await setup().upstream.call(callOf("chat/completions", { messages }));
  const body = jsonBody(reply);
  const content = body.choices[0].message.content as string;
  assert.equal(body.usage.prompt_tokens, encodeChat(messages as never, "gpt-4o").length);
  assert.equal(body.usage.completion_tokens, encode(content).length);
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  assert.deepEqual(reply.kind === "json" && reply.usage, {
    promptTokens: body.usage.prompt_tokens,
    completionTokens: body.usage.completion_tokens,
  });
  assert.ok(body.usage.completion_tokens >= 30 && body.usage.completion_tokens <= 80);
});

test("max_tokens cuts the reply to a prefix with finish_reason length", async () => {
  const { upstream } = setup();
  const full = jsonBody(await upstream.call(callOf("chat/completions", { messages })));
  for (const limit of [{ max_tokens: 5 }, { max_completion_tokens: 5 }]) {
    const cut = jsonBody(await upstream.call(callOf("chat/completions", { messages, ...limit })));
    const content = cut.choices[0].message.content as string;
    assert.equal(cut.choices[0].finish_reason, "length");
    assert.equal(cut.usage.completion_tokens, 5);
    assert.equal(encode(content).length, 5);
    assert.ok(full.choices[0].message.content.startsWith(content));
  }
  const roomy = jsonBody(
    await upstream.call(callOf("chat/completions", { messages, max_tokens: 500 })),
  );
  assert.equal(roomy.choices[0].finish_reason, "stop");
  assert.equal(roomy.choices[0].message.content, full.choices[0].message.content);
});

test("n asks for several different replies", async () => {
  const body = jsonBody(
    await setup().upstream.call(callOf("chat/completions", { messages, n: 3 })),
  );
  assert.deepEqual(
    body.choices.map((choice: Json) => choice.index),
    [0, 1, 2],
  );
  assert.equal(new Set(body.choices.map((choice: Json) => choice.message.content)).size, 3);
  const total = body.choices.reduce(
    (sum: number, choice: Json) => sum + encode(choice.message.content).length,
    0,
  );
  assert.equal(body.usage.completion_tokens, total);
});

test("a chat stream: role, content deltas, finish, usage chunk, [DONE]", async () => {
  const { upstream } = setup();
  const whole = jsonBody(await upstream.call(callOf("chat/completions", { messages })));
  const reply = await upstream.call(callOf("chat/completions", { messages, stream: true }));
  assert.equal(reply.status, 200);
  assert.match(reply.headers["content-type"]!, /^text\/event-stream/);
  const sent = await events(reply);

  assert.equal(sent.at(-1), "[DONE]");
  const chunks = sent.slice(0, -1) as Json[];
  const [opening, ...rest] = chunks;
  const usageChunk = rest.pop()!;
  const finish = rest.pop()!;
  assert.deepEqual(opening!.choices, [
    {
      index: 0,
      delta: { role: "assistant", content: "", refusal: null },
      logprobs: null,
      finish_reason: null,
    },
  ]);
  assert.ok(rest.length > 3, "several content deltas");
  assert.ok(rest.every((chunk) => chunk.choices[0].finish_reason === null));
  const content = rest.map((chunk) => chunk.choices[0].delta.content).join("");
  assert.equal(content, whole.choices[0].message.content);
  assert.deepEqual(finish.choices[0].delta, {});
  assert.equal(finish.choices[0].finish_reason, "stop");
  assert.deepEqual(usageChunk.choices, []);
  assert.deepEqual(usageChunk.usage, whole.usage);
  for (const chunk of chunks) {
    assert.equal(chunk.object, "chat.completion.chunk");
    assert.equal(chunk.id, opening!.id);
    assert.equal(chunk.created, opening!.created);
    assert.equal(chunk.model, "gpt-4o-2024-08-06");
  }
  assert.equal(
    reply.kind === "stream" && reply.usage()?.completionTokens,
    whole.usage.completion_tokens,
  );
});

test("a stream cut by max_tokens finishes with length", async () => {
  const reply = await setup().upstream.call(
    callOf("chat/completions", { messages, max_tokens: 7, stream: true }),
  );
  const sent = (await events(reply)).slice(0, -1) as Json[];
  assert.equal(sent.at(-2)!.choices[0].finish_reason, "length");
  assert.equal(sent.at(-1)!.usage.completion_tokens, 7);
});

test("legacy completions: text choices, 16 tokens unless told, one choice per prompt and n", async () => {
  const { upstream } = setup();
  const prompt = "Write a tagline for an ice cream shop";
  const body = jsonBody(await upstream.call(callOf("completions", { prompt })));
  assert.equal(body.object, "text_completion");
  assert.match(body.id, /^cmpl-/);
  assert.equal(body.choices[0].finish_reason, "length");
  assert.equal(body.usage.completion_tokens, 16);
  assert.equal(encode(body.choices[0].text).length, 16);
  assert.equal(body.usage.prompt_tokens, encode(prompt).length);

  const many = jsonBody(
    await upstream.call(callOf("completions", { prompt: ["one prompt", "two prompts"], n: 2 })),
  );
  assert.deepEqual(
    many.choices.map((choice: Json) => choice.index),
    [0, 1, 2, 3],
  );
  assert.equal(
    many.usage.prompt_tokens,
    encode("one prompt").length + encode("two prompts").length,
  );
});

test("a completions stream ends with finish, usage and [DONE]", async () => {
  const { upstream } = setup();
  const body = { prompt: "Say something about gardens", max_tokens: 40 };
  const whole = jsonBody(await upstream.call(callOf("completions", body)));
  const sent = await events(await upstream.call(callOf("completions", { ...body, stream: true })));
  assert.equal(sent.pop(), "[DONE]");
  const chunks = sent as Json[];
  const usageChunk = chunks.pop()!;
  const finish = chunks.pop()!;
  assert.ok(chunks.every((chunk) => chunk.object === "text_completion"));
  assert.equal(chunks.map((chunk) => chunk.choices[0].text).join(""), whole.choices[0].text);
  assert.equal(finish.choices[0].finish_reason, whole.choices[0].finish_reason);
  assert.deepEqual(usageChunk.choices, []);
  assert.deepEqual(usageChunk.usage, whole.usage);
});

test("bad chat and completions bodies are refused with 400", async () => {
  const { upstream } = setup();
  const bodies: [Operation, Record<string, unknown>, RegExp][] = [
    ["chat/completions", {}, /'messages'/],
    ["chat/completions", { messages: "hello" }, /expected an array/],
    ["chat/completions", { messages: [] }, /too short/],
    ["chat/completions", { messages: ["hello"] }, /messages\[0\]/],
    ["chat/completions", { messages: [{ role: "user", content: 42 }] }, /messages\[0\]\.content/],
    ["chat/completions", { messages: [{ role: "robot", content: "hi" }] }, /'robot'/],
    ["chat/completions", { messages, n: 0 }, /'n'/],
    ["chat/completions", { messages, max_tokens: "ten" }, /'max_tokens'/],
    ["completions", {}, /'prompt'/],
    ["completions", { prompt: [1, "a"] }, /'prompt'/],
  ];
  for (const [operation, body, message] of bodies) {
    await assert.rejects(upstream.call(callOf(operation, body)), (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.status, 400, JSON.stringify(body));
      assert.equal(error.code, "invalid_request_error");
      assert.match(error.message, message);
      return true;
    });
  }
});
