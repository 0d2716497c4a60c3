/** Behaviour the decision tables (test/authz-cases) do not show: the shape of reasons, purity. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthzIndex } from "./authz-index.js";
import { builtInRoleIds } from "./builtin-roles.js";
import { decide, effectivePermissions } from "./decide.js";
import type { AccessRequest, AuthzFacts, RoleAssignment, RoleDefinition } from "./model.js";
import { InvalidScopeError } from "./scopes.js";

const sub = "/subscriptions/641ffffa-d3d2-4e17-b83f-bbd8b3a1b57c";
const rg = `${sub}/resourcegroups/rg1`;
const deployment = `${rg}/providers/microsoft.cognitiveservices/accounts/acct/deployments/chat`;
const CHAT = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action";

let counter = 0;
const assign = (index: AuthzIndex, principalId: string, roleDefinitionId: string, scope: string) =>
  index.putAssignment({
    name: `assignment-${++counter}`,
    scope,
    roleDefinitionId,
    principalId,
    principalType: "User",
    createdOn: 0,
    updatedOn: 0,
  });
const chat = (overrides: Partial<AccessRequest> = {}): AccessRequest => ({
  principalId: "alice",
  groupIds: [],
  action: CHAT,
  kind: "dataAction",
  scope: deployment,
  ...overrides,
});

test("an allowed decision names every granting assignment, nearest scope first", () => {
  const index = new AuthzIndex();
  const atSub = assign(index, "alice", builtInRoleIds.cognitiveServicesUser, sub);
  const atDeployment = assign(index, "g1", builtInRoleIds.cognitiveServicesOpenAiUser, deployment);
  assign(index, "alice", builtInRoleIds.owner, rg); // grants no dataAction
  const decision = decide(chat({ groupIds: ["g1"] }), index);
  assert.deepEqual(decision, {
    allowed: true,
    grants: [
      {
        assignment: atDeployment,
        roleDefinitionId: builtInRoleIds.cognitiveServicesOpenAiUser,
        roleName: "Cognitive Services OpenAI User",
        matched: CHAT,
      },
      {
        assignment: atSub,
        roleDefinitionId: builtInRoleIds.cognitiveServicesUser,
        roleName: "Cognitive Services User",
        matched: "Microsoft.CognitiveServices/*",
      },
    ],
  });
});

test("a denied decision names the action, its kind and the normalised scope", () => {
  const index = new AuthzIndex();
  assign(index, "alice", builtInRoleIds.owner, "/");
  assert.deepEqual(
    decide(
      chat({ scope: deployment.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions") }),
      index,
    ),
    {
      allowed: false,
      action: CHAT,
      kind: "dataAction",
      scope: deployment,
    },
  );
});

test("a principal repeated in its own groups reports each assignment once", () => {
  const index = new AuthzIndex();
  assign(index, "alice", builtInRoleIds.cognitiveServicesUser, rg);
  const decision = decide(chat({ groupIds: ["alice", "alice"] }), index);
  assert.ok(decision.allowed && decision.grants.length === 1);
});

test("a malformed scope throws rather than deciding", () => {
  assert.throws(
    () => decide(chat({ scope: "/subscriptions/../x" }), new AuthzIndex()),
    InvalidScopeError,
  );
});

test("a block whose condition fails does not stop another block of the role from granting", () => {
  const index = new AuthzIndex();
  const role: RoleDefinition = {
    id: "22222222-2222-4222-8222-222222222222",
    roleName: "Two blocks",
    description: "",
    type: "CustomRole",
    assignableScopes: ["/"],
    permissions: [
      {
        actions: ["*/read"],
        notActions: [],
        dataActions: [],
        notDataActions: [],
        condition: "nonsense",
        conditionVersion: "2.0",
      },
      {
        actions: ["Microsoft.CognitiveServices/accounts/read"],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ],
  };
  index.putRole(role);
  assign(index, "alice", role.id, rg);
  const read = (action: string) => decide(chat({ action, kind: "action" }), index);
  const decision = read("Microsoft.CognitiveServices/accounts/read");
  assert.ok(decision.allowed);
  assert.equal(decision.grants[0]?.matched, "Microsoft.CognitiveServices/accounts/read");
  assert.equal(
    read("Microsoft.Insights/metrics/read").allowed,
    false,
    "the broken block grants nothing",
  );
});

test("decide reads only what AuthzFacts offers (any implementation will do)", () => {
  const role: RoleDefinition = new AuthzIndex().roleDefinition(
    builtInRoleIds.cognitiveServicesUser,
  )!;
  const only: RoleAssignment = {
    name: "x",
    scope: rg,
    roleDefinitionId: role.id,
    principalId: "alice",
    principalType: "User",
    createdOn: 0,
    updatedOn: 0,
  };
  const at = (scope: string, principalId: string) =>
    scope === rg && principalId === "alice" ? [only] : [];
  const facts: AuthzFacts = {
    assignmentsAt: at,
    assignmentsOf: (principalId) => ({ at: (scope) => at(scope.scope, principalId) }),
    roleDefinition: (id) => (id === role.id ? role : undefined),
  };
  assert.equal(decide(chat(), facts).allowed, true);
  assert.equal(decide(chat({ principalId: "bob" }), facts).allowed, false);
});

test("effective permissions list each block of each role assigned at or above the scope once", () => {
  const index = new AuthzIndex();
  assign(index, "alice", builtInRoleIds.reader, sub);
  assign(index, "g1", builtInRoleIds.cognitiveServicesOpenAiUser, rg);
  assign(index, "alice", builtInRoleIds.cognitiveServicesOpenAiUser, deployment);
  assign(
    index,
    "alice",
    builtInRoleIds.owner,
    `${rg}/providers/microsoft.cognitiveservices/accounts/other`,
  );
  const permissions = effectivePermissions("alice", ["g1"], deployment, index);
  assert.equal(permissions.length, 2);
  assert.deepEqual(
    permissions.map((block) => block.actions[0]),
    ["*/read", "Microsoft.CognitiveServices/*/read"],
  );
  assert.deepEqual(permissions[1]?.notDataActions, [
    "Microsoft.CognitiveServices/accounts/OpenAI/stored-completions/read",
  ]);
  assert.deepEqual(effectivePermissions("bob", [], deployment, index), []);
  const manager = new AuthzIndex();
  assign(manager, "alice", "eadc314b-1a2d-4efa-be10-5d325db5065e", rg);
  assert.equal(effectivePermissions("alice", [], rg, manager)[0]?.conditionVersion, "2.0");
});
