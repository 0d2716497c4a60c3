/**
 * Runs every decision table in test/authz-cases through `decide`, in process: the roles, groups
 * and assignments of a table go into an AuthzIndex, and each case must come out as written,
 * with the same granting assignments (role and scope, and principal where the table names it).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import {
  AuthzIndex,
  GroupMemberships,
  decide,
  isScopeAtOrBelow,
  normalizeScope,
  type Decision,
  type PrincipalType,
  type RoleDefinition,
} from "../../src/authz/index.js";
import {
  loadDecisionTables,
  type DecisionTable,
  type ExpectedGrant,
  type TableCase,
} from "./decision-table.js";

/** A stable GUID for a custom role the table gives no id. */
function roleGuid(file: string, roleName: string): string {
  const hex = createHash("sha256").update(`${file}\n${roleName}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function principalType(table: DecisionTable, principal: string): PrincipalType {
  if (principal in table.groups) return "Group";
  const declared = table.principals[principal];
  return declared === "ManagedIdentity" ? "ServicePrincipal" : (declared ?? "User");
}

interface World {
  index: AuthzIndex;
  groups: GroupMemberships;
}

function buildWorld(table: DecisionTable): World {
  const index = new AuthzIndex();
  for (const role of table.roles) {
    const definition: RoleDefinition = {
      ...role,
      id: role.id ?? roleGuid(table.file, role.roleName),
      type: "CustomRole",
    };
    index.putRole(definition);
  }
  const groups = new GroupMemberships();
  for (const [group, members] of Object.entries(table.groups)) {
    for (const member of members) groups.addMember(group, member);
  }
  table.assignments.forEach((assignment, i) => {
    const roles = index.findRolesByName(assignment.role);
    if (roles.length !== 1) {
      throw new Error(
        `${table.file}: assignments[${i}]: role '${assignment.role}' is not one role`,
      );
    }
    const role = roles[0]!;
    const scope = normalizeScope(assignment.scope);
    const assignable = role.assignableScopes.some((allowed) =>
      isScopeAtOrBelow(scope, normalizeScope(allowed)),
    );
    if (!assignable) {
      throw new Error(
        `${table.file}: assignments[${i}]: '${role.roleName}' is not assignable at ${scope}`,
      );
    }
    index.putAssignment({
      name: `${table.file}#${i}`,
      scope,
      roleDefinitionId: role.id,
      principalId: assignment.principal,
      principalType: principalType(table, assignment.principal),
      ...(assignment.condition !== undefined ? { condition: assignment.condition } : {}),
      ...(assignment.conditionVersion !== undefined
        ? { conditionVersion: assignment.conditionVersion }
        : {}),
      createdOn: 0,
      updatedOn: 0,
    });
  });
  return { index, groups };
}

function describeGrants(decision: Decision): string {
  if (!decision.allowed) return "denied";
  return decision.grants
    .map(
      (grant) => `${grant.roleName} @ ${grant.assignment.scope} (${grant.assignment.principalId})`,
    )
    .join("; ");
}

/** Each expected grant matches a different actual one, and none is left over. */
function assertGrants(decision: Decision, expected: ExpectedGrant[]): void {
  assert.ok(decision.allowed);
  const unmatched = [...decision.grants];
  for (const want of expected) {
    const at = unmatched.findIndex(
      (grant) =>
        grant.roleName.toLowerCase() === want.role.toLowerCase() &&
        grant.assignment.scope === normalizeScope(want.scope) &&
        (want.principal === undefined ||
          grant.assignment.principalId === want.principal.toLowerCase()),
    );
    assert.ok(
      at >= 0,
      `expected a grant by ${want.role} @ ${want.scope}; got ${describeGrants(decision)}`,
    );
    unmatched.splice(at, 1);
  }
  assert.equal(unmatched.length, 0, `unexpected grants; got ${describeGrants(decision)}`);
}

function runCase(world: World, entry: TableCase): void {
  const decision = decide(
    {
      principalId: entry.principal, // as written: requests carry ids lowercase, as tokens do
      groupIds: world.groups.transitiveGroupsOf(entry.principal),
      action: entry.action,
      kind: entry.kind,
      scope: entry.scope,
      ...(entry.attributes ? { attributes: entry.attributes } : {}),
    },
    world.index,
  );
  if (entry.expect === "allowed") {
    assert.equal(decision.allowed, true, `expected allowed, got denied`);
    assertGrants(decision, entry.grantedBy);
  } else {
    assert.deepEqual(
      decision,
      {
        allowed: false,
        action: entry.action,
        kind: entry.kind,
        scope: normalizeScope(entry.scope),
      },
      `expected denied; granted by ${describeGrants(decision)}`,
    );
  }
}

const tables = loadDecisionTables();

test("the decision tables cover enough ground", () => {
  const cases = tables.flatMap((table) => table.cases);
  assert.ok(tables.length >= 6, `${tables.length} tables`);
  assert.ok(cases.length >= 60, `${cases.length} cases`);
  for (const table of tables) {
    const names = table.cases.map((entry) => entry.name);
    assert.equal(new Set(names).size, names.length, `${table.file}: case names are unique`);
  }
});

for (const table of tables) {
  describe(`${table.file}: ${table.description}`, () => {
    const world = buildWorld(table);
    for (const entry of table.cases) test(entry.name, () => runCase(world, entry));
  });
}
