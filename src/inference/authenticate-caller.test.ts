import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, test } from "node:test";
import { createIdentity, type Identity } from "../identity/index.js";
import type { AccessTokenVerifier, ServicePrincipal, Tenant } from "../identity/index.js";
import { ManualClock, SecretBox } from "../kernel/index.js";
import { CachedDirectoryStore, DIRECTORY_CACHE_TTL_MS } from "../storage/cached-directory-store.js";
import { openStorage, type Storage } from "../storage/index.js";
import { authenticateCaller, type CallerAuthenticatorDeps } from "./authenticate-caller.js";
import { DataPlaneError } from "./errors.js";
import type { AccountView } from "./model.js";
import { VerifiedCallers } from "./verified-callers.js";

const LIFETIME_SECONDS = 3600;
const SKEW_SECONDS = 60;
/** Tokens need no account; keys are not used here. */
const account = { disableLocalAuth: false } as AccountView;

let storage: Storage;
let clock: ManualClock;
/** The directory cache's own time, moved by hand. */
let cacheTime: number;
let cached: CachedDirectoryStore;
let identity: Identity;
let tenant: Tenant;
let principal: ServicePrincipal;
let verifications: number;
let deps: CallerAuthenticatorDeps;

beforeEach(async () => {
  storage = await openStorage({ sqlitePath: ":memory:" });
  clock = new ManualClock();
  cacheTime = 0;
  cached = new CachedDirectoryStore(storage.directory, () => cacheTime);
  identity = createIdentity(
    {
      hostNames: [],
      tokenLifetimeMinSeconds: LIFETIME_SECONDS,
      tokenLifetimeMaxSeconds: LIFETIME_SECONDS,
      clockSkewSeconds: SKEW_SECONDS,
      signingKeyRotationDays: 30,
      authFailureLimit: 100,
      authFailureWindowSeconds: 60,
    },
    {
      directoryStore: cached,
      signingKeyStore: storage.signingKeys,
      secretBox: new SecretBox(randomBytes(32)),
      clock,
    },
  );
  identity.origins.setHttpsPort(8443);
  await identity.keyRing.refresh();
  const { verifier } = identity;
  tenant = await identity.directory.createTenant({ displayName: "T", defaultDomain: "t.test" });
  ({ servicePrincipal: principal } = await identity.directory.createApplication({
    tenantId: tenant.id,
    displayName: "app",
  }));
  verifications = 0;
  deps = {
    verifier: {
      verify: (...args: Parameters<AccessTokenVerifier["verify"]>) => {
        verifications++;
        return verifier.verify(...args);
      },
    } as AccessTokenVerifier,
    catalog: { matchKey: () => undefined },
    groupsOf: (id) => identity.directory.transitiveGroups(id),
    callers: new VerifiedCallers(
      () => cached.generation(),
      () => clock.now(),
    ),
  };
});
afterEach(async () => {
  await storage.close();
});

async function bearer(): Promise<Record<string, string>> {
  const issued = await identity.issuer.issue({
    tenant,
    origin: identity.origins.canonical(),
    subject: { kind: "app", principal, proof: "secret", groups: [] },
    resource: { audience: "https://cognitiveservices.azure.com", version: 1 },
  });
  return { authorization: `Bearer ${issued.accessToken}` };
}

/** As a promise always, a refusal thrown at once included. */
const authenticate = async (headers: Record<string, string>) =>
  authenticateCaller(headers, account, deps);

async function refusal(headers: Record<string, string>): Promise<string | undefined> {
  const error = await authenticate(headers).then(
    () => assert.fail("the caller was accepted"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof DataPlaneError);
  assert.equal(error.status, 401);
  return error.headers["www-authenticate"];
}

test("a token verified once is not verified again while the directory is unchanged", async () => {
  const headers = await bearer();
  const first = await authenticate(headers);
  const second = await authenticate(headers);
  assert.equal(verifications, 1);
  assert.equal(second, first);
  assert.equal(second.method === "token" && second.principal.id, principal.id);
});

test("a header ending like a remembered token but different before it is verified, and refused", async () => {
  const headers = await bearer();
  await authenticate(headers);
  // The payload changed, the signature's tail kept: the remembered caller must not answer it.
  const [head, payload, signature] = headers.authorization!.split(".") as [string, string, string];
  const forged = `${head}.${payload.slice(0, -2)}${payload.endsWith("A") ? "B" : "A"}${payload.at(-1)}.${signature}`;
  await refusal({ authorization: forged });
  assert.equal(verifications, 2);
  assert.equal((await authenticate(headers)).method, "token");
});

test("a principal disabled on this replica is refused on its very next call", async () => {
  const headers = await bearer();
  await authenticate(headers);
  await identity.directory.setAccountEnabled(principal.id, false);
  assert.match((await refusal(headers)) ?? "", /principal_disabled/);
});

test("a group joined on this replica counts on the very next call", async () => {
  const headers = await bearer();
  const before = await authenticate(headers);
  assert.deepEqual(before.method === "token" && before.groupIds, []);
  const group = await identity.directory.createGroup({
    tenantId: tenant.id,
    displayName: "readers",
  });
  await identity.directory.addGroupMember(group.id, principal.id);
  const after = await authenticate(headers);
  assert.deepEqual(after.method === "token" && after.groupIds, [group.id]);
});

test("a caller is verified again when the directory cache's second ends", async () => {
  const headers = await bearer();
  await authenticate(headers);
  cacheTime += DIRECTORY_CACHE_TTL_MS - 1;
  await authenticate(headers);
  assert.equal(verifications, 1);
  cacheTime += 1;
  await authenticate(headers);
  assert.equal(verifications, 2);
});

test("a remembered token past its expiry (and the clock skew) is refused as expired", async () => {
  const headers = await bearer();
  await authenticate(headers);
  clock.advance(LIFETIME_SECONDS * 1000 + 1);
  await authenticate(headers); // within the skew: verified again, still accepted
  assert.equal(verifications, 2);
  clock.advance(SKEW_SECONDS * 1000);
  assert.match((await refusal(headers)) ?? "", /expired/);
});

test("a directory change while a caller is being verified leaves that caller unremembered", async () => {
  const headers = await bearer();
  const groupsOf = deps.groupsOf;
  deps.groupsOf = async (id) => {
    const groups = await groupsOf(id);
    await identity.directory.setAccountEnabled(principal.id, false); // lands mid-verification
    return groups;
  };
  await authenticate(headers);
  deps.groupsOf = groupsOf;
  assert.match((await refusal(headers)) ?? "", /principal_disabled/);
});
