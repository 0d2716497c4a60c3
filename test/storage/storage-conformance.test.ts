/**
 * The storage conformance suite (STYLE rule 8): one set of behaviour tests, written against the
 * `Storage` that `openStorage()` returns, run against SQLite and against PostgreSQL (see
 * backends.ts). RBAC storage and the change feed have their own file beside this one.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type {
  Application,
  ClientCertificate,
  ClientSecret,
  FederatedCredential,
  Group,
  ServicePrincipal,
  SigningKeyRecord,
  Tenant,
  User,
} from "../../src/identity/index.js";
import { Directory } from "../../src/identity/directory.js";
import { DuplicateKeyError, ManualClock } from "../../src/kernel/index.js";
import { openStorage, type Storage, type StorageOptions } from "../../src/storage/index.js";
import { migrate, migrations } from "../../src/storage/migrations.js";
import { backends } from "./backends.js";

const NOW = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

const hex = () => randomBytes(4).toString("hex");

const tenantRecord = (): Tenant => ({
  id: randomUUID(),
  displayName: `Tenant ${hex()}`,
  defaultDomain: `conf${hex()}.onmicrosoft.com`,
  createdAt: NOW,
});

const userRecord = (tenantId: string, fields: Partial<User> = {}): User => ({
  kind: "User",
  id: randomUUID(),
  tenantId,
  displayName: "Alice Example",
  accountEnabled: true,
  createdAt: NOW + 1,
  userPrincipalName: `alice${hex()}@example.com`,
  givenName: "Alice",
  surname: "Example",
  passwordHash: "scrypt$salt$hash",
  ...fields,
});

const groupRecord = (tenantId: string): Group => ({
  kind: "Group",
  id: randomUUID(),
  tenantId,
  displayName: `Group ${hex()}`,
  accountEnabled: true,
  createdAt: NOW + 2,
});

const servicePrincipalRecord = (
  tenantId: string,
  fields: Partial<ServicePrincipal> = {},
): ServicePrincipal => ({
  kind: "ServicePrincipal",
  id: randomUUID(),
  tenantId,
  displayName: `App ${hex()}`,
  accountEnabled: true,
  createdAt: NOW + 3,
  appId: randomUUID(),
  servicePrincipalType: "Application",
  managedIdentityResourceId: undefined,
  ...fields,
});

const applicationRecord = (tenantId: string, fields: Partial<Application> = {}): Application => ({
  appId: randomUUID(),
  objectId: randomUUID(),
  tenantId,
  displayName: `App ${hex()}`,
  publicClient: false,
  accessTokenVersion: 1,
  identifierUris: [],
  createdAt: NOW + 4,
  ...fields,
});

const signingKey = (kid: string, activatesAt: number, expiresAt: number): SigningKeyRecord => ({
  kid,
  activatesAt,
  retireAt: activatesAt + DAY,
  expiresAt,
  publicJwk: JSON.stringify({ kty: "RSA", kid, n: "AQAB", e: "AQAB" }),
  privateSealed: `v1.sealed-${kid}`,
});

/** Resolves when `promise` settles or after `ms`, telling which. */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

