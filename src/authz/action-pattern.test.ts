import assert from "node:assert/strict";
import { test } from "node:test";
import { ActionPatternList, compileActionPattern } from "./action-pattern.js";

const matches = (pattern: string, action: string) =>
  compileActionPattern(pattern).matches(action.toLowerCase());

test("patterns without * match the whole action, ignoring case", () => {
  assert.ok(
    matches(
      "Microsoft.CognitiveServices/accounts/listkeys/action",
      "Microsoft.CognitiveServices/accounts/listKeys/action",
    ),
  );
  assert.ok(
    !matches(
      "Microsoft.CognitiveServices/accounts/read",
      "Microsoft.CognitiveServices/accounts/readx",
    ),
  );
  assert.ok(
    !matches(
      "Microsoft.CognitiveServices/accounts/read",
      "x/Microsoft.CognitiveServices/accounts/read",
    ),
  );
});

test("* matches any characters, slashes included", () => {
  assert.ok(matches("*", "Microsoft.Anything/at/all/action"));
  assert.ok(matches("*/read", "Microsoft.CognitiveServices/accounts/deployments/read"));
  assert.ok(!matches("*/read", "Microsoft.CognitiveServices/accounts/deployments/write"));
  assert.ok(!matches("*/read", "Microsoft.CognitiveServices/accounts/readers/action"));
  assert.ok(
    matches(
      "Microsoft.CognitiveServices/*",
      "Microsoft.CognitiveServices/accounts/MaaS/chat/completions/action",
    ),
  );
  assert.ok(
    !matches("Microsoft.CognitiveServices/*", "Microsoft.CognitiveServicesX/accounts/read"),
  );
  assert.ok(
    matches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"),
  );
  assert.ok(
    matches(
      "Microsoft.CognitiveServices/*/read",
      "Microsoft.CognitiveServices/accounts/OpenAI/stored-completions/read",
    ),
  );
});

test("several * match in order, and never overlap the prefix or suffix", () => {
  assert.ok(matches("a/*/b/*/c", "a/x/b/y/c"));
  assert.ok(matches("a/*/b/*/c", "a/b/b/b/c"));
  assert.ok(!matches("a/*/b/*/c", "a/x/c/y/b"));
  assert.ok(!matches("ab*ba", "aba"), "prefix and suffix may not share characters");
  assert.ok(matches("ab*ba", "abba"));
  assert.ok(matches("a**b", "ab"));
  assert.ok(!matches("a*xyz*b", "axyb"));
});

test("a list names the first pattern that matched, as written in the role", () => {
  const list = new ActionPatternList(["Microsoft.Support/*", "*/read"]);
  assert.equal(list.firstMatch("microsoft.support/tickets/read"), "Microsoft.Support/*");
  assert.equal(list.firstMatch("microsoft.insights/metrics/read"), "*/read");
  assert.equal(list.firstMatch("microsoft.insights/metrics/write"), undefined);
  assert.ok(new ActionPatternList([]).isEmpty);
});
