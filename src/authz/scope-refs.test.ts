import assert from "node:assert/strict";
import { test } from "node:test";
import { existingScopeRef, scopeChain, scopeRef } from "./scope-refs.js";
import { InvalidScopeError } from "./scopes.js";

// Unique per run of this file: the ref table lives as long as the process.
const sub = `/subscriptions/${crypto.randomUUID()}`;
const rg = `${sub}/resourcegroups/rg1`;
const account = `${rg}/providers/microsoft.cognitiveservices/accounts/acct`;
const deployment = `${account}/deployments/chat`;

test("one ref per scope, created only on demand", () => {
  assert.equal(existingScopeRef(rg), undefined);
  const ref = scopeRef(rg);
  assert.equal(ref.scope, rg);
  assert.ok(Object.isFrozen(ref));
  assert.equal(scopeRef(rg), ref);
  assert.equal(existingScopeRef(rg), ref);
});

test("a chain lists the refs of ancestors that have one, nearest first", () => {
  const subRef = scopeRef(sub);
  const rgRef = scopeRef(rg);
  const chain = scopeChain(deployment.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions"));
  assert.equal(chain.scope, deployment);
  const rootRef = existingScopeRef("/");
  assert.deepEqual(chain.refs, rootRef ? [rgRef, subRef, rootRef] : [rgRef, subRef]);
  assert.equal(scopeChain(deployment), scopeChain(deployment), "memoised");
});

test("a new ref refreshes chains memoised before it existed", () => {
  const before = scopeChain(deployment);
  assert.ok(!before.refs.some((ref) => ref.scope === account));
  const accountRef = scopeRef(account);
  assert.equal(scopeChain(deployment).refs[0], accountRef);
});

test("a malformed scope throws", () => {
  assert.throws(() => scopeChain("/subscriptions/../x"), InvalidScopeError);
});
