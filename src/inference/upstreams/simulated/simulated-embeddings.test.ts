import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import type { DeploymentView } from "../../model.js";
import { testDeployment } from "../../../../test/support/deployment-view.js";
import { createSimulatedUpstream } from "../simulated.js";
import { UpstreamError } from "../upstream.js";
import { callerSignalOf } from "../../caller-signal.js";

const deployment = (modelName: string): DeploymentView =>
  testDeployment({ modelName, modelVersion: "1", capacity: 100 });

// Reply bodies are read loosely: the assertions are the type check.
type Json = Record<string, any>;

async function embed(body: Record<string, unknown>, modelName = "text-embedding-3-small") {
  const reply = await createSimulatedUpstream().call({
    operation: "embeddings",
    deployment: deployment(modelName),
    body,
    stream: false,
    signal: callerSignalOf(new AbortController().signal),
    requestId: "request-1",
  });
  assert.equal(reply.kind, "json");
  return { reply, body: reply.body as Json };
}

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));

/** What the OpenAI SDK does with a base64 embedding. */
const decodeBase64 = (text: string) => {
  const bytes = Buffer.from(text, "base64");
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
};

test("an embedding is a deterministic unit vector of the model's size", async () => {
  const { body } = await embed({ input: "The quick brown fox" });
  assert.equal(body.object, "list");
  assert.equal(body.model, "text-embedding-3-small");
  assert.equal(body.data.length, 1);
  assert.equal(body.data[0].object, "embedding");
  assert.equal(body.data[0].index, 0);
  const vector = body.data[0].embedding as number[];
  assert.equal(vector.length, 1536);
  assert.ok(Math.abs(norm(vector) - 1) < 1e-5);

  const again = await embed({ input: "The quick brown fox" });
  assert.deepEqual(again.body.data[0].embedding, vector);
  const other = await embed({ input: "A slow green turtle" });
  assert.notDeepEqual(other.body.data[0].embedding, vector);

  const large = await embed({ input: "The quick brown fox" }, "text-embedding-3-large");
  assert.equal(large.body.data[0].embedding.length, 3072);
});

test("base64 decodes to exactly the floats the float format lists", async () => {
  const input = ["first text", "second text"];
  const floats = await embed({ input, encoding_format: "float" });
  const base64 = await embed({ input, encoding_format: "base64" });
  for (const index of [0, 1]) {
    assert.equal(typeof base64.body.data[index].embedding, "string");
    assert.deepEqual(
      decodeBase64(base64.body.data[index].embedding),
      floats.body.data[index].embedding,
    );
  }
});

test("dimensions shortens the vector and keeps it unit length", async () => {
  const { body } = await embed({ input: "shorter", dimensions: 256 });
  const vector = body.data[0].embedding as number[];
  assert.equal(vector.length, 256);
  assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
});

test("usage counts every input's tokens; token inputs embed like their text", async () => {
  const input = ["Hello world", "Embeddings are vectors of numbers."];
  const { reply, body } = await embed({ input });
  const tokens = encode(input[0]!).length + encode(input[1]!).length;
  assert.deepEqual(body.usage, { prompt_tokens: tokens, total_tokens: tokens });
  assert.deepEqual(reply.kind === "json" && reply.usage, {
    promptTokens: tokens,
    completionTokens: 0,
  });
  assert.deepEqual(
    body.data.map((item: Json) => item.index),
    [0, 1],
  );

  const byTokens = await embed({ input: [encode("Hello world")] });
  assert.deepEqual(byTokens.body.data[0].embedding, body.data[0].embedding);
  assert.equal(byTokens.body.usage.prompt_tokens, encode("Hello world").length);
});

test("bad embeddings bodies are refused with 400", async () => {
  const bodies: [Record<string, unknown>, RegExp, string?][] = [
    [{}, /'input'/],
    [{ input: "" }, /empty string/],
    [{ input: [] }, /empty array/],
    [{ input: ["a", 1] }, /'\$\.input' is invalid/],
    [{ input: 42 }, /'\$\.input' is invalid/],
    [{ input: "x", dimensions: 4000 }, /'dimensions'/],
    [{ input: "x", dimensions: 0 }, /'dimensions'/],
    [{ input: "x", encoding_format: "hex" }, /'hex'/],
    [
      { input: "x", dimensions: 256 },
      /does not support specifying dimensions/,
      "text-embedding-ada-002",
    ],
    [{ input: Array(2049).fill("x") }, /max number of inputs is 2048/],
  ];
  for (const [body, message, model] of bodies) {
    await assert.rejects(embed(body, model), (error: unknown) => {
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.status, 400);
      assert.equal(error.code, "invalid_request_error");
      assert.match(error.message, message);
      return true;
    });
  }
});
