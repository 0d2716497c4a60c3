import assert from "node:assert/strict";
import test from "node:test";
import { boundedMemo } from "./bounded-memo.js";

test("a bounded memo computes each key once, undefined results too, and forgets all when full", () => {
  const computed: string[] = [];
  const memo = boundedMemo(2, (key: string) => {
    computed.push(key);
    return key === "none" ? undefined : key.length;
  });
  assert.equal(memo("abc"), 3);
  assert.equal(memo("abc"), 3);
  assert.equal(memo("none"), undefined);
  assert.equal(memo("none"), undefined);
  assert.deepEqual(computed, ["abc", "none"]);
  assert.equal(memo("four"), 4); // the third key: the first two are forgotten
  assert.equal(memo("abc"), 3);
  assert.deepEqual(computed, ["abc", "none", "four", "abc"]);
});
