/** Every control-plane write leaves an activity-log entry: who, what, when, result. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { devUser, mintToken } from "../support/arm-requests.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";

let keyless: TestKeyless;
before(async () => {
  keyless = await startTestKeyless();
});
after(async () => {
  await keyless?.stop();
});

test("writes are logged with caller, operation and result; reads are not", async () => {
  const { env } = keyless;
  const owner = await mintToken(keyless, devUser(keyless));
  const app = await mintToken(keyless, {
    appId: env.servicePrincipal.appId,
    secret: env.servicePrincipal.secret,
  });
  const group = `/subscriptions/${env.subscriptionId}/resourcegroups/logged-rg?api-version=2021-04-01`;
  const put = (token: string) =>
    keyless.server.https.inject({
      method: "PUT",
      url: group,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: { location: "eastus" },
    });
  assert.equal((await put(owner)).statusCode, 201);
  assert.equal((await put(app)).statusCode, 403);
  await keyless.server.https.inject({ url: group, headers: { authorization: `Bearer ${owner}` } });

  const [refused, created] = await keyless.server.storage.activityLog.listActivity(10);
  assert.equal(created?.operation, "ResourceGroups_CreateOrUpdate");
  assert.equal(created?.callerObjectId, env.user.objectId);
  assert.equal(created?.callerName, env.user.userPrincipalName);
  assert.equal(created?.status, 201);
  assert.equal(
    created?.resourceId,
    `/subscriptions/${env.subscriptionId}/resourcegroups/logged-rg`,
  );
  assert.equal(refused?.callerObjectId, env.servicePrincipal.objectId);
  assert.equal(refused?.status, 403);
  assert.equal(refused?.errorCode, "AuthorizationFailed");
  assert.equal(
    (await keyless.server.storage.activityLog.listActivity(10)).length,
    2,
    "the GET left no entry",
  );
});
