/**
 * Two Keyless replicas sharing one PostgreSQL schema and one master key: nothing correctness
 * needs may live in only one process (STYLE rule 8). Both run in this process over real HTTPS;
 * A issues tokens, B must accept them, follow A's key rotation and see A's directory changes.
 *
 * Replicas sit behind one address in production, and issuers name that address. Here each
 * instance listens on its own port, so both get the same KEYLESS_PUBLIC_URL (A's listener)
 * as the shared address: without it B refuses A's tokens as `wrong_issuer`.
 */
import assert from "node:assert/strict";
import { createServer, type AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { ManualClock } from "../../src/kernel/index.js";
import type { TestKeyless } from "../support/keyless.js";
import { replicasForTests } from "./replicas.js";

const RESOURCE = "https://cognitiveservices.azure.com";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The instance's own HTTPS listener (its `httpsUrl` is the shared public URL). */
const directUrl = (instance: TestKeyless): string =>
  `https://localhost:${instance.server.identity.origins.httpsPort}`;

const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;

/** client_credentials over plain fetch: the SDK would answer from its cache. */
async function requestToken(baseUrl: string, instance: TestKeyless): Promise<string> {
  const { tenantId, servicePrincipal } = instance.env;
  const response = await fetch(`${baseUrl}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: servicePrincipal.appId,
      client_secret: servicePrincipal.secret,
      scope: `${RESOURCE}/.default`,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token!;
}

async function jwksKids(baseUrl: string, tenantId: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/${tenantId}/discovery/v2.0/keys`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
}

describe("two replicas on one PostgreSQL schema", () => {
  // Both replicas read one clock so the test can move time past B's reload throttle.
  const clock = new ManualClock(Date.now());
  const replicas = replicasForTests(async () => {
    const port = await freePort();
    return {
      shared: { KEYLESS_PUBLIC_URL: `https://localhost:${port}` },
      onlyA: { KEYLESS_HTTPS_PORT: String(port) },
      clock,
    };
  });
  let firstToken: string;

  test("both see the same dev environment, seeded once", async () => {
    const [storeA, storeB] = [replicas.a, replicas.b].map(
      (instance) => instance.server.storage.directory,
    );
    const { tenantId, servicePrincipal, managedIdentity, user } = replicas.a.env;

    const tenant = await storeA!.findTenant(tenantId);
    assert.ok(tenant);
    assert.deepEqual(await storeB!.findTenant(tenantId), tenant);
    const sp = await storeB!.findServicePrincipalByAppId(tenantId, servicePrincipal.appId);
    assert.equal(sp?.id, servicePrincipal.objectId);
    assert.deepEqual(await storeA!.findServicePrincipalByAppId(tenantId, sp!.appId), sp);
    const secrets = await storeA!.listClientSecrets(servicePrincipal.appId);
    assert.equal(secrets.length, 1, "a second seeding would have added a secret");
    assert.deepEqual(await storeB!.listClientSecrets(servicePrincipal.appId), secrets);
    const identity = await storeB!.findManagedIdentity({
      by: "clientId",
      value: managedIdentity.clientId,
    });
    assert.equal(identity?.id, managedIdentity.principalId);
    assert.equal(
      (await storeB!.findUserByName(tenantId, user.userPrincipalName))?.id,
      user.objectId,
    );
    // B authenticates the service principal A created, with the secret only A saw in plaintext.
    assert.ok(await requestToken(directUrl(replicas.b), replicas.b));
  });

  test("a token A issues is accepted by B", async () => {
    const { tenantId, servicePrincipal } = replicas.a.env;
    const credential = new ClientSecretCredential(
      tenantId,
      servicePrincipal.appId,
      servicePrincipal.secret,
      { authorityHost: replicas.a.httpsUrl, disableInstanceDiscovery: true },
    );
    firstToken = (await credential.getToken(`${RESOURCE}/.default`)).token;
    assert.equal(kidOf(firstToken), replicas.a.server.identity.keyRing.signer().kid);

    const result = await replicas.b.server.identity.verifier.verify(firstToken, {
      audiences: [RESOURCE],
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.ok && result.principal.id, servicePrincipal.objectId);
  });

  test("B's JWKS lists the key A signs with", async () => {
    const kids = await jwksKids(directUrl(replicas.b), replicas.b.env.tenantId);
    assert.ok(kids.includes(kidOf(firstToken)), `${kidOf(firstToken)} not in ${kids.join(", ")}`);
  });

  test("after A rotates, B verifies A's new token by reloading its ring", async () => {
    clock.advance(2_000); // past B's once-a-second reload throttle
    const newKid = await replicas.a.server.identity.keyRing.rotate();
    assert.notEqual(newKid, kidOf(firstToken));
    const token = await requestToken(replicas.a.httpsUrl, replicas.a);
    assert.equal(kidOf(token), newKid);
    const kidsOfB = () => replicas.b.server.identity.keyRing.jwks().keys.map((key) => key.kid);
    assert.ok(!kidsOfB().includes(newKid), "B already knew the new key: nothing was shown");

    const result = await replicas.b.server.identity.verifier.verify(token, {
      audiences: [RESOURCE],
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(kidsOfB().includes(newKid));
    const kids = await jwksKids(directUrl(replicas.b), replicas.b.env.tenantId);
    assert.ok(kids.includes(newKid) && kids.includes(kidOf(firstToken)), kids.join(", "));
  });

  test("disabling the service principal through A makes B refuse A's earlier token", async () => {
    const { servicePrincipal } = replicas.a.env;
    assert.equal(
      await replicas.a.server.identity.directory.setAccountEnabled(
        servicePrincipal.objectId,
        false,
      ),
      true,
    );
    // Keyless promises every replica applies a change within one second.
    const deadline = Date.now() + 1500;
    let result = await replicas.b.server.identity.verifier.verify(firstToken, {
      audiences: [RESOURCE],
    });
    while (result.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      result = await replicas.b.server.identity.verifier.verify(firstToken, {
        audiences: [RESOURCE],
      });
    }
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "principal_disabled");
  });
});
