import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { builtInRoleIds, builtInRoles } from "./builtin-roles.js";

const copy = new URL("./builtin-roles.json", import.meta.url);
const contract = new URL("../../../shared/contract/builtin-roles.json", import.meta.url);

test("the shipped copy is byte-identical to contract/builtin-roles.json", (t) => {
  if (!existsSync(contract)) {
    t.skip("no ../shared/contract beside the repository");
    return;
  }
  assert.ok(readFileSync(copy).equals(readFileSync(contract)));
});

test("built-in roles load with their GUIDs (lowercase) as ids", () => {
  const roles = builtInRoles();
  assert.equal(roles.length, 15);
  for (const role of roles) {
    assert.match(role.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(role.type, "BuiltInRole");
    assert.deepEqual(role.assignableScopes, ["/"]);
  }
  const byName = new Map(roles.map((role) => [role.roleName, role]));
  assert.equal(byName.get("Owner")?.id, builtInRoleIds.owner);
  assert.equal(
    byName.get("Cognitive Services OpenAI User")?.id,
    builtInRoleIds.cognitiveServicesOpenAiUser,
  );
  assert.equal(byName.get("Azure AI User")?.id, builtInRoleIds.azureAiUser);
  const projectManager = byName.get("Azure AI Project Manager")!;
  assert.equal(projectManager.permissions[0]?.conditionVersion, "2.0");
  assert.match(projectManager.permissions[0]?.condition ?? "", /ActionMatches/);
});

test("every call returns fresh copies", () => {
  const first = builtInRoles();
  first[0]!.permissions[0]!.actions.push("Microsoft.Evil/*");
  assert.ok(!builtInRoles()[0]!.permissions[0]!.actions.includes("Microsoft.Evil/*"));
});
