import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../kernel/index.js";
import { FailureThrottle } from "./failure-throttle.js";

const WINDOW = 300_000;
const setup = (limit = 3) => {
  const clock = new ManualClock();
  return { clock, throttle: new FailureThrottle(clock, limit, WINDOW) };
};

test("a key is refused once its failures reach the limit, not before", () => {
  const { throttle } = setup(3);
  for (let i = 0; i < 2; i++) throttle.recordFailure(["client:a"]);
  assert.equal(throttle.retryAfter(["client:a"]), undefined, "2 of 3");
  throttle.recordFailure(["client:a"]);
  assert.equal(throttle.retryAfter(["client:a"]), 300, "3 of 3: the 4th attempt waits");
});

test("Retry-After counts down to the end of the window in whole seconds, rounded up", () => {
  const { clock, throttle } = setup(1);
  throttle.recordFailure(["k"]);
  clock.advance(100_000);
  assert.equal(throttle.retryAfter(["k"]), 200);
  clock.advance(99_500);
  assert.equal(throttle.retryAfter(["k"]), 101);
  clock.set(clock.now() + 100_499);
  assert.equal(throttle.retryAfter(["k"]), 1, "never 0 while still refused");
  clock.advance(1);
  assert.equal(throttle.retryAfter(["k"]), undefined, "the window has passed");
});

test("windows are fixed: failures late in a window do not extend it", () => {
  const { clock, throttle } = setup(2);
  throttle.recordFailure(["k"]);
  clock.advance(WINDOW - 1);
  throttle.recordFailure(["k"]);
  assert.equal(throttle.retryAfter(["k"]), 1);
  clock.advance(1);
  assert.equal(throttle.retryAfter(["k"]), undefined);
  throttle.recordFailure(["k"]);
  assert.equal(throttle.retryAfter(["k"]), undefined, "a new window starts counting at 1");
  throttle.recordFailure(["k"]);
  assert.equal(throttle.retryAfter(["k"]), 300);
});

test("any key over its limit refuses, with the longest wait", () => {
  const { clock, throttle } = setup(1);
  throttle.recordFailure(["client:a"]);
  clock.advance(60_000);
  throttle.recordFailure(["address:10.0.0.1"]);
  assert.equal(throttle.retryAfter(["client:a", "address:10.0.0.9"]), 240);
  assert.equal(throttle.retryAfter(["client:b", "address:10.0.0.1"]), 300);
  assert.equal(throttle.retryAfter(["client:a", "address:10.0.0.1"]), 300);
  assert.equal(throttle.retryAfter(["client:b", "address:10.0.0.9"]), undefined);
});

test("one failure counts against every key it names", () => {
  const { throttle } = setup(2);
  throttle.recordFailure(["client:a", "address:1"]);
  throttle.recordFailure(["client:b", "address:1"]);
  assert.equal(throttle.retryAfter(["address:1"]), 300);
  assert.equal(throttle.retryAfter(["client:a"]), undefined);
  assert.equal(throttle.retryAfter(["client:b"]), undefined);
});

test("no keys, no refusal", () => {
  const { throttle } = setup(1);
  assert.equal(throttle.retryAfter([]), undefined);
});

test("memory stays bounded: past 100,000 keys the oldest window is dropped", () => {
  const { throttle } = setup(1);
  throttle.recordFailure(["oldest"]);
  throttle.recordFailure(["second"]);
  for (let i = 0; i < 99_998; i++) throttle.recordFailure([`k${i}`]);
  assert.equal(throttle.retryAfter(["oldest"]), 300, "100,000 keys: all kept");
  throttle.recordFailure(["one-more"]);
  assert.equal(throttle.retryAfter(["oldest"]), undefined, "the oldest made room");
  assert.equal(throttle.retryAfter(["second"]), 300);
  assert.equal(throttle.retryAfter(["one-more"]), 300);
});