for (const backend of backends) {
  describe(`storage conformance on ${backend.name}`, () => {
    let options: StorageOptions;
    let storage: Storage;

    before(async () => {
      options = backend.freshOptions();
      storage = await openStorage(options);
    });
    after(async () => {
      await storage?.close();
      await backend.discard(options);
    });

    const newTenant = async (): Promise<Tenant> => {
      const tenant = tenantRecord();
      await storage.directory.insertTenant(tenant);
      return tenant;
    };

    test("the database is reachable and migrated", async () => {
      const rows = await storage.db.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      );
      assert.deepEqual(
        rows.map((row) => Number(row.version)),
        migrations.map((migration) => migration.version),
      );
    });

    test("tenants round-trip and are found by id or domain, case-insensitively", async () => {
      const tenant = await newTenant();
      assert.deepEqual(await storage.directory.findTenant(tenant.id), tenant);
      assert.deepEqual(await storage.directory.findTenant(tenant.id.toUpperCase()), tenant);
      assert.deepEqual(await storage.directory.findTenant(tenant.defaultDomain), tenant);
      assert.deepEqual(
        await storage.directory.findTenant(tenant.defaultDomain.toUpperCase()),
        tenant,
      );
      assert.equal(await storage.directory.findTenant(randomUUID()), undefined);
      assert.equal(await storage.directory.findTenant("nobody.onmicrosoft.com"), undefined);

      const later = { ...tenantRecord(), createdAt: NOW + DAY };
      await storage.directory.insertTenant(later);
      const listed = (await storage.directory.listTenants()).filter((t) =>
        [tenant.id, later.id].includes(t.id),
      );
      assert.deepEqual(listed, [tenant, later]);
    });

    test("users round-trip by id and by user principal name, case-insensitively", async () => {
      const tenant = await newTenant();
      const user = userRecord(tenant.id);
      const bare = userRecord(tenant.id, {
        accountEnabled: false,
        givenName: undefined,
        surname: undefined,
        passwordHash: undefined,
      });
      await storage.directory.insertPrincipal(user);
      await storage.directory.insertPrincipal(bare);

      assert.deepEqual(await storage.directory.getPrincipal(user.id), user);
      assert.deepEqual(await storage.directory.getPrincipal(user.id.toUpperCase()), user);
      assert.deepEqual(await storage.directory.getPrincipal(bare.id), bare);
      assert.deepEqual(
        await storage.directory.findUserByName(tenant.id, user.userPrincipalName.toUpperCase()),
        user,
      );
      const other = await newTenant();
      assert.equal(
        await storage.directory.findUserByName(other.id, user.userPrincipalName),
        undefined,
      );
      assert.equal(await storage.directory.getPrincipal(randomUUID()), undefined);
    });

    test("groups and application service principals round-trip", async () => {
      const tenant = await newTenant();
      const group = groupRecord(tenant.id);
      const sp = servicePrincipalRecord(tenant.id);
      await storage.directory.insertPrincipal(group);
      await storage.directory.insertPrincipal(sp);

      assert.deepEqual(await storage.directory.getPrincipal(group.id), group);
      assert.deepEqual(await storage.directory.getPrincipal(sp.id), sp);
      assert.deepEqual(
        await storage.directory.findServicePrincipalByAppId(tenant.id, sp.appId.toUpperCase()),
        sp,
      );
      const other = await newTenant();
      assert.equal(
        await storage.directory.findServicePrincipalByAppId(other.id, sp.appId),
        undefined,
      );
      // An application service principal is not a managed identity.
      assert.equal(
        await storage.directory.findManagedIdentity({ by: "clientId", value: sp.appId }),
        undefined,
      );
    });

    test("managed identities are found by client id, object id and resource id", async () => {
      const tenant = await newTenant();
      const name = `mi-${hex()}`;
      const identity = servicePrincipalRecord(tenant.id, {
        displayName: name,
        servicePrincipalType: "ManagedIdentity",
        managedIdentityResourceId: `/subscriptions/${randomUUID()}/resourceGroups/Rg-Conf/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
      });
      await storage.directory.insertPrincipal(identity);
      const find = storage.directory.findManagedIdentity.bind(storage.directory);

      assert.deepEqual(
        await find({ by: "clientId", value: identity.appId.toUpperCase() }),
        identity,
      );
      assert.deepEqual(await find({ by: "objectId", value: identity.id.toUpperCase() }), identity);
      assert.deepEqual(
        await find({ by: "resourceId", value: identity.managedIdentityResourceId!.toUpperCase() }),
        identity,
      );
      assert.deepEqual(
        await find({ by: "resourceId", value: identity.managedIdentityResourceId!.toLowerCase() }),
        identity,
      );
      assert.equal(await find({ by: "clientId", value: randomUUID() }), undefined);
      assert.equal(await find({ by: "resourceId", value: "/subscriptions/x/nothing" }), undefined);
    });

    test("applications round-trip and are found by identifier URI", async () => {
      const tenant = await newTenant();
      const api = applicationRecord(tenant.id, {
        publicClient: true,
        accessTokenVersion: 2,
        identifierUris: [`api://conf-${hex()}`, `https://conf-${hex()}.example.com/API`],
      });
      const otherApi = applicationRecord(tenant.id, { identifierUris: [`api://other-${hex()}`] });
      await storage.directory.insertApplication(api);
      await storage.directory.insertApplication(otherApi);

      assert.deepEqual(await storage.directory.getApplication(api.appId), api);
      assert.deepEqual(await storage.directory.getApplication(api.appId.toUpperCase()), api);
      assert.deepEqual(await storage.directory.getApplication(otherApi.appId), otherApi);
      assert.equal(await storage.directory.getApplication(randomUUID()), undefined);

      const byUri = (tenantId: string, uri: string) =>
        storage.directory.findApplicationByIdentifierUri(tenantId, uri);
      assert.deepEqual(await byUri(tenant.id, api.identifierUris[1]!.toLowerCase()), api);
      assert.deepEqual(await byUri(tenant.id, api.identifierUris[0]!.toUpperCase()), api);
      assert.deepEqual(await byUri(tenant.id, otherApi.identifierUris[0]!), otherApi);
      assert.equal(await byUri(tenant.id, "api://nobody"), undefined);
      const other = await newTenant();
      assert.equal(await byUri(other.id, api.identifierUris[0]!), undefined);
    });

    test("client secrets, certificates and federated credentials list by creation", async () => {
      const tenant = await newTenant();
      const app = applicationRecord(tenant.id);
      const otherApp = applicationRecord(tenant.id);
      await storage.directory.insertApplication(app);
      await storage.directory.insertApplication(otherApp);

      const secret = (createdAt: number, appId = app.appId): ClientSecret => ({
        id: randomUUID(),
        appId,
        displayName: `secret ${createdAt}`,
        hint: "abc",
        hash: `sha256$${hex()}`,
        createdAt,
        expiresAt: createdAt + 730 * DAY,
      });
      const certificate = (createdAt: number): ClientCertificate => ({
        id: randomUUID(),
        appId: app.appId,
        displayName: `certificate ${createdAt}`,
        thumbprintSha1: randomBytes(20).toString("hex").toUpperCase(),
        thumbprintSha256: randomBytes(32).toString("hex").toUpperCase(),
        publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${hex()}\n-----END PUBLIC KEY-----\n`,
        notBefore: createdAt - DAY,
        notAfter: createdAt + 365 * DAY,
        createdAt,
      });
      const federated = (createdAt: number): FederatedCredential => ({
        id: randomUUID(),
        appId: app.appId,
        name: `credential-${createdAt}`,
        issuer: "https://token.actions.githubusercontent.com",
        subject: `repo:example/conf:ref:refs/heads/${hex()}`,
        audiences: ["api://AzureADTokenExchange", "api://second"],
        createdAt,
      });

      // Inserted out of order: the listing must order by creation, not by insertion.
      const secrets = [secret(NOW + 20), secret(NOW + 10), secret(NOW + 30)];
      for (const record of secrets) await storage.directory.insertClientSecret(record);
      await storage.directory.insertClientSecret(secret(NOW + 15, otherApp.appId));
      const certificates = [certificate(NOW + 2), certificate(NOW + 1)];
      for (const record of certificates) await storage.directory.insertClientCertificate(record);
      const credentials = [federated(NOW + 9), federated(NOW + 3), federated(NOW + 6)];
      for (const record of credentials) await storage.directory.insertFederatedCredential(record);

      const byCreation = <T extends { createdAt: number }>(records: T[]) =>
        [...records].sort((a, b) => a.createdAt - b.createdAt);
      assert.deepEqual(await storage.directory.listClientSecrets(app.appId), byCreation(secrets));
      assert.deepEqual(
        await storage.directory.listClientCertificates(app.appId.toUpperCase()),
        byCreation(certificates),
      );
      assert.deepEqual(
        await storage.directory.listFederatedCredentials(app.appId),
        byCreation(credentials),
      );
      assert.equal((await storage.directory.listClientSecrets(otherApp.appId)).length, 1);
      assert.deepEqual(await storage.directory.listClientCertificates(otherApp.appId), []);
      assert.deepEqual(await storage.directory.listFederatedCredentials(randomUUID()), []);
    });

    test("duplicate keys raise DuplicateKeyError", async () => {
      const tenant = await newTenant();
      const directory = storage.directory;
      await assert.rejects(
        directory.insertTenant({ ...tenantRecord(), id: tenant.id }),
        DuplicateKeyError,
      );
      await assert.rejects(
        directory.insertTenant({ ...tenantRecord(), defaultDomain: tenant.defaultDomain }),
        DuplicateKeyError,
      );

      const user = userRecord(tenant.id);
      await directory.insertPrincipal(user);
      await assert.rejects(
        directory.insertPrincipal(userRecord(tenant.id, { id: user.id })),
        DuplicateKeyError,
      );
      await assert.rejects(
        directory.insertPrincipal(
          userRecord(tenant.id, { userPrincipalName: user.userPrincipalName }),
        ),
        DuplicateKeyError,
      );
      // The same name in another tenant is another user.
      const other = await newTenant();
      await directory.insertPrincipal(
        userRecord(other.id, { userPrincipalName: user.userPrincipalName }),
      );

      const app = applicationRecord(tenant.id);
      await directory.insertApplication(app);
      await assert.rejects(
        directory.insertApplication(applicationRecord(tenant.id, { appId: app.appId })),
        DuplicateKeyError,
      );
      const sp = servicePrincipalRecord(tenant.id, { appId: app.appId });
      await directory.insertPrincipal(sp);
      await assert.rejects(
        directory.insertPrincipal(servicePrincipalRecord(tenant.id, { appId: app.appId })),
        DuplicateKeyError,
      );

      const group = groupRecord(tenant.id);
      await directory.insertPrincipal(group);
      await directory.addGroupMember(group.id, user.id);
      await assert.rejects(directory.addGroupMember(group.id, user.id), DuplicateKeyError);
      assert.deepEqual(await directory.listDirectGroups(user.id), [group.id]);
    });

    test("setAccountEnabled switches an account and reports a missing one", async () => {
      const tenant = await newTenant();
      const sp = servicePrincipalRecord(tenant.id);
      await storage.directory.insertPrincipal(sp);

      assert.equal(await storage.directory.setAccountEnabled(sp.id, false), true);
      assert.equal((await storage.directory.getPrincipal(sp.id))?.accountEnabled, false);
      assert.equal(await storage.directory.setAccountEnabled(sp.id.toUpperCase(), true), true);
      assert.equal((await storage.directory.getPrincipal(sp.id))?.accountEnabled, true);
      assert.equal(await storage.directory.setAccountEnabled(randomUUID(), false), false);
    });

    test("listDirectGroups lists only the groups that name a member directly", async () => {
      const tenant = await newTenant();
      const user = userRecord(tenant.id);
      const [first, second, outer] = [
        groupRecord(tenant.id),
        groupRecord(tenant.id),
        groupRecord(tenant.id),
      ];
      for (const principal of [user, first, second, outer])
        await storage.directory.insertPrincipal(principal);
      await storage.directory.addGroupMember(first.id, user.id);
      await storage.directory.addGroupMember(second.id, user.id);
      await storage.directory.addGroupMember(outer.id, first.id);

      assert.deepEqual(
        [...(await storage.directory.listDirectGroups(user.id.toUpperCase()))].sort(),
        [first.id, second.id].sort(),
      );
      assert.deepEqual(await storage.directory.listDirectGroups(first.id), [outer.id]);
      assert.deepEqual(await storage.directory.listDirectGroups(outer.id), []);
    });

    test(
      "Directory.transitiveGroups follows nested groups and stops at a cycle",
      {
        timeout: 10_000,
      },
      async () => {
        const directory = new Directory(storage.directory, new ManualClock(NOW));
        const tenant = await directory.createTenant({
          displayName: "Nested",
          defaultDomain: `nested${hex()}.onmicrosoft.com`,
        });
        const user = await directory.createUser({
          tenantId: tenant.id,
          userPrincipalName: `nested${hex()}@example.com`,
          displayName: "Nested User",
        });
        const loner = await directory.createUser({
          tenantId: tenant.id,
          userPrincipalName: `loner${hex()}@example.com`,
          displayName: "Loner",
        });
        const create = (displayName: string) =>
          directory.createGroup({ tenantId: tenant.id, displayName });
        const [a, b, c, unrelated] = [
          await create("A"),
          await create("B"),
          await create("C"),
          await create("Unrelated"),
        ];
        await directory.addGroupMember(a.id, user.id);
        await directory.addGroupMember(b.id, a.id);
        await directory.addGroupMember(a.id, b.id); // A in B and B in A: a cycle
        await directory.addGroupMember(c.id, b.id);
        await directory.addGroupMember(unrelated.id, loner.id);

        assert.deepEqual(await directory.transitiveGroups(user.id), [a.id, b.id, c.id].sort());
        assert.deepEqual(await directory.transitiveGroups(c.id), []);
        assert.deepEqual(await directory.transitiveGroups(loner.id), [unrelated.id]);
      },
    );

    test("a transaction whose work throws writes nothing", async () => {
      const tenant = tenantRecord();
      const sp = servicePrincipalRecord(tenant.id);
      const failure = new Error("work failed");
      await assert.rejects(
        storage.directory.transaction(async (store) => {
          await store.insertTenant(tenant);
          await store.insertPrincipal(sp);
          assert.deepEqual(await store.getPrincipal(sp.id), sp); // visible inside
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.equal(await storage.directory.findTenant(tenant.id), undefined);
      assert.equal(await storage.directory.getPrincipal(sp.id), undefined);

      // A duplicate key half way through undoes what came before it.
      const existing = await newTenant();
      const fresh = tenantRecord();
      await assert.rejects(
        storage.directory.transaction(async (store) => {
          await store.insertTenant(fresh);
          await store.insertTenant({ ...tenantRecord(), id: existing.id });
        }),
        DuplicateKeyError,
      );
      assert.equal(await storage.directory.findTenant(fresh.id), undefined);
    });

    test("a committed transaction keeps everything and returns its result", async () => {
      const tenant = tenantRecord();
      const sp = servicePrincipalRecord(tenant.id);
      const result = await storage.directory.transaction(async (store) => {
        await store.insertTenant(tenant);
        await store.insertPrincipal(sp);
        return "committed";
      });
      assert.equal(result, "committed");
      assert.deepEqual(await storage.directory.findTenant(tenant.id), tenant);
      assert.deepEqual(await storage.directory.getPrincipal(sp.id), sp);
    });

    test("readers outside a transaction see all of its writes or none", async () => {
      const tenant = tenantRecord();
      const sp = servicePrincipalRecord(tenant.id);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const halfWritten = new Promise<void>((resolve) => (started = resolve));
      const transaction = storage.directory.transaction(async (store) => {
        await store.insertTenant(tenant);
        started();
        await gate;
        await store.insertPrincipal(sp);
      });
      await halfWritten;
      const reader = Promise.all([
        storage.directory.findTenant(tenant.id),
        storage.directory.getPrincipal(sp.id),
      ]);
      await settlesWithin(reader, 100);
      release();
      await transaction;
      const [seenTenant, seenPrincipal] = await reader;
      assert.equal(seenTenant === undefined, seenPrincipal === undefined, "a half-written view");
    });

    if (backend.oneConnection) {
      test("a statement outside a running transaction waits for it to end", async () => {
        const tenant = tenantRecord();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const events: string[] = [];
        const transaction = storage.directory.transaction(async (store) => {
          await store.insertTenant(tenant);
          events.push("transaction wrote");
          await gate;
          events.push("transaction ends");
        });
        const outside = storage.directory.findTenant(tenant.id).then((found) => {
          events.push(found ? "outside read the tenant" : "outside read nothing");
        });
        assert.equal(await settlesWithin(outside, 100), false, "the outside read did not wait");
        release();
        await Promise.all([transaction, outside]);
        assert.deepEqual(events, [
          "transaction wrote",
          "transaction ends",
          "outside read the tenant",
        ]);
      });

      test("a statement queued behind a transaction never runs inside the next one", async () => {
        let releaseFirst!: () => void;
        const firstGate = new Promise<void>((resolve) => (releaseFirst = resolve));
        const first = storage.directory.transaction(() => firstGate);
        // The second transaction queues first, then an outside write queues behind it.
        const second = storage.directory.transaction(async (store) => {
          await store.insertTenant(tenantRecord());
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new Error("second transaction fails");
        });
        const independent = tenantRecord();
        const outside = storage.directory.insertTenant(independent);
        releaseFirst();
        await first;
        await assert.rejects(second, /second transaction fails/);
        await outside;
        // Had the outside write run inside the second transaction, its rollback would undo it.
        assert.deepEqual(await storage.directory.findTenant(independent.id), independent);
      });
    }

    describe("signing keys", () => {
      let keys: Storage;
      let keyOptions: StorageOptions;
      before(async () => {
        keyOptions = backend.freshOptions();
        keys = await openStorage(keyOptions);
      });
      after(async () => {
        await keys?.close();
        await backend.discard(keyOptions);
      });

      test("list excludes expired keys and orders the rest newest first", async () => {
        const store = keys.signingKeys;
        const oldest = signingKey("oldest", NOW - 60 * DAY, NOW + DAY);
        const newest = signingKey("newest", NOW - DAY, NOW + 60 * DAY);
        const middle = signingKey("middle", NOW - 30 * DAY, NOW + 30 * DAY);
        const expired = signingKey("expired", NOW - 90 * DAY, NOW - 1);
        const expiresNow = signingKey("expires-now", NOW - 80 * DAY, NOW);
        for (const key of [middle, expired, newest, expiresNow, oldest])
          await store.insertSigningKey(key);

        assert.deepEqual(await store.listSigningKeys(NOW), [newest, middle, oldest]);
        assert.deepEqual(await store.listSigningKeys(NOW - 2), [
          newest,
          middle,
          oldest,
          expiresNow,
          expired,
        ]);
        await assert.rejects(
          store.insertSigningKey(signingKey("newest", NOW, NOW)),
          DuplicateKeyError,
        );
      });

      test("deleteExpired removes only expired keys", async () => {
        const store = keys.signingKeys;
        assert.equal(await store.deleteExpiredSigningKeys(NOW), 2);
        // Seen from before they expired, the deleted keys are gone and the rest remain.
        assert.deepEqual(
          (await store.listSigningKeys(NOW - 2)).map((key) => key.kid),
          ["newest", "middle", "oldest"],
        );
        assert.equal(await store.deleteExpiredSigningKeys(NOW), 0);
      });
    });

    test("running the migrations again applies nothing and keeps the data", async () => {
      const tenant = await newTenant();
      assert.deepEqual(await migrate(storage.db), []);
      const rows = await storage.db.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      );
      assert.deepEqual(
        rows.map((row) => Number(row.version)),
        migrations.map((migration) => migration.version),
      );
      assert.deepEqual(await storage.directory.findTenant(tenant.id), tenant);
    });

    if (!backend.oneConnection) {
      test("replicas opening the same fresh schema at once both succeed", async () => {
        // Several rounds: a race between the two openers does not show every time.
        for (let round = 0; round < 5; round++) {
          const shared = backend.freshOptions();
          const opened = await Promise.allSettled([openStorage(shared), openStorage(shared)]);
          try {
            for (const result of opened)
              assert.equal(
                result.status,
                "fulfilled",
                String(result.status === "rejected" ? result.reason : ""),
              );
            const [one, two] = opened.map(
              (result) => (result as PromiseFulfilledResult<Storage>).value,
            );
            const versions = await one!.db.query<{ version: number }>(
              "SELECT version FROM schema_migrations ORDER BY version",
            );
            assert.deepEqual(
              versions.map((row) => Number(row.version)),
              migrations.map((migration) => migration.version),
            );
            const tenant = tenantRecord();
            await one!.directory.insertTenant(tenant);
            assert.deepEqual(await two!.directory.findTenant(tenant.id), tenant);
          } finally {
            for (const result of opened)
              if (result.status === "fulfilled") await result.value.close();
            await backend.discard(shared);
          }
        }
      });
    }
  });
}
