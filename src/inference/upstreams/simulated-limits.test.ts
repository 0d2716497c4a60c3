import assert from "node:assert/strict";
import { test } from "node:test";
import type { DeploymentView, Operation } from "../model.js";
import { testDeployment } from "../../../test/support/deployment-view.js";
import { simulatedOnManualClock, upstreamCall } from "../../../test/support/simulated-upstream.js";
import type { Sleep } from "./simulated/completion-stream.js";
import { type UpstreamCall, type UpstreamReply, UpstreamError } from "./upstream.js";
import { callerSignalOf } from "../caller-signal.js";

const deployment = (changes: Partial<DeploymentView> = {}): DeploymentView =>
  testDeployment({ name: "chat", ...changes });

/** The same deployment, serving an embeddings model (the simulated models do one or the other). */
const embedder = deployment({ modelName: "text-embedding-3-small", modelVersion: "1" });

const callOf = (
  operation: Operation,
  body: Record<string, unknown>,
  changes: Partial<UpstreamCall> = {},
) => upstreamCall(deployment(), operation, body, changes);

const setup = simulatedOnManualClock;

const messages = [{ role: "user", content: "Tell me about rate limits" }];

/** Asserts a 429 in Azure's words and returns its headers. */
async function refused(reply: Promise<UpstreamReply>, operation: string, limit: string) {
  let headers: Record<string, string> = {};
  await assert.rejects(reply, (error: unknown) => {
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.status, 429);
    assert.equal(error.code, "429");
    assert.match(
      error.message,
      new RegExp(
        `^Requests to the ${operation} Operation under Azure OpenAI API have exceeded ${limit} of your current OpenAI S0 pricing tier\\. Please retry after \\d+ seconds?\\. Please go here: https://aka\\.ms/oai/quotaincrease if you would like to further increase the default rate limit\\.$`,
      ),
    );
    headers = error.headers;
    return true;
  });
  return headers;
}

test("capacity 1 allows 6 requests a minute; the 7th waits for the oldest to leave", async () => {
  const { clock, upstream } = setup();
  const embed = () =>
    upstream.call(callOf("embeddings", { input: "hi" }, { deployment: embedder }));
  for (let left = 5; left >= 0; left--) {
    const reply = await embed();
    assert.equal(reply.headers["x-ratelimit-remaining-requests"], String(left));
    clock.advance(1000);
  }
  const headers = await refused(embed(), "Embeddings_Create", "call rate limit");
  assert.equal(headers["retry-after"], "54");
  assert.equal(headers["retry-after-ms"], "54000");
  assert.equal(headers["x-ratelimit-remaining-requests"], "0");
  assert.ok(headers["x-ratelimit-remaining-tokens"]);

  clock.advance(53_999);
  const later = await refused(embed(), "Embeddings_Create", "call rate limit");
  assert.equal(later["retry-after"], "1");
  clock.advance(1);
  assert.equal((await embed()).status, 200, "the first request has left the window");
});

test("capacity 1 allows 1,000 tokens a minute, counting prompt and max_tokens", async () => {
  const { clock, upstream } = setup();
  const chat = () => upstream.call(callOf("chat/completions", { messages, max_tokens: 450 }));
  const first = await chat();
  const cost = 1000 - Number(first.headers["x-ratelimit-remaining-tokens"]);
  assert.ok(cost > 450 && cost < 500, `prompt tokens + max_tokens, got ${cost}`);
  clock.advance(10_000);
  await chat();
  const headers = await refused(chat(), "ChatCompletions_Create", "token rate limit");
  assert.equal(headers["retry-after"], "50");

  const elsewhere = deployment({ id: `${deployment().id}-other` });
  const other = await upstream.call(
    callOf("chat/completions", { messages, max_tokens: 450 }, { deployment: elsewhere }),
  );
  assert.equal(other.status, 200, "each deployment has its own quota");

  clock.advance(50_000);
  assert.equal((await chat()).status, 200);
  await refused(
    upstream.call(callOf("completions", { prompt: "x", max_tokens: 450 })),
    "Completions_Create",
    "token rate limit",
  );
});

