import assert from "node:assert/strict";
import { test } from "node:test";
import { framedAsJson, usageInAnswer, usageOf } from "./answer-usage.js";

const bytes = (value: unknown, indent?: number) => Buffer.from(JSON.stringify(value, null, indent));

const completion = (content: string, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: {
    prompt_tokens: 21,
    completion_tokens: 7,
    total_tokens: 28,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
  system_fingerprint: "fp",
  ...extra,
});

test("the usage of a whole answer is read as a full parse would read it", () => {
  const answers = [
    completion("Hello."),
    completion('She said "usage": {"prompt_tokens": 999} and left.'),
    completion("a \\ backslash and } braces {", { service_tier: "default" }),
    {
      object: "list",
      data: [{ embedding: [0.1, 0.2], index: 0 }],
      usage: { prompt_tokens: 5, total_tokens: 5 },
    },
    { choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, note: "a } in a string" } },
  ];
  for (const answer of answers) {
    for (const indent of [undefined, 2]) {
      const body = bytes(answer, indent);
      assert.deepEqual(usageInAnswer(body), usageOf(JSON.parse(body.toString())));
      assert.notEqual(usageInAnswer(body), undefined);
    }
  }
});

test("usage that is absent, null, not an object or cut short is no usage", () => {
  for (const body of [
    bytes({ id: "x", choices: [] }),
    bytes({ id: "x", usage: null }),
    bytes({ id: "x", usage: "none" }),
    bytes({ id: "x", usage: { completion_tokens: 2 } }),
    Buffer.from('{"id":"x","usage":{"prompt_tokens":1,'),
    Buffer.from(""),
  ]) {
    assert.equal(usageInAnswer(body), undefined, body.toString());
  }
});

test('only a real "usage" key counts: not one inside a string, nor an escaped look-alike', () => {
  // The key `x"usage` holds an object, and a string holds text shaped like a usage key.
  const body = bytes({
    'x"usage': { prompt_tokens: 100, completion_tokens: 100 },
    usage: { prompt_tokens: 1, completion_tokens: 2 },
    tail: '"usage":{"prompt_tokens":50,"completion_tokens":50}',
  });
  assert.deepEqual(usageInAnswer(body), { promptTokens: 1, completionTokens: 2 });
  const noRealKey = bytes({
    'x"usage': { prompt_tokens: 100 },
    text: '"usage":{"prompt_tokens":9}',
  });
  assert.equal(usageInAnswer(noRealKey), undefined);
});

test("a JSON object or array is framed as JSON; pages and text are not", () => {
  for (const text of ["{}", ' \n{"a":1}\r\n', "[1,2]", "\t[]"]) {
    assert.equal(framedAsJson(Buffer.from(text)), true, text);
  }
  for (const text of [
    "",
    "   ",
    "{",
    "}",
    "<html><body>Bad gateway</body></html>",
    "OK",
    '"text"',
    "42",
    "{]",
  ]) {
    assert.equal(framedAsJson(Buffer.from(text)), false, text);
  }
});
