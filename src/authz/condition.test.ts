import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ConditionSyntaxError, compileCondition, parseCondition } from "./condition.js";

const AI_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d";
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const REQUEST_ROLE = "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]";
const RESOURCE_ROLE = "@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId]";
const WRITE = "microsoft.authorization/roleassignments/write";
const DELETE = "microsoft.authorization/roleassignments/delete";

const builtInConditions = (
  JSON.parse(readFileSync(new URL("./builtin-roles.json", import.meta.url), "utf8")) as {
    properties: { permissions: { condition?: string }[] };
  }[]
).flatMap((role) => role.properties.permissions.flatMap((block) => block.condition ?? []));

test("every condition in the built-in roles parses", () => {
  assert.equal(builtInConditions.length, 2, "Azure AI Project Manager and Azure AI Account Owner");
  for (const condition of builtInConditions) assert.doesNotThrow(() => parseCondition(condition));
});

test("the delegation condition lets only Azure AI User be assigned or unassigned", () => {
  const condition = parseCondition(builtInConditions[0]!);
  const holds = (action: string, attributes?: Record<string, string[]>) =>
    condition.holds({ action, attributes });
  assert.ok(holds("microsoft.cognitiveservices/accounts/read"), "other actions pass");
  assert.ok(holds(WRITE, { [REQUEST_ROLE]: [AI_USER] }));
  assert.ok(holds(WRITE, { [REQUEST_ROLE]: [AI_USER.toUpperCase()] }), "GUIDs ignore case");
  assert.ok(!holds(WRITE, { [REQUEST_ROLE]: [OWNER] }));
  assert.ok(!holds(WRITE), "a missing attribute never satisfies ForAnyOfAnyValues");
  assert.ok(!holds(WRITE, { [RESOURCE_ROLE]: [AI_USER] }), "write reads @Request, not @Resource");
  assert.ok(holds(DELETE, { [RESOURCE_ROLE]: [AI_USER] }));
  assert.ok(!holds(DELETE, { [RESOURCE_ROLE]: [OWNER] }));
  assert.ok(holds(WRITE, { [REQUEST_ROLE]: [OWNER, AI_USER] }), "any of any values");
});

test("attributes may also be keyed by the bare attribute name", () => {
  const condition = parseCondition(builtInConditions[0]!);
  const attributes = { "Microsoft.Authorization/roleAssignments:RoleDefinitionId": [AI_USER] };
  assert.ok(condition.holds({ action: WRITE, attributes }));
  assert.ok(
    !condition.holds({
      action: WRITE,
      attributes: { ...attributes, [REQUEST_ROLE]: [OWNER] },
    }),
    "the source-qualified key wins",
  );
});

test("&&, ||, NOT and nested parentheses mean what AND, OR and ! mean", () => {
  const c = parseCondition(
    "(ActionMatches{'a/*'} && NOT (ActionMatches{'*/c'})) || ActionMatches{'x/*'}",
  );
  assert.ok(c.holds({ action: "a/b" }));
  assert.ok(!c.holds({ action: "a/c" }));
  assert.ok(c.holds({ action: "x/c" }));
  assert.ok(!c.holds({ action: "y/b" }));
  const same = parseCondition(
    "(ActionMatches{'a/*'} AND !(ActionMatches{'*/c'})) OR ActionMatches{'x/*'}",
  );
  for (const action of ["a/b", "a/c", "x/c", "y/b"]) {
    assert.equal(same.holds({ action }), c.holds({ action }), action);
  }
  assert.ok(
    parseCondition("ActionMatches{'A/*'}").holds({ action: "a/x" }),
    "patterns ignore case",
  );
});

test("anything outside the subset is a syntax error", () => {
  const refused = [
    "",
    "(ActionMatches{'a'}",
    "ActionMatches{'a'})",
    "ActionMatches{a}",
    "ActionMatches{'a'} AND ActionMatches{'b'} OR ActionMatches{'c'}",
    "@Request[x] ForAnyOfAnyValues:StringEquals {'a'}",
    "@Request[x] StringEquals 'a'",
    "@Principal[x] ForAnyOfAnyValues:GuidEquals {53ca6127-db72-4b80-b1b0-d745d6d5456d}",
    "@Request[x] ForAnyOfAnyValues:GuidEquals {not-a-guid}",
    "@Request[x] ForAnyOfAnyValues:GuidEquals {}",
    "SubOperationMatches{'Blob.List'}",
    "true",
    "ActionMatches{'a'} ANDActionMatches{'b'}",
    "!".repeat(100) + "ActionMatches{'a'}",
  ];
  for (const source of refused) {
    assert.throws(() => parseCondition(source), ConditionSyntaxError, JSON.stringify(source));
  }
});

test("a condition that does not parse compiles to one that never holds (fail closed)", () => {
  const broken = compileCondition("(!(ActionMatches{'x'})) OR (@Request[a] Whatever {b})", "2.0");
  assert.match(broken.error!, /GuidEquals/);
  assert.equal(broken.holds({ action: "anything" }), false);
  assert.equal(broken.holds({ action: "x" }), false);
  const wrongVersion = compileCondition("ActionMatches{'x'}", "1.0");
  assert.match(wrongVersion.error!, /conditionVersion/);
  assert.equal(wrongVersion.holds({ action: "x" }), false);
  assert.equal(compileCondition("ActionMatches{'x'}").holds({ action: "x" }), true);
});
