/**
 * RBAC storage and the change feed, on SQLite and PostgreSQL (STYLE rule 8): custom roles and
 * role assignments round-trip, collisions raise the right error, and every write that changes
 * an authorization fact leaves exactly one change row, committed with it or not at all.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { RoleAssignment, RoleDefinition } from "../../src/authz/index.js";
import type { Group, User } from "../../src/identity/index.js";
import { DuplicateAssignmentError, DuplicateKeyError } from "../../src/kernel/index.js";
import { openStorage, type Storage, type StorageOptions } from "../../src/storage/index.js";
import { backends } from "./backends.js";

const NOW = Date.UTC(2026, 0, 1);
const SUBSCRIPTION = `/subscriptions/${randomUUID()}`;

const roleRecord = (fields: Partial<RoleDefinition> = {}): RoleDefinition => ({
  id: randomUUID(),
  roleName: `Conformance Reader ${randomUUID().slice(0, 8)}`,
  description: "Reads deployments and calls them.",
  type: "CustomRole",
  permissions: [
    {
      actions: ["Microsoft.CognitiveServices/*/read"],
      notActions: ["Microsoft.CognitiveServices/accounts/listKeys/action"],
      dataActions: ["Microsoft.CognitiveServices/accounts/OpenAI/*"],
      notDataActions: [],
    },
    {
      actions: [],
      notActions: [],
      dataActions: [
        "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
      ],
      notDataActions: [],
      condition:
        "@Resource[Microsoft.CognitiveServices/accounts/deployments:name] StringEquals 'gpt'",
      conditionVersion: "2.0",
    },
  ],
  assignableScopes: [SUBSCRIPTION, `${SUBSCRIPTION}/resourcegroups/rg-conf`],
  createdOn: NOW,
  updatedOn: NOW + 1,
  createdBy: randomUUID(),
  updatedBy: randomUUID(),
  ...fields,
});

const assignmentRecord = (fields: Partial<RoleAssignment> = {}): RoleAssignment => ({
  name: randomUUID(),
  scope: `${SUBSCRIPTION}/resourcegroups/rg-conf/providers/microsoft.cognitiveservices/accounts/a1`,
  displayScope: `${SUBSCRIPTION}/resourceGroups/rg-conf/providers/Microsoft.CognitiveServices/accounts/A1`,
  roleDefinitionId: randomUUID(),
  principalId: randomUUID(),
  principalType: "ServicePrincipal",
  description: "lets the app call the account",
  condition: "@Resource[Microsoft.CognitiveServices/accounts/deployments:name] StringEquals 'gpt'",
  conditionVersion: "2.0",
  createdOn: NOW,
  updatedOn: NOW + 5,
  createdBy: randomUUID(),
  updatedBy: randomUUID(),
  ...fields,
});

/** Only the fields an assignment must have. */
const bareAssignment = (): RoleAssignment => ({
  name: randomUUID(),
  scope: SUBSCRIPTION,
  roleDefinitionId: randomUUID(),
  principalId: randomUUID(),
  principalType: "User",
  createdOn: NOW,
  updatedOn: NOW,
});

