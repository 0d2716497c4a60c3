import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupMemberships } from "./group-memberships.js";

test("membership is expanded through nested groups, nearest first", () => {
  const groups = new GroupMemberships();
  groups.addMember("g1", "alice");
  groups.addMember("g2", "g1");
  groups.addMember("g3", "g2");
  groups.addMember("other", "bob");
  assert.deepEqual(groups.transitiveGroupsOf("alice"), ["g1", "g2", "g3"]);
  assert.deepEqual(groups.transitiveGroupsOf("ALICE"), ["g1", "g2", "g3"], "ids ignore case");
  assert.deepEqual(groups.transitiveGroupsOf("g1"), ["g2", "g3"]);
  assert.deepEqual(groups.transitiveGroupsOf("nobody"), []);
});

test("cycles end the walk, and the principal is never its own group", () => {
  const groups = new GroupMemberships();
  groups.addMember("g1", "g2");
  groups.addMember("g2", "g1");
  groups.addMember("g1", "alice");
  assert.deepEqual(groups.transitiveGroupsOf("alice"), ["g1", "g2"]);
  assert.deepEqual(groups.transitiveGroupsOf("g1"), ["g2"]);
});

test("removing a membership takes effect on the next expansion", () => {
  const groups = new GroupMemberships();
  groups.addMember("g1", "alice");
  groups.addMember("g2", "g1");
  groups.removeMember("g2", "g1");
  assert.deepEqual(groups.transitiveGroupsOf("alice"), ["g1"]);
  groups.removeMember("g1", "alice");
  assert.deepEqual(groups.transitiveGroupsOf("alice"), []);
  assert.deepEqual(groups.directGroupsOf("alice"), []);
});
