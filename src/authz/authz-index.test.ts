import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthzIndex } from "./authz-index.js";
import { builtInRoleIds } from "./builtin-roles.js";
import { decide } from "./decide.js";
import type { AccessRequest, RoleAssignment, RoleDefinition } from "./model.js";
import { InvalidScopeError } from "./scopes.js";

const rg = "/subscriptions/641ffffa-d3d2-4e17-b83f-bbd8b3a1b57c/resourceGroups/RG1";
const deployment = `${rg}/providers/Microsoft.CognitiveServices/accounts/acct/deployments/chat`;
const CHAT = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action";

const assignment = (overrides: Partial<RoleAssignment> = {}): RoleAssignment => ({
  name: "A1B2C3D4-0000-4000-8000-000000000001",
  scope: rg,
  roleDefinitionId: builtInRoleIds.cognitiveServicesOpenAiUser,
  principalId: "ALICE",
  principalType: "User",
  createdOn: 0,
  updatedOn: 0,
  ...overrides,
});
const chat = (principalId = "alice", groupIds: string[] = []): AccessRequest => ({
  principalId,
  groupIds,
  action: CHAT,
  kind: "dataAction",
  scope: deployment,
});

test("built-in roles are preloaded unless asked otherwise", () => {
  assert.equal(new AuthzIndex().roleDefinition(builtInRoleIds.owner)?.roleName, "Owner");
  assert.equal(new AuthzIndex({ builtIns: false }).roleDefinition(builtInRoleIds.owner), undefined);
  assert.deepEqual(
    new AuthzIndex().findRolesByName("cognitive services user").map((role) => role.id),
    [builtInRoleIds.cognitiveServicesUser],
  );
});

test("stored assignments are normalised, frozen copies found by scope, principal and name", () => {
  const index = new AuthzIndex();
  const stored = index.putAssignment(assignment());
  assert.equal(stored.scope, rg.toLowerCase());
  assert.equal(stored.principalId, "alice");
  assert.equal(stored.name, "a1b2c3d4-0000-4000-8000-000000000001");
  assert.ok(Object.isFrozen(stored));
  assert.deepEqual(index.assignmentsAt(rg.toLowerCase(), "alice"), [stored]);
  assert.deepEqual(index.assignmentsForScope(rg), [stored]);
  assert.deepEqual(index.assignmentsForScope(deployment), [], "exactly at the scope only");
  assert.deepEqual(index.assignmentsForPrincipal("Alice"), [stored]);
  assert.equal(index.getAssignment(stored.name.toUpperCase()), stored);
  assert.deepEqual(index.allAssignments(), [stored]);
  assert.equal(index.assignmentCount, 1);
});

test("an invalid scope is refused before anything changes", () => {
  const index = new AuthzIndex();
  index.putAssignment(assignment());
  assert.throws(() => index.putAssignment(assignment({ scope: "/nowhere/x" })), InvalidScopeError);
  assert.equal(index.assignmentCount, 1);
  assert.equal(decide(chat(), index).allowed, true, "the old assignment stands");
});

test("removing an assignment denies the next decision", () => {
  const index = new AuthzIndex();
  const stored = index.putAssignment(assignment());
  assert.equal(decide(chat(), index).allowed, true);
  assert.equal(index.removeAssignment(stored.name), stored);
  assert.equal(decide(chat(), index).allowed, false);
  assert.equal(index.removeAssignment(stored.name), undefined, "already gone");
  assert.deepEqual(index.assignmentsForScope(rg), []);
  assert.deepEqual(index.assignmentsForPrincipal("alice"), []);
  assert.equal(index.assignmentCount, 0);
});

test("putting an assignment under an existing name replaces it everywhere", () => {
  const index = new AuthzIndex();
  index.putAssignment(assignment());
  index.putAssignment(
    assignment({ scope: `${rg}/providers/Microsoft.CognitiveServices/accounts/other` }),
  );
  assert.equal(index.assignmentCount, 1);
  assert.equal(decide(chat(), index).allowed, false, "the old scope no longer grants");
  index.putAssignment(assignment()); // and back, through an emptied scope entry
  assert.equal(decide(chat(), index).allowed, true);
  assert.equal(index.assignmentsForScope(rg).length, 1);
});