for (const backend of backends) {
  describe(`authz storage conformance on ${backend.name}`, () => {
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

    /** A user and a group in a new tenant. */
    const newUserAndGroup = async (): Promise<{ user: User; group: Group }> => {
      const tenantId = randomUUID();
      await storage.directory.insertTenant({
        id: tenantId,
        displayName: "Feed",
        defaultDomain: `feed${randomUUID().slice(0, 8)}.onmicrosoft.com`,
        createdAt: NOW,
      });
      const common = { tenantId, accountEnabled: true, createdAt: NOW };
      const user: User = {
        ...common,
        kind: "User",
        id: randomUUID(),
        displayName: "Feed User",
        userPrincipalName: `feed${randomUUID().slice(0, 8)}@example.com`,
      };
      const group: Group = {
        ...common,
        kind: "Group",
        id: randomUUID(),
        displayName: "Feed Group",
      };
      await storage.directory.insertPrincipal(user);
      await storage.directory.insertPrincipal(group);
      return { user, group };
    };

    /** What the feed recorded after `seq`, without the seqs. */
    const changesAfter = async (seq: number) =>
      (await storage.changes.changesSince(seq)).map(({ entity, key }) => ({ entity, key }));

    test("custom role definitions round-trip every field", async () => {
      const role = roleRecord();
      const bare = roleRecord({
        createdOn: undefined,
        updatedOn: undefined,
        createdBy: undefined,
        updatedBy: undefined,
      });
      for (const key of ["createdOn", "updatedOn", "createdBy", "updatedBy"] as const)
        delete bare[key];
      await storage.authz.putCustomRoleDefinition(role);
      await storage.authz.putCustomRoleDefinition(bare);

      assert.deepEqual(await storage.authz.getCustomRoleDefinition(role.id), role);
      assert.deepEqual(await storage.authz.getCustomRoleDefinition(role.id.toUpperCase()), role);
      assert.deepEqual(await storage.authz.getCustomRoleDefinition(bare.id), bare);
      assert.equal(await storage.authz.getCustomRoleDefinition(randomUUID()), undefined);
      const listed = await storage.authz.listCustomRoleDefinitions();
      assert.deepEqual(
        listed.filter((r) => [role.id, bare.id].includes(r.id)),
        [role, bare].sort((a, b) => a.roleName.localeCompare(b.roleName)),
      );
    });

    test("putting a role again replaces it but keeps when and by whom it was created", async () => {
      const role = roleRecord();
      await storage.authz.putCustomRoleDefinition(role);
      const changed = roleRecord({
        id: role.id.toUpperCase(),
        roleName: "Renamed",
        description: "changed",
        permissions: [{ actions: ["*/read"], notActions: [], dataActions: [], notDataActions: [] }],
        assignableScopes: ["/"],
        createdOn: NOW + 100,
        createdBy: randomUUID(),
        updatedOn: NOW + 200,
        updatedBy: randomUUID(),
      });
      await storage.authz.putCustomRoleDefinition(changed);
      assert.deepEqual(await storage.authz.getCustomRoleDefinition(role.id), {
        ...changed,
        id: role.id,
        createdOn: role.createdOn,
        createdBy: role.createdBy,
      });
    });

    test("deleting a role reports whether there was one", async () => {
      const role = roleRecord();
      await storage.authz.putCustomRoleDefinition(role);
      assert.equal(await storage.authz.deleteCustomRoleDefinition(role.id.toUpperCase()), true);
      assert.equal(await storage.authz.getCustomRoleDefinition(role.id), undefined);
      assert.equal(await storage.authz.deleteCustomRoleDefinition(role.id), false);
    });

    test("role assignments round-trip every field", async () => {
      const full = assignmentRecord();
      const bare = bareAssignment();
      await storage.authz.insertRoleAssignment(full);
      await storage.authz.insertRoleAssignment(bare);

      assert.deepEqual(await storage.authz.getRoleAssignment(full.name), full);
      assert.deepEqual(await storage.authz.getRoleAssignment(full.name.toUpperCase()), full);
      assert.deepEqual(await storage.authz.getRoleAssignment(bare.name), bare);
      assert.equal(await storage.authz.getRoleAssignment(randomUUID()), undefined);
      const all = await storage.authz.listRoleAssignments();
      assert.deepEqual(
        all.filter((a) => [full.name, bare.name].includes(a.name)),
        [full, bare].sort((a, b) => a.createdOn - b.createdOn || a.name.localeCompare(b.name)),
      );
    });

    test("names, scopes, role and principal ids are stored lowercase", async () => {
      const assignment = assignmentRecord();
      await storage.authz.insertRoleAssignment({
        ...assignment,
        name: assignment.name.toUpperCase(),
        scope: assignment.scope.replace("resourcegroups/rg-conf", "resourceGroups/RG-Conf"),
        roleDefinitionId: assignment.roleDefinitionId.toUpperCase(),
        principalId: assignment.principalId.toUpperCase(),
      });
      assert.deepEqual(await storage.authz.getRoleAssignment(assignment.name), assignment);
    });

    test("a taken name raises DuplicateKeyError and writes nothing", async () => {
      const first = assignmentRecord();
      await storage.authz.insertRoleAssignment(first);
      const seq = await storage.changes.latestSeq();
      const error = await storage.authz
        .insertRoleAssignment(assignmentRecord({ name: first.name.toUpperCase() }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof DuplicateKeyError, String(error));
      assert.ok(!(error instanceof DuplicateAssignmentError));
      assert.deepEqual(await storage.authz.getRoleAssignment(first.name), first);
      assert.deepEqual(await changesAfter(seq), []);
    });

    test("the same principal, role and scope under another name raises DuplicateAssignmentError", async () => {
      const first = assignmentRecord();
      await storage.authz.insertRoleAssignment(first);
      const seq = await storage.changes.latestSeq();
      const again = assignmentRecord({
        roleDefinitionId: first.roleDefinitionId.toUpperCase(),
        principalId: first.principalId,
        scope: first.scope.toUpperCase(),
        principalType: "User",
      });
      const error = await storage.authz.insertRoleAssignment(again).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof DuplicateAssignmentError, String(error));
      assert.ok(!(error instanceof DuplicateKeyError), "must not pass for a taken name");
      assert.equal(error.code, "RoleAssignmentExists");
      assert.equal(error.message, "The role assignment already exists.");
      assert.equal(error.existingName, first.name);
      assert.equal(await storage.authz.getRoleAssignment(again.name), undefined);
      assert.deepEqual(await changesAfter(seq), []);

      // Any one of the three differing makes another assignment.
      const others = [
        { scope: SUBSCRIPTION },
        { roleDefinitionId: randomUUID() },
        { principalId: randomUUID() },
      ].map((fields) => assignmentRecord({ ...first, name: randomUUID(), ...fields }));
      for (const other of others) await storage.authz.insertRoleAssignment(other);
    });

    test("update rewrites the mutable fields and refuses another identity", async () => {
      const assignment = assignmentRecord();
      await storage.authz.insertRoleAssignment(assignment);
      const updated: RoleAssignment = {
        ...assignment,
        principalType: "Group",
        description: "now a group",
        condition: "@Request[x] StringEquals 'y'",
        conditionVersion: "2.0",
        updatedOn: NOW + 60_000,
        updatedBy: randomUUID(),
      };
      assert.equal(await storage.authz.updateRoleAssignment(updated), true);
      assert.deepEqual(await storage.authz.getRoleAssignment(assignment.name), updated);

      const cleared = { ...updated };
      delete cleared.description;
      delete cleared.condition;
      delete cleared.conditionVersion;
      delete cleared.updatedBy;
      assert.equal(
        await storage.authz.updateRoleAssignment({ ...cleared, name: cleared.name.toUpperCase() }),
        true,
      );
      assert.deepEqual(await storage.authz.getRoleAssignment(assignment.name), cleared);

      for (const fields of [
        { scope: SUBSCRIPTION },
        { roleDefinitionId: randomUUID() },
        { principalId: randomUUID() },
        { name: randomUUID() },
      ])
        assert.equal(
          await storage.authz.updateRoleAssignment({ ...cleared, ...fields, description: "x" }),
          false,
        );
      assert.deepEqual(await storage.authz.getRoleAssignment(assignment.name), cleared);
    });

    test("delete returns the deleted assignment, then nothing", async () => {
      const assignment = assignmentRecord();
      await storage.authz.insertRoleAssignment(assignment);
      assert.deepEqual(
        await storage.authz.deleteRoleAssignment(assignment.name.toUpperCase()),
        assignment,
      );
      assert.equal(await storage.authz.getRoleAssignment(assignment.name), undefined);
      assert.equal(await storage.authz.deleteRoleAssignment(assignment.name), undefined);
      // Its principal, role and scope are free again.
      await storage.authz.insertRoleAssignment({ ...assignment, name: randomUUID() });
    });

    test("every write that changes a fact appends one change, in order", async () => {
      const { user, group } = await newUserAndGroup();

      const start = await storage.changes.latestSeq();
      const role = roleRecord();
      const assignment = assignmentRecord({ roleDefinitionId: role.id });
      await storage.authz.putCustomRoleDefinition(role);
      await storage.authz.insertRoleAssignment(assignment);
      await storage.authz.updateRoleAssignment({ ...assignment, description: "changed" });
      await storage.directory.addGroupMember(group.id, user.id.toUpperCase());
      await storage.directory.setAccountEnabled(user.id.toUpperCase(), false);
      await storage.authz.deleteRoleAssignment(assignment.name);
      await storage.authz.deleteCustomRoleDefinition(role.id);
      // Writes that change nothing record nothing.
      await storage.authz.deleteRoleAssignment(assignment.name);
      await storage.authz.deleteCustomRoleDefinition(role.id);
      await storage.authz.updateRoleAssignment(assignment);
      await storage.directory.setAccountEnabled(randomUUID(), false);
      await assert.rejects(storage.directory.addGroupMember(group.id, user.id), DuplicateKeyError);

      const changes = await storage.changes.changesSince(start);
      assert.deepEqual(
        changes.map(({ entity, key }) => ({ entity, key })),
        [
          { entity: "roleDefinition", key: role.id },
          { entity: "roleAssignment", key: assignment.name },
          { entity: "roleAssignment", key: assignment.name },
          { entity: "groupMember", key: user.id },
          { entity: "principal", key: user.id },
          { entity: "roleAssignment", key: assignment.name },
          { entity: "roleDefinition", key: role.id },
        ],
      );
      for (let i = 0; i < changes.length; i++)
        assert.ok(changes[i]!.seq > (i === 0 ? start : changes[i - 1]!.seq), "seq increases");
      assert.equal(await storage.changes.latestSeq(), changes.at(-1)!.seq);

      // Only later rows, at most `limit` of them.
      assert.deepEqual(await storage.changes.changesSince(changes[4]!.seq), changes.slice(5));
      assert.deepEqual(await storage.changes.changesSince(changes.at(-1)!.seq), []);
      assert.deepEqual(await storage.changes.changesSince(start, 2), changes.slice(0, 2));
    });

    test("a write whose transaction rolls back leaves no change row", async () => {
      const { user, group } = await newUserAndGroup();
      const seq = await storage.changes.latestSeq();
      const assignment = assignmentRecord();
      const role = roleRecord();
      const failure = new Error("work failed");
      await assert.rejects(
        storage.authz.transaction(async (store) => {
          await store.putCustomRoleDefinition(role);
          await store.insertRoleAssignment(assignment);
          assert.deepEqual(await store.getRoleAssignment(assignment.name), assignment);
          throw failure;
        }),
        (error) => error === failure,
      );
      await assert.rejects(
        storage.directory.transaction(async (store) => {
          assert.equal(await store.setAccountEnabled(user.id, false), true);
          await store.addGroupMember(group.id, user.id);
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.equal(await storage.authz.getRoleAssignment(assignment.name), undefined);
      assert.equal(await storage.authz.getCustomRoleDefinition(role.id), undefined);
      assert.equal((await storage.directory.getPrincipal(user.id))?.accountEnabled, true);
      assert.deepEqual(await storage.directory.listDirectGroups(user.id), []);
      assert.equal(await storage.changes.latestSeq(), seq);
      assert.deepEqual(await changesAfter(seq), []);

      // Committed together: both writes and both changes.
      await storage.authz.transaction(async (store) => {
        await store.putCustomRoleDefinition(role);
        await store.insertRoleAssignment(assignment);
      });
      assert.deepEqual(await changesAfter(seq), [
        { entity: "roleDefinition", key: role.id },
        { entity: "roleAssignment", key: assignment.name },
      ]);
    });

    test("a reader never sees a later change before an earlier one commits", async () => {
      // A second Storage is a second pool on PostgreSQL. SQLite serves one process through one
      // connection (a second one would block the event loop on the file lock): share it.
      const other = backend.oneConnection ? storage : await openStorage(options);
      try {
        const seq = await storage.changes.latestSeq();
        const first = assignmentRecord();
        const second = assignmentRecord();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let wrote!: () => void;
        const firstWrote = new Promise<void>((resolve) => (wrote = resolve));
        const slow = storage.authz.transaction(async (store) => {
          await store.insertRoleAssignment(first);
          wrote();
          await gate;
        });
        await firstWrote;
        const fast = other.authz.insertRoleAssignment(second);
        await new Promise((resolve) => setTimeout(resolve, 150));
        // On SQLite the reader itself waits behind the open transaction: read after release.
        const seen = backend.oneConnection ? [] : await changesAfter(seq);
        assert.deepEqual(seen, [], "a change became visible while an earlier one was open");
        release();
        await Promise.all([slow, fast]);
        assert.deepEqual(await changesAfter(seq), [
          { entity: "roleAssignment", key: first.name },
          { entity: "roleAssignment", key: second.name },
        ]);
      } finally {
        if (other !== storage) await other.close();
      }
    });

    if (!backend.oneConnection) {
      test("concurrent writers on two connections never share a seq", async () => {
        const other = await openStorage(options);
        try {
          const seq = await storage.changes.latestSeq();
          const writes = Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? storage : other).authz.insertRoleAssignment(assignmentRecord()),
          );
          await Promise.all(writes);
          const changes = await other.changes.changesSince(seq);
          assert.equal(changes.length, 40);
          assert.equal(new Set(changes.map((change) => change.seq)).size, 40);
          assert.equal(new Set(changes.map((change) => change.key)).size, 40);
        } finally {
          await other.close();
        }
      });

      test("two replicas racing the same principal, role and scope: one wins, one conflicts", async () => {
        const other = await openStorage(options);
        try {
          const base = assignmentRecord();
          const results = await Promise.allSettled([
            storage.authz.insertRoleAssignment(base),
            other.authz.insertRoleAssignment({ ...base, name: randomUUID() }),
          ]);
          const rejected = results.filter((result) => result.status === "rejected");
          assert.equal(rejected.length, 1);
          assert.ok(
            (rejected[0] as PromiseRejectedResult).reason instanceof DuplicateAssignmentError,
          );
        } finally {
          await other.close();
        }
      });
    }
  });
}
