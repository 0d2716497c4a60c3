/**
 * @azure/arm-cognitiveservices 8.1.0, unchanged, against Keyless over real HTTPS: what a
 * provisioning script does (create an account with a system identity, deploy models, read and
 * rotate keys, turn local auth off, delete), with credentials from @azure/identity. The client
 * is given `endpoint: keyless.httpsUrl` and sends api-version 2025-09-01 (contract/clients.md §5).
 * Every success body the tests see is also checked against the official 2023-05-01 spec
 * (test/support/spec-validation.ts, read as Azure's oav reads it).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Account, CognitiveServicesManagementClient } from "@azure/arm-cognitiveservices";
import { ClientSecretCredential } from "@azure/identity";
import { upstreamKeyContext } from "../../src/inference/upstreams/openai-compatible.js";
import { loadMasterKey, SecretBox } from "../../src/kernel/index.js";
import {
  cognitiveServicesClient,
  recorded,
  type RecordedCognitiveServicesClient,
  type RecordedExchange,
} from "../support/arm-cognitiveservices-sdk.js";
import {
  armAuthorizationClient,
  assertArmRejects,
  authorizationFailedMessage,
  collect,
} from "../support/arm-sdk.js";
import { roleDefinitionArmId } from "../support/azure-role-ids.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { ArmSpecs, SPECS_ROOT } from "../support/spec-validation.js";
import { createTestServicePrincipal, devUserCredential } from "../support/test-principals.js";

/** Azure's GUID of "Cognitive Services Contributor" (contract/azure-facts.md §1). */
const COGNITIVE_SERVICES_CONTRIBUTOR = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68";
const ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts";
const LOCAL_AUTH_DISABLED = "Failed to list key. disableLocalAuth is set to be true";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY = /^[A-Za-z0-9]{84}$/;
const GPT_4O = {
  sku: { name: "Standard", capacity: 5 },
  properties: { model: { format: "OpenAI", name: "gpt-4o", version: "2024-08-06" } },
};

const specs = ArmSpecs.load();
let keyless: TestKeyless;
/** The dev user, Owner of the dev subscription. */
let owner: RecordedCognitiveServicesClient;
let rg: string;

before(async () => {
  keyless = await startTestKeyless();
  owner = cognitiveServicesClient(keyless, devUserCredential(keyless));
  rg = keyless.env.resourceGroup;
});
after(async () => {
  await keyless?.stop();
});

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const accountArmId = (name: string) =>
  `/subscriptions/${keyless.env.subscriptionId}/resourceGroups/${rg}/providers/${ACCOUNT_TYPE}/${name}`;
