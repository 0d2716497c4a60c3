import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidScopeError, isScopeAtOrBelow, normalizeScope, scopeAncestors } from "./scopes.js";

const sub = "/subscriptions/641ffffa-d3d2-4e17-b83f-bbd8b3a1b57c";
const rg = `${sub}/resourcegroups/rg1`;
const account = `${rg}/providers/microsoft.cognitiveservices/accounts/acct`;
const deployment = `${account}/deployments/chat`;

test("scopes are lowercased, duplicate slashes collapse, a trailing slash goes", () => {
  assert.equal(normalizeScope("/"), "/");
  assert.equal(normalizeScope("//"), "/");
  assert.equal(normalizeScope("/Subscriptions/ABC/"), "/subscriptions/abc");
  assert.equal(
    normalizeScope("/subscriptions//641FFFFA-d3d2-4e17-b83f-bbd8b3a1b57c///resourceGroups/RG1/"),
    rg,
  );
  assert.equal(
    normalizeScope(
      "/subscriptions/641ffffa-d3d2-4e17-b83f-bbd8b3a1b57c/resourceGroups/rg1/providers/Microsoft.CognitiveServices/accounts/Acct/deployments/Chat",
    ),
    deployment,
  );
});

test("malformed scopes are refused with a clear error", () => {
  const refused: [string, RegExp][] = [
    ["", /starts with '\/'/],
    ["subscriptions/abc", /starts with '\/'/],
    ["/subscriptions", /does not end at/],
    ["/subscriptions/..", /'\.' and '\.\.'/],
    ["/subscriptions/abc/resourceGroups/../x", /'\.' and '\.\.'/],
    ["/tenants/abc", /must start with \/subscriptions/],
    ["/providers/Microsoft.Management/managementGroups/m", /must start with \/subscriptions/],
    ["/subscriptions/abc/resourcegroups", /does not end at/],
    ["/subscriptions/abc/locks/x", /resourceGroups/],
    ["/subscriptions/abc/resourcegroups/rg/things/x", /\/providers/],
    ["/subscriptions/abc/resourcegroups/rg/providers/ns/type", /does not end at/],
    ["/subscriptions/abc/resourcegroups/rg/providers/ns/type/name/child", /does not end at/],
    [`${account}/providers/Microsoft.Authorization/roleAssignments/x`, /extension resources/],
    ["/subscriptions/a b", /forbidden character/],
    ["/subscriptions/a?b=c", /forbidden character/],
    ["/subscriptions/a\\b", /forbidden character/],
    ["/subscriptions/a%2e", /forbidden character/],
  ];
  for (const [scope, message] of refused) {
    assert.throws(
      () => normalizeScope(scope),
      (error: unknown) => error instanceof InvalidScopeError && message.test(error.message),
      scope,
    );
  }
});

test("ancestors run from / to the scope at every ARM resource boundary", () => {
  assert.deepEqual(scopeAncestors("/"), ["/"]);
  assert.deepEqual(scopeAncestors(sub), ["/", sub]);
  assert.deepEqual(scopeAncestors(rg.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions")), [
    "/",
    sub,
    rg,
  ]);
  assert.deepEqual(scopeAncestors(deployment), ["/", sub, rg, account, deployment]);
  assert.deepEqual(scopeAncestors(`${deployment}/things/t`), [
    "/",
    sub,
    rg,
    account,
    deployment,
    `${deployment}/things/t`,
  ]);
});

test("a resource may be named like a keyword", () => {
  assert.equal(
    normalizeScope(`${account}/deployments/providers`),
    `${account}/deployments/providers`,
  );
});

test("isScopeAtOrBelow follows segment boundaries, not string prefixes", () => {
  assert.ok(isScopeAtOrBelow(deployment, "/"));
  assert.ok(isScopeAtOrBelow(deployment, rg));
  assert.ok(isScopeAtOrBelow(rg, rg));
  assert.ok(!isScopeAtOrBelow(`${sub}/resourcegroups/rg10`, rg));
  assert.ok(!isScopeAtOrBelow(rg, deployment));
});
