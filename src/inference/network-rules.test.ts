import assert from "node:assert/strict";
import { test } from "node:test";
import type { NetworkRules } from "./model.js";
import { checkNetworkRules } from "./network-rules.js";

const rules = (overrides: Partial<NetworkRules>): NetworkRules => ({
  publicNetworkAccess: "Enabled",
  ipRules: [],
  ...overrides,
});

test("public access disabled refuses every address with Azure's words", () => {
  const refusal = checkNetworkRules(rules({ publicNetworkAccess: "Disabled" }), "127.0.0.1");
  assert.equal(refusal?.status, 403);
  assert.equal(refusal?.message, "Public access is disabled. Please configure private endpoint.");
});

test("no ACLs, or defaultAction Allow, lets everyone through", () => {
  assert.equal(checkNetworkRules(rules({}), "203.0.113.9"), undefined);
  assert.equal(checkNetworkRules(rules({ defaultAction: "Allow" }), "203.0.113.9"), undefined);
});

test("defaultAction Deny lets through only addresses and ranges in ipRules", () => {
  const deny = rules({
    defaultAction: "Deny",
    ipRules: ["10.1.0.0/16", "203.0.113.9", "2001:db8::/32"],
  });
  assert.equal(checkNetworkRules(deny, "10.1.200.3"), undefined);
  assert.equal(
    checkNetworkRules(deny, "::ffff:10.1.0.1"),
    undefined,
    "IPv4 on a dual-stack socket",
  );
  assert.equal(checkNetworkRules(deny, "203.0.113.9"), undefined);
  assert.equal(checkNetworkRules(deny, "2001:db8::1"), undefined);
  const refusal = checkNetworkRules(deny, "10.2.0.1");
  assert.equal(refusal?.status, 403);
  assert.equal(refusal?.code, "Forbidden");
  assert.equal(refusal?.message, "Access denied due to Virtual Network/Firewall rules.");
});

test("unreadable rules and addresses allow nothing", () => {
  const deny = rules({ defaultAction: "Deny", ipRules: ["not-an-address", "10.0.0.0/99"] });
  assert.equal(checkNetworkRules(deny, "10.0.0.1")?.status, 403);
  assert.equal(
    checkNetworkRules(rules({ defaultAction: "Deny", ipRules: ["10.0.0.1"] }), "")?.status,
    403,
  );
});
