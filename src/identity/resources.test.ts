import assert from "node:assert/strict";
import { test } from "node:test";
import { Origins } from "./origins.js";
import { resolveResource, resourceOfScope, resourceScopes } from "./resources.js";

const origins = new Origins(["keyless.internal.test"]);
origins.setHttpsPort(8443);
const noApps = async () => undefined;

test("X/.default names resource X, even with the double slash az sends", () => {
  assert.deepEqual(resourceOfScope("https://cognitiveservices.azure.com/.default"), {
    resource: "https://cognitiveservices.azure.com",
    scopeName: ".default",
  });
  assert.deepEqual(resourceOfScope("https://management.core.windows.net//.default"), {
    resource: "https://management.core.windows.net/",
    scopeName: ".default",
  });
  assert.equal(resourceOfScope("openid"), undefined);
});

test("OIDC scopes are dropped", () => {
  assert.deepEqual(resourceScopes("openid profile offline_access https://ml.azure.com/.default"), [
    "https://ml.azure.com/.default",
  ]);
});

test("first-party resources get v1 tokens with the caller's spelling", async () => {
  assert.deepEqual(
    await resolveResource("https://management.core.windows.net/", "t", origins, noApps),
    {
      audience: "https://management.core.windows.net/",
      version: 1,
    },
  );
  assert.equal((await resolveResource("HTTPS://ML.AZURE.COM", "t", origins, noApps))?.version, 1);
});

test("Keyless's own origins are ARM audiences", async () => {
  assert.ok(await resolveResource("https://127.0.0.1:8443", "t", origins, noApps));
  assert.ok(await resolveResource("https://keyless.internal.test:8443/", "t", origins, noApps));
  assert.equal(await resolveResource("https://127.0.0.1:9999", "t", origins, noApps), undefined);
});

test("registered applications decide their token version", async () => {
  const app = {
    appId: "2d4f1c2a-0000-4000-8000-000000000001",
    objectId: "o",
    tenantId: "t",
    displayName: "api",
    publicClient: false,
    accessTokenVersion: 2 as const,
    identifierUris: ["api://my-api"],
    createdAt: 0,
  };
  const lookup = async (_tenant: string, name: string) =>
    name === "api://my-api" ? app : undefined;
  assert.deepEqual(await resolveResource("api://my-api", "t", origins, lookup), {
    audience: app.appId,
    version: 2,
    appId: app.appId,
  });
  assert.equal(await resolveResource("api://unknown", "t", origins, lookup), undefined);
});

test("origins: a forged Host falls back to the canonical origin", () => {
  assert.equal(origins.fromHost("127.0.0.1:8443"), "https://127.0.0.1:8443");
  assert.equal(origins.fromHost("evil.test:8443"), "https://localhost:8443");
  assert.equal(
    new Origins([], "https://keyless.example.test").fromHost("127.0.0.1:8443"),
    "https://keyless.example.test",
  );
});