const notFound = (type: string, name: string) =>
  `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/**
 * Asserts `body` conforms to the spec, except for Keyless's one documented extension: a
 * deployment's `properties.upstream` (where it forwards; docs/control-plane.md). Azure's
 * DeploymentProperties is closed, so oav flags it; the SDK's deserializer drops it.
 */
function assertConforms(operationId: string, status: number, body: unknown) {
  const violations = specs
    .checkResponse(operationId, status, body)
    .filter(
      (v) =>
        !/^(\/value\/\d+)?\/properties must NOT have additional properties 'upstream'$/.test(v),
    );
  assert.deepEqual(violations, [], `${operationId} ${status}: ${JSON.stringify(body)}`);
}

/** The one request an SDK call made, checked against the spec for its status. */
function single(exchanges: RecordedExchange[], method: string, operationId: string) {
  assert.equal(exchanges.length, 1, exchanges.map((e) => `${e.method} ${e.url}`).join("\n"));
  const [exchange] = exchanges as [RecordedExchange];
  assert.equal(exchange.method, method);
  assert.match(exchange.url, /[?&]api-version=2025-09-01(&|$)/);
  assertConforms(operationId, exchange.status, exchange.body);
  return exchange;
}

/** The last exchange of a refused call: ARM's error body, per the spec's `default` response. */
function lastErrorConforms(recorder: RecordedCognitiveServicesClient, operationId: string) {
  const last = recorder.exchanges.at(-1)!;
  assert.ok(last.status >= 400, `${last.status}`);
  assertConforms(operationId, last.status, last.body);
}

interface NewAccount {
  kind?: "AIServices" | "OpenAI";
  customSubDomainName?: string;
  /** Whether to ask for a system-assigned identity (default true). */
  systemIdentity?: boolean;
  client?: CognitiveServicesManagementClient;
}

async function createAccount(name: string, options: NewAccount = {}): Promise<Account> {
  const client = options.client ?? owner.client;
  return client.accounts.beginCreateAndWait(rg, name, {
    kind: options.kind ?? "AIServices",
    sku: { name: "S0" },
    location: "eastus",
    ...(options.systemIdentity === false ? {} : { identity: { type: "SystemAssigned" } }),
    tags: { purpose: "sdk-test" },
    properties: { customSubDomainName: options.customSubDomainName ?? name },
  });
}

/** A token for a managed identity by object id, from the IMDS-shaped endpoint (plain HTTP). */
function managedIdentityToken(objectId: string, metadata = true): Promise<Response> {
  const url = new URL("/metadata/identity/oauth2/token", keyless.httpUrl);
  url.search = new URLSearchParams({
    "api-version": "2018-02-01",
    resource: "https://management.azure.com",
    object_id: objectId,
  }).toString();
  return fetch(url, { headers: metadata ? { Metadata: "true" } : {} });
}

/**
 * A deployment's ARM request over HTTPS without the SDK, whose models drop Keyless's
 * `properties.upstream` both ways. The response body is returned as sent, unparsed.
 */
async function rawDeploymentRequest(
  method: "PUT" | "GET",
  url: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const { token } = (await devUserCredential(keyless).getToken(
    "https://management.azure.com/.default",
  ))!;
  const response = await fetch(`${keyless.httpsUrl}${url}?api-version=2025-09-01`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

describe("the validator, for Microsoft.CognitiveServices", () => {
  const stable = "cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/";
  const example = (path: string) =>
    JSON.parse(readFileSync(new URL(stable + path, SPECS_ROOT), "utf8")) as {
      responses: Record<string, { body?: unknown }>;
    };

  test("it accepts Azure's own example responses", () => {
    for (const [path, operationId] of [
      ["2025-09-01/examples/GetAccount.json", "Accounts_Get"],
      ["2025-09-01/examples/GetDeployment.json", "Deployments_Get"],
      ["2025-09-01/examples/RegenerateKey.json", "Accounts_RegenerateKey"],
      ["2025-12-01/examples/ListKeys.json", "Accounts_ListKeys"],
    ] as const) {
      for (const [status, response] of Object.entries(example(path).responses))
        specs.assertResponse(operationId, Number(status), response.body);
    }
  });

  test("it rejects a broken account, naming what is wrong", () => {
    const account = structuredClone(
      example("2025-09-01/examples/GetAccount.json").responses["200"]!.body,
    ) as { properties: Record<string, unknown> };
    account.properties.provisioningState = "Done";
    account.properties.madeUp = true;
    assert.deepEqual(specs.checkResponse("Accounts_Get", 200, account).sort(), [
      "/properties must NOT have additional properties 'madeUp'",
      '/properties/provisioningState must be equal to one of the allowed values ["Accepted","Creating","Deleting","Moving","Failed","Succeeded","ResolvingDNS"]',
    ]);
  });
});

describe("accounts", () => {
  for (const kind of ["AIServices", "OpenAI"] as const) {
    test(`beginCreateAndWait (${kind}) finishes after one PUT with Succeeded, an endpoint and a system identity`, async () => {
      const name = unique(kind.toLowerCase());
      const subdomain = unique("sub");
      const { result: account, exchanges } = await recorded(owner, () =>
        createAccount(name, { kind, customSubDomainName: subdomain }),
      );

      const put = single(exchanges, "PUT", "Accounts_Create");
      assert.equal(put.status, 201);
      assert.equal(put.url.split("?")[0], `${keyless.httpsUrl}${accountArmId(name)}`);
      assert.equal(account.id, accountArmId(name));
      assert.equal(account.name, name);
      assert.equal(account.type, ACCOUNT_TYPE);
      assert.equal(account.kind, kind);
      assert.equal(account.sku?.name, "S0");
      assert.equal(account.location, "eastus");
      assert.deepEqual(account.tags, { purpose: "sdk-test" });
      assert.equal(account.properties?.provisioningState, "Succeeded");
      assert.equal(account.properties?.customSubDomainName, subdomain);
      assert.equal(account.properties?.endpoint, `${keyless.httpsUrl}/accounts/${subdomain}/`);
      assert.ok(account.properties?.endpoint?.startsWith(`${keyless.httpsUrl}/`));
      assert.equal(account.properties?.disableLocalAuth, false);
      assert.equal(account.identity?.type, "SystemAssigned");
      assert.match(account.identity?.principalId ?? "", GUID);
      assert.equal(account.identity?.tenantId, keyless.env.tenantId);
      assert.ok(account.systemData?.createdAt instanceof Date);
    });
  }

  test("the system identity is a managed identity whose token names the account (xms_mirid)", async () => {
    const name = unique("mi");
    const account = await createAccount(name);
    const principalId = account.identity!.principalId!;

    const probe = await managedIdentityToken(principalId, false);
    assert.equal(probe.status, 400, "no Metadata header, no token");

    const response = await managedIdentityToken(principalId);
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { access_token: string; token_type: string };
    assert.equal(body.token_type, "Bearer");
    const claims = claimsOf(body.access_token);
    assert.equal(claims.oid, principalId);
    assert.equal(claims.tid, keyless.env.tenantId);
    assert.equal(claims.aud, "https://management.azure.com");
    assert.equal(String(claims.xms_mirid).toLowerCase(), accountArmId(name).toLowerCase());

    const again = await owner.client.accounts.get(rg, name);
    assert.equal(again.identity?.principalId, principalId, "a GET keeps the same identity");
  });

  test("get, listByResourceGroup and list (subscription) show the account as created", async () => {
    const name = unique("read");
    const created = await createAccount(name);

    const { result: got, exchanges } = await recorded(owner, (c) => c.accounts.get(rg, name));
    single(exchanges, "GET", "Accounts_Get");
    assert.deepEqual(got, created);

    const inGroup = await recorded(owner, (c) => collect(c.accounts.listByResourceGroup(rg)));
    single(inGroup.exchanges, "GET", "Accounts_ListByResourceGroup");
    const inSubscription = await recorded(owner, (c) => collect(c.accounts.list()));
    single(inSubscription.exchanges, "GET", "Accounts_List");
    for (const list of [inGroup.result, inSubscription.result]) {
      const names = list.map((a) => a.name);
      assert.ok(names.includes(keyless.env.account.name), names.join());
      assert.ok(names.includes(name), names.join());
      assert.deepEqual(
        list.find((a) => a.name === name),
        created,
      );
    }
  });

  test("beginUpdateAndWait PATCHes tags and disableLocalAuth, keeping the rest", async () => {
    const name = unique("patch");
    const created = await createAccount(name);

    const { result: updated, exchanges } = await recorded(owner, (c) =>
      c.accounts.beginUpdateAndWait(rg, name, {
        tags: { env: "test" },
        properties: { disableLocalAuth: true },
      }),
    );
    const patch = single(exchanges, "PATCH", "Accounts_Update");
    assert.equal(patch.status, 200);
    assert.deepEqual(updated.tags, { env: "test" });
    assert.equal(updated.properties?.disableLocalAuth, true);
    assert.equal(updated.properties?.provisioningState, "Succeeded");
    assert.equal(updated.properties?.customSubDomainName, name);
    assert.equal(updated.properties?.endpoint, created.properties?.endpoint);
    assert.equal(updated.kind, created.kind);
    assert.equal(updated.identity?.principalId, created.identity?.principalId);
    assert.deepEqual(await owner.client.accounts.get(rg, name), updated);
  });

  test("a second account with a customSubDomainName in use is refused with 409 CustomDomainInUse", async () => {
    const subdomain = unique("taken");
    await createAccount(unique("first"), { customSubDomainName: subdomain });
    const second = unique("second");
    await assertArmRejects(
      createAccount(second, { kind: "OpenAI", customSubDomainName: subdomain }),
      {
        status: 409,
        code: "CustomDomainInUse",
        message: `The subdomain name '${subdomain}' is not available as it's already used by a resource.`,
      },
    );
    lastErrorConforms(owner, "Accounts_Create");
    await assertArmRejects(owner.client.accounts.get(rg, second), {
      status: 404,
      code: "ResourceNotFound",
      message: notFound(ACCOUNT_TYPE, second),
    });
  });
});

