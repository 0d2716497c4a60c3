/**
 * A role assignment written through one replica takes effect on another
 * within one second (the change feed), with both on one PostgreSQL schema. Decisions on B are
 * made from its in-memory index, so only the feed can have told it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { devUser, mintToken } from "../support/arm-requests.js";
import { until } from "../support/eventually.js";
import { replicasForTests } from "./replicas.js";

const replicas = replicasForTests();

test("an assignment made through A authorizes on B within a second; its removal too", async () => {
  const env = replicas.a.env;
  const ownerOnA = await mintToken(replicas.a, devUser(replicas.a));
  const { application, servicePrincipal } =
    await replicas.a.server.identity.directory.createApplication({
      tenantId: env.tenantId,
      displayName: "replica-reader",
    });
  const { secret } = await replicas.a.server.identity.directory.addClientSecret(application.appId);
  const readerOnB = await mintToken(replicas.b, { appId: application.appId, secret });
  const group = `/subscriptions/${env.subscriptionId}/resourceGroups/${env.resourceGroup}`;
  const listOnB = async () =>
    (
      await replicas.b.server.https.inject({
        url: `${group}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`,
        headers: { authorization: `Bearer ${readerOnB}` },
      })
    ).statusCode;
  assert.equal(await listOnB(), 403);

  const assignment = `${group}/providers/Microsoft.Authorization/roleAssignments/0b6d3e2a-7c51-4d0e-9a11-5f2f0c7d9e01?api-version=2022-04-01`;
  const put = await replicas.a.server.https.inject({
    method: "PUT",
    url: assignment,
    headers: { authorization: `Bearer ${ownerOnA}`, "content-type": "application/json" },
    payload: {
      properties: {
        roleDefinitionId: `/subscriptions/${env.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
        principalId: servicePrincipal.id,
        principalType: "ServicePrincipal",
      },
    },
  });
  assert.equal(put.statusCode, 201, put.body);
  await until(async () => (await listOnB()) === 200, 1000);

  const removed = await replicas.a.server.https.inject({
    method: "DELETE",
    url: assignment,
    headers: { authorization: `Bearer ${ownerOnA}` },
  });
  assert.equal(removed.statusCode, 200);
  await until(async () => (await listOnB()) === 403, 1000);
});
