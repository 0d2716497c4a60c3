/**
 * Two Keyless replicas in this process on one fresh PostgreSQL schema, sharing a master key, as
 * several replicas of one deployment would: nothing correctness needs may live in only one of them.
 */
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import type { Clock } from "../../src/kernel/index.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { postgres } from "./backends.js";

export interface Replicas {
  a: TestKeyless;
  b: TestKeyless;
  /** Stops both and drops the schema. */
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  /** Settings both replicas get. */
  shared?: Record<string, string>;
  /** Settings only A gets (e.g. a fixed port). */
  onlyA?: Record<string, string>;
  clock?: Clock;
}

/** A starts first, so only A seeds the dev environment. */
export async function startReplicas(options: ReplicaOptions = {}): Promise<Replicas> {
  const storage = postgres.freshOptions();
  const shared = {
    KEYLESS_DATABASE_URL: storage.databaseUrl!,
    KEYLESS_MASTER_KEY: randomBytes(32).toString("base64"),
    ...options.shared,
  };
  const deps = { databaseSchema: storage.schema, ...(options.clock && { clock: options.clock }) };
  const started: TestKeyless[] = [];
  const stop = async () => {
    for (const replica of started.reverse()) await replica.stop();
    await postgres.discard(storage);
  };
  try {
    started.push(await startTestKeyless({ ...shared, ...options.onlyA }, deps));
    started.push(await startTestKeyless(shared, deps));
  } catch (error) {
    await stop();
    throw error;
  }
  return { a: started[0]!, b: started[1]!, stop };
}

/**
 * Replicas for the tests of one file (or suite): started before them, stopped after. `a` and `b`
 * are set once started. `options` may be computed then (a free port, say).
 */
export function replicasForTests(
  options: ReplicaOptions | (() => Promise<ReplicaOptions>) = {},
): Pick<Replicas, "a" | "b"> {
  const started = {} as Pick<Replicas, "a" | "b">;
  let replicas: Replicas | undefined;
  before(async () => {
    replicas = await startReplicas(typeof options === "function" ? await options() : options);
    started.a = replicas.a;
    started.b = replicas.b;
  });
  after(() => replicas?.stop());
  return started;
}
