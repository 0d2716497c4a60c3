/**
 * Retries an assertion until it holds: Keyless applies a role assignment, a key rotation or an
 * account change on every replica within one second (contract/README.md decision 6), so a test
 * that changes one through ARM allows that long before the data plane must show it.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";

/** Runs `attempt` until it stops throwing; after `withinMs` the last failure is thrown. */
export async function eventually<T>(
  attempt: () => Promise<T>,
  withinMs = 1500,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await delay(everyMs);
    }
  }
}

/** Polls `probe` until it answers true; after `withinMs` the test fails. */
export function until(probe: () => Promise<boolean>, withinMs = 1500): Promise<void> {
  return eventually(
    async () => assert.ok(await probe(), `not seen within ${withinMs} ms`),
    withinMs,
    25,
  );
}
