import assert from "node:assert/strict";
import { test } from "node:test";
import type { DirectoryStore, Tenant } from "../identity/index.js";
import { CachedDirectoryStore, DIRECTORY_CACHE_TTL_MS } from "./cached-directory-store.js";
import { openStorage } from "./open-storage.js";

const tenant: Tenant = { id: "t1", displayName: "T", defaultDomain: "t.test", createdAt: 0 };

async function setUp() {
  const storage = await openStorage({ sqlitePath: ":memory:" });
  let now = 0;
  let reads = 0;
  // Count what reaches the database underneath the cache.
  const counting = new Proxy(storage.directory, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (
          String(name).startsWith("find") ||
          String(name).startsWith("get") ||
          String(name).startsWith("list")
        )
          reads++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as DirectoryStore;
  const cached = new CachedDirectoryStore(counting, () => now);
  return { storage, cached, reads: () => reads, advance: (ms: number) => (now += ms) };
}

test("reads are served from memory for at most the TTL", async () => {
  const { storage, cached, reads, advance } = await setUp();
  await storage.directory.insertTenant(tenant);
  assert.deepEqual(await cached.findTenant("T1"), tenant);
  assert.deepEqual(await cached.findTenant("t1"), tenant);
  assert.equal(reads(), 1, "case-insensitive lookups share an entry");
  advance(DIRECTORY_CACHE_TTL_MS - 1);
  await cached.findTenant("t1");
  assert.equal(reads(), 1);
  advance(1);
  await cached.findTenant("t1");
  assert.equal(reads(), 2, "expired after the TTL");
  await storage.close();
});

test("a change made elsewhere shows within the TTL; a change made through the cache at once", async () => {
  const { storage, cached, advance } = await setUp();
  await cached.insertTenant(tenant);
  assert.equal(await cached.findTenant("other.test"), undefined);
  await storage.directory.insertTenant({ ...tenant, id: "t2", defaultDomain: "other.test" }); // another replica
  assert.equal(await cached.findTenant("other.test"), undefined, "stale within the TTL");
  advance(DIRECTORY_CACHE_TTL_MS);
  assert.equal((await cached.findTenant("other.test"))?.id, "t2");

  assert.equal((await cached.listTenants()).length, 2);
  await cached.insertTenant({ ...tenant, id: "t3", defaultDomain: "third.test" });
  assert.equal((await cached.listTenants()).length, 3, "own writes clear the cache");
  await storage.close();
});

test("failed reads are not remembered", async () => {
  const { storage, cached, reads } = await setUp();
  await storage.close();
  await assert.rejects(cached.findTenant("t1"));
  await assert.rejects(cached.findTenant("t1"));
  assert.equal(reads(), 2);
});

test("the generation changes with every write through the cache and when the TTL ends", async () => {
  const { storage, cached, advance } = await setUp();
  const first = cached.generation();
  advance(DIRECTORY_CACHE_TTL_MS - 1);
  assert.equal(cached.generation(), first, "unchanged within the TTL");
  await cached.insertTenant(tenant);
  const afterWrite = cached.generation();
  assert.notEqual(afterWrite, first, "a write starts a new generation");
  advance(DIRECTORY_CACHE_TTL_MS);
  assert.notEqual(cached.generation(), afterWrite, "so does the end of the TTL");
  await storage.close();
});