test("an idle deployment admits one request larger than its whole quota", async () => {
  const { upstream } = setup();
  const big = () => upstream.call(callOf("chat/completions", { messages, max_tokens: 5000 }));
  const reply = await big();
  assert.equal(reply.headers["x-ratelimit-remaining-tokens"], "0");
  await refused(big(), "ChatCompletions_Create", "token rate limit");
});

/** A sleep that only records what it was asked to wait. */
const recordingSleep = () => {
  const waits: number[] = [];
  const sleep: Sleep = async (ms) => {
    waits.push(ms);
  };
  return { waits, sleep };
};

const drain = async (reply: UpstreamReply) => {
  assert.equal(reply.kind, "stream");
  for await (const chunk of reply.chunks) void chunk;
  return reply.usage()!;
};

test("a stream waits latencyMsPerToken for each token batch it sends", async () => {
  const { waits, sleep } = recordingSleep();
  const { upstream } = setup({ latencyMsPerToken: 10, sleep });
  const reply = await upstream.call(callOf("chat/completions", { messages, stream: true }));
  const usage = await drain(reply);
  assert.ok(waits.length > 3);
  assert.ok(
    waits.every((ms) => ms % 10 === 0 && ms >= 10 && ms <= 40),
    String(waits),
  );
  assert.equal(
    waits.reduce((sum, ms) => sum + ms, 0),
    10 * usage.completionTokens,
  );
});

test("a JSON reply waits for all its tokens at once; the deployment's latency wins", async () => {
  const { waits, sleep } = recordingSleep();
  const { upstream } = setup({ latencyMsPerToken: 10, sleep });
  const reply = await upstream.call(callOf("chat/completions", { messages }));
  assert.deepEqual(waits, [10 * (reply.kind === "json" ? reply.usage!.completionTokens : 0)]);

  waits.length = 0;
  const slow = deployment({ upstream: { kind: "simulated", latencyMsPerToken: 3 } });
  const other = await upstream.call(callOf("chat/completions", { messages }, { deployment: slow }));
  assert.deepEqual(waits, [3 * (other.kind === "json" ? other.usage!.completionTokens : 0)]);

  waits.length = 0;
  const instant = deployment({ upstream: { kind: "simulated", latencyMsPerToken: 0 } });
  await drain(
    await upstream.call(
      callOf("chat/completions", { messages, stream: true }, { deployment: instant }),
    ),
  );
  await upstream.call(callOf("embeddings", { input: "no latency" }, { deployment: embedder }));
  assert.deepEqual(waits, []);
});

const activeTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

test(
  "aborting a stream ends it at once and leaves no timer behind",
  { timeout: 5000 },
  async () => {
    const timersBefore = activeTimers();
    // A minute per token: only the abort can end this stream within the test's timeout.
    const { upstream } = setup({ latencyMsPerToken: 60_000 });
    const abort = new AbortController();
    const reply = await upstream.call(
      callOf(
        "chat/completions",
        { messages, stream: true },
        { signal: callerSignalOf(abort.signal) },
      ),
    );
    assert.equal(reply.kind, "stream");
    const chunks = reply.chunks[Symbol.asyncIterator]();
    const opening = await chunks.next();
    assert.match(String(opening.value), /"role":"assistant"/);
    const next = chunks.next();
    abort.abort();
    assert.deepEqual(await next, { done: true, value: undefined });
    assert.deepEqual(reply.usage(), {
      promptTokens: reply.usage()!.promptTokens,
      completionTokens: 0,
    });
    assert.equal(activeTimers(), timersBefore);
  },
);

test("aborting a JSON reply rejects it at once", { timeout: 5000 }, async () => {
  const { upstream } = setup({ latencyMsPerToken: 60_000 });
  const abort = new AbortController();
  const reply = upstream.call(
    callOf("chat/completions", { messages }, { signal: callerSignalOf(abort.signal) }),
  );
  abort.abort();
  await assert.rejects(reply, { name: "AbortError" });

  await assert.rejects(
    upstream.call(
      callOf("chat/completions", { messages }, { signal: callerSignalOf(abort.signal) }),
    ),
    { name: "AbortError" },
    "already aborted",
  );
});
