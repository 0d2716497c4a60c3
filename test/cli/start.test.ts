/** `keyless start` and `keyless env` as a user runs them: a child process, real HTTPS. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { wellKnown } from "../../src/dev/index.js";
import { spawnKeyless, spawnKeylessProcess, testDataDir } from "../support/keyless.js";

const run = promisify(execFile);
const main = join(import.meta.dirname, "..", "..", "dist", "main.js");

test("start prints the CA, the endpoints and the dev environment; env prints the same JSON", async () => {
  const keyless = await spawnKeyless();
  try {
    const out = keyless.stdout();
    assert.match(
      out,
      new RegExp(`export NODE_EXTRA_CA_CERTS=${join(keyless.dataDir, "tls", "ca.pem")}`),
    );
    assert.match(out, /IDENTITY_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/msi\/token/);
    assert.match(out, /disableInstanceDiscovery: true/);
    assert.match(out, new RegExp(keyless.env.servicePrincipal.secret.replace(/[.~]/g, "\\$&")));

    const env = keyless.env;
    assert.equal(env.endpoints.https, keyless.httpsUrl);
    assert.equal(env.endpoints.appService, `${keyless.httpUrl}/msi/token`);
    for (const id of [
      env.tenantId,
      env.servicePrincipal.appId,
      env.managedIdentity.clientId,
      env.user.objectId,
      env.publicClient.appId,
    ]) {
      assert.match(id, /^[0-9a-f-]{36}$/);
    }
    assert.ok(existsSync(env.certificateServicePrincipal.certificatePath));
    assert.match(
      readFileSync(env.certificateServicePrincipal.certificatePath, "utf8"),
      /BEGIN PRIVATE KEY[\s\S]+BEGIN CERTIFICATE/,
    );

    const printed = await run(process.execPath, [main, "env"], {
      env: { ...process.env, KEYLESS_DATA_DIR: keyless.dataDir },
    });
    assert.deepEqual(JSON.parse(printed.stdout), env);

    const health = await fetch(`${keyless.httpsUrl}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${keyless.httpsUrl}/readyz`);
    assert.deepEqual(await ready.json(), { status: "ready" });
    const discovery = (await (await fetch(env.endpoints.openIdConfiguration)).json()) as Record<
      string,
      string
    >;
    assert.equal(discovery.token_endpoint, env.endpoints.token);
    assert.equal(discovery.issuer, `${keyless.httpsUrl}/${env.tenantId}/v2.0`);
  } finally {
    assert.equal(await keyless.stop(), 0, "SIGTERM drains and exits 0");
  }
});

test("a restart keeps the CA, the signing keys and the seeded environment", async () => {
  const dataDir = testDataDir();
  const first = await spawnKeyless({}, dataDir);
  const ca = readFileSync(join(dataDir, "tls", "ca.pem"), "utf8");
  const keys = await (await fetch(first.env.endpoints.jwks)).json();
  first.child.kill("SIGTERM");
  await new Promise((resolve) => first.child.once("exit", resolve));
  const second = await spawnKeyless({}, dataDir);
  try {
    assert.equal(readFileSync(join(dataDir, "tls", "ca.pem"), "utf8"), ca);
    assert.deepEqual(await (await fetch(second.env.endpoints.jwks)).json(), keys);
    assert.doesNotMatch(second.stdout(), /created the dev environment/);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});

test("production mode seeds nothing and refuses a database holding the dev tenant", async () => {
  const production = await spawnKeylessProcess({
    KEYLESS_MODE: "production",
    KEYLESS_IDENTITY_HEADER: "a-real-secret",
  });
  try {
    assert.equal(existsSync(join(production.dataDir, "dev-environment.json")), false);
    const discovery = await fetch(
      `${production.httpsUrl}/${wellKnown.tenant.id}/v2.0/.well-known/openid-configuration`,
    );
    assert.equal(discovery.status, 400);
    assert.equal(((await discovery.json()) as { error_codes: number[] }).error_codes[0], 90002);
  } finally {
    assert.equal(await production.stop(), 0);
  }

  const dataDir = testDataDir();
  const dev = await spawnKeyless({}, dataDir);
  dev.child.kill("SIGTERM");
  await new Promise((resolve) => dev.child.once("exit", resolve));
  const refused = await run(
    process.execPath,
    [main, "start", "--https-port", "0", "--http-port", "0"],
    {
      env: {
        ...process.env,
        KEYLESS_DATA_DIR: dataDir,
        KEYLESS_MODE: "production",
        KEYLESS_IDENTITY_HEADER: "a-real-secret",
      },
    },
  ).catch((error: { code: number; stderr: string }) => error);
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal((refused as { code: number }).code, 1);
  assert.match(
    (refused as { stderr: string }).stderr,
    /refuses a database that holds the dev tenant/,
  );
});

test("production mode refuses the well-known identity header", async () => {
  const dataDir = testDataDir();
  const refused = await run(
    process.execPath,
    [main, "start", "--https-port", "0", "--http-port", "0"],
    {
      env: {
        ...process.env,
        KEYLESS_DATA_DIR: dataDir,
        KEYLESS_MODE: "production",
        KEYLESS_IDENTITY_HEADER: wellKnown.identityHeader,
      },
    },
  ).catch((error: { code: number; stderr: string }) => error);
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal((refused as { code: number }).code, 1);
  assert.match(
    (refused as { stderr: string }).stderr,
    /refuses the well-known dev KEYLESS_IDENTITY_HEADER/,
  );
});