test("group assignments apply to members passed in groupIds", () => {
  const index = new AuthzIndex();
  index.putAssignment(assignment({ principalId: "G1", principalType: "Group" }));
  assert.equal(decide(chat("alice"), index).allowed, false);
  assert.equal(decide(chat("alice", ["g1"]), index).allowed, true);
});

test("a role changed or removed takes effect on the next decision", () => {
  const index = new AuthzIndex();
  const custom: RoleDefinition = {
    id: "11111111-2222-4333-8444-555555555555",
    roleName: "Chat only",
    description: "",
    type: "CustomRole",
    assignableScopes: ["/"],
    permissions: [{ actions: [], notActions: [], dataActions: [CHAT], notDataActions: [] }],
  };
  index.putRole(custom);
  index.putAssignment(assignment({ roleDefinitionId: custom.id.toUpperCase() }));
  assert.equal(decide(chat(), index).allowed, true);
  index.putRole({
    ...custom,
    permissions: [{ actions: [], notActions: [], dataActions: ["x/*"], notDataActions: [] }],
  });
  assert.equal(decide(chat(), index).allowed, false, "the replaced role no longer grants");
  index.putRole(custom);
  assert.equal(decide(chat(), index).allowed, true);
  assert.ok(index.removeRole(custom.id));
  assert.equal(
    decide(chat(), index).allowed,
    false,
    "an assignment of a deleted role grants nothing",
  );
});

test("findDuplicate finds the same role for the same principal at the same scope only", () => {
  const index = new AuthzIndex();
  const stored = index.putAssignment(assignment());
  const role = builtInRoleIds.cognitiveServicesOpenAiUser;
  assert.equal(index.findDuplicate("ALICE", role.toUpperCase(), rg.toUpperCase()), stored);
  assert.equal(index.findDuplicate("alice", builtInRoleIds.owner, rg), undefined);
  assert.equal(index.findDuplicate("bob", role, rg), undefined);
  assert.equal(index.findDuplicate("alice", role, deployment), undefined);
});

test("an assignment at a scope never used before applies to scopes decided before", () => {
  const index = new AuthzIndex();
  const fresh = `/subscriptions/${crypto.randomUUID()}/resourcegroups/rg`;
  const below = `${fresh}/providers/microsoft.cognitiveservices/accounts/a/deployments/d`;
  assert.equal(decide(chat("alice"), index).allowed, false);
  assert.equal(decide({ ...chat("alice"), scope: below }, index).allowed, false);
  index.putAssignment(assignment({ scope: fresh }));
  assert.equal(decide({ ...chat("alice"), scope: below }, index).allowed, true);
});

test("scope strings are interned: assignments at one scope share one string", () => {
  const index = new AuthzIndex();
  const a = index.putAssignment(
    assignment({ scope: rg.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions") }),
  );
  const b = index.putAssignment(assignment({ name: "other", principalId: "bob", scope: `${rg}/` }));
  assert.equal(a.scope, b.scope);
  assert.ok(Object.is(a.scope, b.scope));
});

test("a principal with assignments at many scopes keeps every one findable as they come and go", () => {
  const index = new AuthzIndex();
  const scopes = Array.from(
    { length: 40 },
    (_, i) => `${rg}/providers/Microsoft.CognitiveServices/accounts/a${i}`,
  );
  scopes.forEach((scope, i) => index.putAssignment(assignment({ name: `n${i}`, scope })));
  for (let i = 0; i < 40; i += 3) index.removeAssignment(`n${i}`);
  scopes.forEach((scope, i) => {
    const expected = i % 3 === 0 ? 0 : 1;
    assert.equal(index.assignmentsAt(scope.toLowerCase(), "alice").length, expected, scope);
  });
  for (let i = 0; i < 40; i++) index.removeAssignment(`n${i}`);
  assert.deepEqual(index.assignmentsForPrincipal("alice"), []);
  index.putAssignment(assignment({ name: "again", scope: scopes[5] }));
  assert.equal(index.assignmentsAt(scopes[5]!.toLowerCase(), "alice").length, 1);
});
