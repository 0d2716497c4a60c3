import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../../../kernel/index.js";
import { RateLimiter } from "./rate-limiter.js";

const limits = { tokensPerMinute: 1000, requestsPerMinute: 3 };

test("tokens are freed as the requests that used them leave the one-minute window", () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(clock);
  assert.deepEqual(limiter.take("d", limits, 400), {
    allowed: true,
    remaining: { requests: 2, tokens: 600 },
  });
  clock.advance(20_000);
  assert.equal(limiter.take("d", limits, 400).allowed, true);
  clock.advance(10_000);
  // 800 used: 400 more fit once the first request (at 0 s) leaves, 30 s from now.
  assert.deepEqual(limiter.take("d", limits, 400), {
    allowed: false,
    limit: "tokens",
    retryAfterMs: 30_000,
    remaining: { requests: 1, tokens: 200 },
  });
  assert.equal(limiter.take("d", limits, 200).allowed, true, "what fits now is admitted");
  clock.advance(30_000);
  assert.equal(limiter.take("d", limits, 400).allowed, true, "the first request has left");
});

test("the request limit waits for the oldest request to leave", () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(clock);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.take("d", limits, 1).allowed, true);
    clock.advance(5_000);
  }
  const refused = limiter.take("d", limits, 1);
  assert.equal(refused.allowed, false);
  assert.equal(!refused.allowed && refused.limit, "requests");
  assert.equal(!refused.allowed && refused.retryAfterMs, 45_000);
  assert.equal(limiter.take("other", limits, 1).allowed, true, "keys are counted apart");
});

test("when both limits are passed the longer wait is reported", () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(clock);
  limiter.take("d", { tokensPerMinute: 1000, requestsPerMinute: 1 }, 900);
  clock.advance(1_000);
  const refused = limiter.take("d", { tokensPerMinute: 1000, requestsPerMinute: 1 }, 900);
  assert.deepEqual(refused, {
    allowed: false,
    limit: "requests",
    retryAfterMs: 59_000,
    remaining: { requests: 0, tokens: 100 },
  });
});