describe("keys", () => {
  test("listKeys gives two different 84-character keys", async () => {
    const name = unique("keys");
    await createAccount(name);
    const { result: keys, exchanges } = await recorded(owner, (c) => c.accounts.listKeys(rg, name));
    single(exchanges, "POST", "Accounts_ListKeys");
    assert.match(keys.key1 ?? "", KEY);
    assert.match(keys.key2 ?? "", KEY);
    assert.notEqual(keys.key1, keys.key2);
    assert.deepEqual(await owner.client.accounts.listKeys(rg, name), keys, "stable across calls");
    const other = await owner.client.accounts.listKeys(rg, keyless.env.account.name);
    assert.ok(![other.key1, other.key2].includes(keys.key1), "keys are per account");
  });

  test('regenerateKey(…, "Key1") replaces key1 only, and an old key1 never comes back', async () => {
    const name = unique("rotate");
    await createAccount(name);
    const before = await owner.client.accounts.listKeys(rg, name);

    const { result: first, exchanges } = await recorded(owner, (c) =>
      c.accounts.regenerateKey(rg, name, "Key1"),
    );
    single(exchanges, "POST", "Accounts_RegenerateKey");
    assert.match(first.key1 ?? "", KEY);
    assert.notEqual(first.key1, before.key1);
    assert.equal(first.key2, before.key2);
    assert.deepEqual(await owner.client.accounts.listKeys(rg, name), first);

    const second = await owner.client.accounts.regenerateKey(rg, name, "Key1");
    assert.ok(![before.key1, first.key1].includes(second.key1), "a fresh key1 each time");
    assert.equal(second.key2, before.key2);
    const now = await owner.client.accounts.listKeys(rg, name);
    assert.deepEqual(now, second);
    assert.ok(![before.key1, first.key1].includes(now.key1));

    const third = await owner.client.accounts.regenerateKey(rg, name, "Key2");
    assert.equal(third.key1, second.key1);
    assert.notEqual(third.key2, before.key2);
  });

  test("with disableLocalAuth listKeys is 400 BadRequest in Azure's words; turned back on, the same keys return", async () => {
    const name = unique("nolocal");
    await createAccount(name);
    const keys = await owner.client.accounts.listKeys(rg, name);
    await owner.client.accounts.beginUpdateAndWait(rg, name, {
      properties: { disableLocalAuth: true },
    });
    await assertArmRejects(owner.client.accounts.listKeys(rg, name), {
      status: 400,
      code: "BadRequest",
      message: LOCAL_AUTH_DISABLED,
    });
    lastErrorConforms(owner, "Accounts_ListKeys");

    await owner.client.accounts.beginUpdateAndWait(rg, name, {
      properties: { disableLocalAuth: false },
    });
    assert.deepEqual(await owner.client.accounts.listKeys(rg, name), keys);
  });
});

