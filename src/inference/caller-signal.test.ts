import assert from "node:assert/strict";
import test from "node:test";
import { ConnectionSignal, callerSignalOf } from "./caller-signal.js";

test("a connection signal calls each listener once when the caller goes, and not after it stopped listening", () => {
  const signal = new ConnectionSignal();
  const heard: string[] = [];
  signal.onAbort(() => heard.push("a"));
  const stop = signal.onAbort(() => heard.push("b"));
  stop();
  assert.equal(signal.aborted, false);
  signal.abort();
  signal.abort();
  assert.equal(signal.aborted, true);
  assert.deepEqual(heard, ["a"]);
  signal.onAbort(() => heard.push("late"));
  assert.deepEqual(heard, ["a"], "a listener added after the caller went is never called");
});

test("a connection signal's AbortSignal follows it, whether asked for before or after the caller went", () => {
  const early = new ConnectionSignal();
  const before = early.asAbortSignal();
  assert.equal(before.aborted, false);
  assert.equal(early.asAbortSignal(), before, "one AbortSignal per connection");
  early.abort();
  assert.equal(before.aborted, true);

  const late = new ConnectionSignal();
  late.abort();
  assert.equal(late.asAbortSignal().aborted, true);
  assert.throws(() => late.asAbortSignal().throwIfAborted(), { name: "AbortError" });
});

test("callerSignalOf follows an AbortSignal", () => {
  const controller = new AbortController();
  const signal = callerSignalOf(controller.signal);
  let heard = 0;
  signal.onAbort(() => heard++);
  const stop = signal.onAbort(() => heard++);
  stop();
  assert.equal(signal.asAbortSignal(), controller.signal);
  controller.abort();
  assert.equal(signal.aborted, true);
  assert.equal(heard, 1);
});