describe("deployments", () => {
  test("beginCreateOrUpdateAndWait finishes after one PUT; get, list and delete follow", async () => {
    const name = unique("deploy");
    await createAccount(name, { kind: "OpenAI" });

    const { result: created, exchanges } = await recorded(owner, (c) =>
      c.deployments.beginCreateOrUpdateAndWait(rg, name, "gpt-4o", GPT_4O),
    );
    const put = single(exchanges, "PUT", "Deployments_CreateOrUpdate");
    assert.equal(put.status, 201);
    assert.equal(created.id, `${accountArmId(name)}/deployments/gpt-4o`);
    assert.equal(created.name, "gpt-4o");
    assert.equal(created.type, `${ACCOUNT_TYPE}/deployments`);
    assert.deepEqual(created.sku, { name: "Standard", capacity: 5 });
    assert.deepEqual(created.properties?.model, GPT_4O.properties.model);
    assert.equal(created.properties?.provisioningState, "Succeeded");

    const updated = await recorded(owner, (c) =>
      c.deployments.beginCreateOrUpdateAndWait(rg, name, "gpt-4o", {
        ...GPT_4O,
        sku: { name: "Standard", capacity: 7 },
      }),
    );
    assert.equal(single(updated.exchanges, "PUT", "Deployments_CreateOrUpdate").status, 200);
    assert.equal(updated.result.sku?.capacity, 7);

    const embeddings = await owner.client.deployments.beginCreateOrUpdateAndWait(
      rg,
      name,
      "embed",
      {
        sku: { name: "Standard", capacity: 1 },
        properties: { model: { format: "OpenAI", name: "text-embedding-3-small", version: "1" } },
      },
    );
    assert.equal(embeddings.properties?.model?.name, "text-embedding-3-small");

    const got = await recorded(owner, (c) => c.deployments.get(rg, name, "gpt-4o"));
    single(got.exchanges, "GET", "Deployments_Get");
    assert.deepEqual(got.result, updated.result);

    const listed = await recorded(owner, (c) => collect(c.deployments.list(rg, name)));
    single(listed.exchanges, "GET", "Deployments_List");
    assert.deepEqual(listed.result.map((d) => d.name).sort(), ["embed", "gpt-4o"]);

    const deleted = await recorded(owner, (c) =>
      c.deployments.beginDeleteAndWait(rg, name, "gpt-4o"),
    );
    single(deleted.exchanges, "DELETE", "Deployments_Delete");
    await assertArmRejects(owner.client.deployments.get(rg, name, "gpt-4o"), {
      status: 404,
      code: "ResourceNotFound",
      message: notFound(`${ACCOUNT_TYPE}/deployments`, `${name}/gpt-4o`),
    });
    lastErrorConforms(owner, "Deployments_Get");
    assert.deepEqual(
      (await collect(owner.client.deployments.list(rg, name))).map((d) => d.name),
      ["embed"],
    );
  });

  test("an upstream API key is sealed at rest and never shown: ARM answers hasApiKey", async () => {
    const name = unique("upstream-key");
    await createAccount(name, { kind: "OpenAI" });
    const url = `${accountArmId(name)}/deployments/llama`;
    const apiKey = `sk-${randomUUID()}`;
    const upstream = {
      kind: "openai-compatible",
      baseUrl: "http://127.0.0.1:8000/v1",
      model: "meta-llama/Llama-3.1-8B-Instruct",
    };
    const shown = { ...upstream, hasApiKey: true };
    const put = (body: object) =>
      rawDeploymentRequest("PUT", url, {
        sku: { name: "Standard", capacity: 1 },
        properties: { model: { format: "OpenAI", name: "llama-3.1-8b" }, ...body },
      });
    const sealedKey = async () => {
      const record = await keyless.server.storage.resources.getResource(url);
      const stored = (record!.body.properties as { upstream: Record<string, unknown> }).upstream;
      assert.ok(!JSON.stringify(record).includes(apiKey), "never stored in clear");
      return stored.apiKeySealed as string | undefined;
    };

    // Every ARM answer: the key neither in clear nor sealed, only that there is one.
    const created = await put({ upstream: { ...upstream, apiKey } });
    const got = await rawDeploymentRequest("GET", url);
    const listed = await rawDeploymentRequest("GET", `${accountArmId(name)}/deployments`);
    assert.equal(created.status, 201, created.text);
    for (const response of [created, got, listed]) {
      assert.ok(!response.text.includes(apiKey), response.text);
      assert.ok(!/apiKey(Sealed)?"/.test(response.text), response.text);
    }
    assert.deepEqual(JSON.parse(created.text).properties.upstream, shown);
    assert.deepEqual(JSON.parse(got.text).properties.upstream, shown);
    assert.deepEqual(JSON.parse(listed.text).value[0].properties.upstream, shown);
    assertConforms("Deployments_Get", 200, JSON.parse(got.text));

    // At rest: sealed with the master key, bound to this deployment (the data plane's context).
    const sealed = await sealedKey();
    const box = new SecretBox(
      loadMasterKey(keyless.config.masterKey, join(keyless.dataDir, "master.key")),
    );
    assert.equal(box.open(sealed!, upstreamKeyContext(url)), apiKey);
    assert.throws(() => box.open(sealed!, upstreamKeyContext(`${url}-other`)));

    // A GET-modify-PUT round trip keeps it; a new baseUrl drops it; null removes it.
    const roundTrip = JSON.parse(got.text).properties as Record<string, unknown>;
    assert.equal((await put({ upstream: roundTrip.upstream })).status, 200);
    assert.equal(await sealedKey(), sealed);
    // A PUT that leaves the field out (as the official SDK always does) keeps the upstream.
    const withoutUpstream = await put({});
    assert.deepEqual(JSON.parse(withoutUpstream.text).properties.upstream, shown);
    assert.equal(await sealedKey(), sealed);
    const moved = await put({ upstream: { ...upstream, baseUrl: "http://127.0.0.1:9000/v1" } });
    assert.deepEqual(JSON.parse(moved.text).properties.upstream, {
      ...upstream,
      baseUrl: "http://127.0.0.1:9000/v1",
    });
    assert.equal(await sealedKey(), undefined);
    await put({ upstream: { ...upstream, apiKey } });
    assert.ok(await sealedKey());
    await put({ upstream: { ...upstream, apiKey: null } });
    assert.equal(await sealedKey(), undefined);

    // An azure-openai upstream is called with Keyless's identity: it takes no key.
    const refused = await put({
      upstream: { kind: "azure-openai", endpoint: "https://example.openai.azure.com", apiKey },
    });
    assert.equal(refused.status, 400);
    assert.equal(JSON.parse(refused.text).error.code, "InvalidRequestContent");
    assert.ok(!refused.text.includes(apiKey));
  });

  test("the dev account's seeded deployments are listed", async () => {
    const names = (await collect(owner.client.deployments.list(rg, keyless.env.account.name)))
      .map((d) => d.name)
      .sort();
    assert.deepEqual(names, keyless.env.account.deployments.map((d) => d.name).sort());
  });
});

describe("models", () => {
  test('models.list("eastus") and accounts.listModels list the catalogue', async () => {
    const models = await recorded(owner, (c) => collect(c.models.list("eastus")));
    single(models.exchanges, "GET", "Models_List");
    const gpt = models.result.find((m) => m.model?.name === "gpt-4o");
    assert.ok(gpt, models.result.map((m) => m.model?.name).join());
    assert.equal(gpt.model?.format, "OpenAI");
    assert.equal(gpt.model?.version, "2024-08-06");
    assert.equal(gpt.kind, "AIServices");
    assert.equal(gpt.skuName, "S0");
    assert.ok(gpt.model?.skus?.some((s) => s.name === "Standard"));

    const accountModels = await recorded(owner, (c) =>
      collect(c.accounts.listModels(rg, keyless.env.account.name)),
    );
    single(accountModels.exchanges, "GET", "Accounts_ListModels");
    const names = accountModels.result.map((m) => m.name);
    for (const deployment of keyless.env.account.deployments)
      assert.ok(names.includes(deployment.model), `${deployment.model} in ${names.join()}`);
  });
});

describe("access", () => {
  test("the dev service principal (Cognitive Services User) reads and lists keys, and may not write", async () => {
    const { servicePrincipal: sp, account } = keyless.env;
    const app = cognitiveServicesClient(
      keyless,
      new ClientSecretCredential(keyless.env.tenantId, sp.appId, sp.secret, {
        authorityHost: keyless.httpsUrl,
        disableInstanceDiscovery: true,
      }),
    );
    const accountId = accountArmId(account.name);
    const got = await app.client.accounts.get(rg, account.name);
    assert.equal(got.id, accountId);
    const keys = await app.client.accounts.listKeys(rg, account.name);
    assert.match(keys.key1 ?? "", KEY);
    assert.ok(
      (await collect(app.client.deployments.list(rg, account.name))).length > 0,
      "deployments/read",
    );
    const visible = (await collect(app.client.accounts.list())).map((a) => a.name);
    assert.deepEqual(visible, [account.name], "only the account it holds a role on");

    const refused = (action: string, scope: string) => ({
      status: 403,
      code: "AuthorizationFailed",
      message: authorizationFailedMessage(sp.appId, sp.objectId, action, scope),
    });
    const name = unique("by-app");
    await assertArmRejects(
      createAccount(name, { client: app.client }),
      refused("Microsoft.CognitiveServices/accounts/write", accountArmId(name)),
    );
    lastErrorConforms(app, "Accounts_Create");
    await assertArmRejects(
      app.client.deployments.beginCreateOrUpdateAndWait(rg, account.name, "by-app", GPT_4O),
      refused(
        "Microsoft.CognitiveServices/accounts/deployments/write",
        `${accountId}/deployments/by-app`,
      ),
    );
    await assertArmRejects(
      app.client.accounts.regenerateKey(rg, account.name, "Key1"),
      refused("Microsoft.CognitiveServices/accounts/regenerateKey/action", accountId),
    );
    assert.deepEqual(await app.client.accounts.listKeys(rg, account.name), keys, "unchanged");
  });

  test("a new service principal is refused until given Cognitive Services Contributor on the account", async () => {
    const name = unique("granted");
    await createAccount(name);
    const principal = await createTestServicePrincipal(keyless, unique("cs-contributor"));
    const app = cognitiveServicesClient(keyless, principal.credential);
    const refused = (action: string, scope: string) => ({
      status: 403,
      code: "AuthorizationFailed",
      message: authorizationFailedMessage(principal.appId, principal.objectId, action, scope),
    });

    await assertArmRejects(
      app.client.accounts.get(rg, name),
      refused("Microsoft.CognitiveServices/accounts/read", accountArmId(name)),
    );
    lastErrorConforms(app, "Accounts_Get");
    await assertArmRejects(
      app.client.deployments.beginCreateOrUpdateAndWait(rg, name, "gpt-4o", GPT_4O),
      refused(
        "Microsoft.CognitiveServices/accounts/deployments/write",
        `${accountArmId(name)}/deployments/gpt-4o`,
      ),
    );

    const authorization = armAuthorizationClient(keyless, devUserCredential(keyless)).client;
    await authorization.roleAssignments.create(accountArmId(name), randomUUID(), {
      roleDefinitionId: roleDefinitionArmId(
        keyless.env.subscriptionId,
        COGNITIVE_SERVICES_CONTRIBUTOR,
      ),
      principalId: principal.objectId,
      principalType: "ServicePrincipal",
    });

    const deployment = await app.client.deployments.beginCreateOrUpdateAndWait(
      rg,
      name,
      "gpt-4o",
      GPT_4O,
    );
    assert.equal(deployment.properties?.provisioningState, "Succeeded");
    assert.equal((await app.client.accounts.get(rg, name)).id, accountArmId(name));
    assert.match((await app.client.accounts.listKeys(rg, name)).key1 ?? "", KEY);
    await assertArmRejects(
      app.client.deployments.beginCreateOrUpdateAndWait(
        rg,
        keyless.env.account.name,
        "gpt-4o-2",
        GPT_4O,
      ),
      refused(
        "Microsoft.CognitiveServices/accounts/deployments/write",
        `${accountArmId(keyless.env.account.name)}/deployments/gpt-4o-2`,
      ),
    );
  });
});

describe("deleting an account", () => {
  test("get is 404 ResourceNotFound, its keys and deployments are gone, its subdomain is free", async () => {
    const name = unique("gone");
    const subdomain = unique("gone-sub");
    await createAccount(name, { customSubDomainName: subdomain, systemIdentity: false });
    await owner.client.deployments.beginCreateOrUpdateAndWait(rg, name, "gpt-4o", GPT_4O);
    const keys = await owner.client.accounts.listKeys(rg, name);

    const deleted = await recorded(owner, (c) => c.accounts.beginDeleteAndWait(rg, name));
    single(deleted.exchanges, "DELETE", "Accounts_Delete");

    const gone = { status: 404, code: "ResourceNotFound", message: notFound(ACCOUNT_TYPE, name) };
    await assertArmRejects(owner.client.accounts.get(rg, name), gone);
    lastErrorConforms(owner, "Accounts_Get");
    await assertArmRejects(owner.client.accounts.listKeys(rg, name), gone);
    await assertArmRejects(owner.client.deployments.get(rg, name, "gpt-4o"), gone);
    assert.ok(!(await collect(owner.client.accounts.list())).some((a) => a.name === name));

    const other = unique("heir");
    await createAccount(other, { customSubDomainName: subdomain, systemIdentity: false });
    await owner.client.accounts.beginDeleteAndWait(rg, other);

    await createAccount(name, { customSubDomainName: subdomain, systemIdentity: false });
    const fresh = await owner.client.accounts.listKeys(rg, name);
    assert.ok(![keys.key1, keys.key2].includes(fresh.key1), "old key1 is gone");
    assert.ok(![keys.key1, keys.key2].includes(fresh.key2), "old key2 is gone");
    assert.deepEqual(await collect(owner.client.deployments.list(rg, name)), []);
  });

  test("its system identity goes with it, and the name can be reused with a new identity", async () => {
    const name = unique("reborn");
    const first = await createAccount(name);
    const principalId = first.identity!.principalId!;
    await owner.client.accounts.beginDeleteAndWait(rg, name);

    const token = await managedIdentityToken(principalId);
    assert.equal(token.status, 400, `a deleted account's identity gets no token: ${token.status}`);

    const second = await owner.client.accounts.beginCreateAndWait(rg, name, {
      kind: "AIServices",
      sku: { name: "S0" },
      location: "eastus",
      identity: { type: "SystemAssigned" },
    });
    assert.match(second.identity?.principalId ?? "", GUID);
    assert.notEqual(second.identity?.principalId, principalId);
  });
});
