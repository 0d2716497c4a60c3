/**
 * Keyless.Audit on the ARM control plane, in process: who may read the data-plane audit log at
 * which scope, the filters, paging through `nextLink`, and refusals of bad parameters in ARM's
 * shape. The records are written straight through the storage, as the data plane's audit log
 * would write them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { verifyAuditChain, type AuditEntry, type AuditRecord } from "../../src/audit/index.js";
import { armRequest, assertArmError, devUser, mintToken } from "../support/arm-requests.js";
import { azureRoleIds, roleDefinitionArmId } from "../support/azure-role-ids.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { createTestServicePrincipal } from "../support/test-principals.js";

const API = "api-version=2025-01-01";
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

interface RecordBody {
  seq: number;
  time: string;
  requestId: string;
  principal?: { objectId: string; type: string; appId?: string; displayName?: string };
  authMethod: string;
  accountId?: string;
  prevHash: string;
  hash: string;
  [field: string]: unknown;
}
interface Page {
  value: RecordBody[];
  nextLink?: string;
}

let keyless: TestKeyless;
let ownerToken: string;
let dataOnlyToken: string;
let accountReaderToken: string;
let subscriptionScope: string;
let devAccount: string;
let otherAccount: string;
let appended: AuditRecord[];
const alice = { objectId: randomUUID(), type: "User", displayName: "Alice" };
const app = { objectId: randomUUID(), type: "ServicePrincipal", appId: randomUUID() };

const recordsUrl = (scope: string, query = "") =>
  `${scope === "/" ? "" : scope}/providers/Keyless.Audit/records?${API}${query}`;

async function list(scope: string, token: string, query = ""): Promise<Page> {
  const response = await armRequest(keyless, "GET", recordsUrl(scope, query), { token });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Page>();
}

const ids = (page: Page) => page.value.map((r) => r.requestId);
const idsOf = (records: AuditRecord[]) => records.map((r) => r.requestId);
/** The appended records the predicate picks, newest first, as the API answers. */
const expected = (pick: (r: AuditRecord) => boolean) => idsOf(appended.filter(pick).reverse());

before(async () => {
  keyless = await startTestKeyless();
  const { env } = keyless;
  subscriptionScope = `/subscriptions/${env.subscriptionId}`;
  devAccount = env.account.resourceId;
  otherAccount = `${subscriptionScope}/resourceGroups/other-rg/providers/Microsoft.CognitiveServices/accounts/other`;
  ownerToken = await mintToken(keyless, devUser(keyless));
  // Cognitive Services User on the dev account: data actions, and no Keyless.Audit action.
  dataOnlyToken = await mintToken(keyless, {
    appId: env.servicePrincipal.appId,
    secret: env.servicePrincipal.secret,
  });
  const reader = await createTestServicePrincipal(keyless, "audit-reader");
  const assigned = await armRequest(
    keyless,
    "PUT",
    `${devAccount}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
    {
      token: ownerToken,
      body: {
        properties: {
          roleDefinitionId: roleDefinitionArmId(env.subscriptionId, azureRoleIds.reader),
          principalId: reader.objectId,
        },
      },
    },
  );
  assert.equal(assigned.statusCode, 201, assigned.body);
  accountReaderToken = await mintToken(keyless, { appId: reader.appId, secret: reader.secret });

  const entry = (n: number, fields: Partial<AuditEntry>): AuditEntry => ({
    at: T0 + n * 60_000,
    requestId: `audit-test-${n}-${randomUUID()}`,
    tenantId: env.tenantId,
    authMethod: "token",
    clientAddress: "192.0.2.10",
    accountId: devAccount,
    deploymentId: `${devAccount}/deployments/gpt-4o-mini`,
    operation: "chat/completions",
    decision: "allowed",
    status: 200,
    latencyMs: 42,
    ...fields,
  });
  appended = await keyless.server.storage.audit.appendBatch([
    entry(0, {
      principal: alice,
      dataAction: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
      decidedBy: `${subscriptionScope}/providers/Microsoft.Authorization/roleAssignments/x`,
      promptTokens: 12,
      completionTokens: 34,
    }),
    entry(1, { principal: app }),
    entry(2, { authMethod: "key1", decidedBy: "Key1" }),
    entry(3, { principal: alice, decision: "denied", decidedBy: "PermissionDenied", status: 401 }),
    entry(4, { authMethod: "key2", decidedBy: "Key2", accountId: otherAccount }),
    entry(5, { principal: app, accountId: `/subscriptions/${randomUUID()}/resourceGroups/g` }),
    entry(6, { authMethod: "none", decision: "denied", decidedBy: "401", status: 401 }),
  ]);
});
after(async () => {
  await keyless?.stop();
});

describe("who may read the audit log", () => {
  test("a caller with only a data role is refused: 403 AuthorizationFailed", async () => {
    const response = await armRequest(keyless, "GET", recordsUrl(devAccount), {
      token: dataOnlyToken,
    });
    const { env } = keyless;
    assertArmError(
      response,
      403,
      "AuthorizationFailed",
      `The client '${env.servicePrincipal.appId}' with object id '${env.servicePrincipal.objectId}' does not have authorization to perform action 'Keyless.Audit/records/read' over scope '${devAccount}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  });

  test("a Reader of an account reads that account's records, and nothing above it", async () => {
    const page = await list(devAccount, accountReaderToken);
    assert.deepEqual(
      ids(page),
      expected((r) => r.accountId === devAccount),
    );
    assertArmError(
      await armRequest(keyless, "GET", recordsUrl(subscriptionScope), {
        token: accountReaderToken,
      }),
      403,
      "AuthorizationFailed",
    );
  });

  test("the subscription's Owner reads every record below it, newest first", async () => {
    const page = await list(subscriptionScope, ownerToken);
    assert.deepEqual(
      ids(page),
      expected((r) => r.accountId === devAccount || r.accountId === otherAccount),
    );
    assert.equal(page.nextLink, undefined);
    // The scope compares case-insensitively, as ARM ids do.
    assert.deepEqual(ids(await list(subscriptionScope.toUpperCase(), ownerToken)), ids(page));
    assert.deepEqual(
      ids(await list(`${subscriptionScope}/resourceGroups/other-rg`, ownerToken)),
      expected((r) => r.accountId === otherAccount),
    );
  });
});

describe("the records", () => {
  test("carry every field, the time in ISO 8601, and their chain links", async () => {
    const page = await list(devAccount, ownerToken);
    const first = page.value.at(-1)!;
    const stored = appended[0]!;
    assert.deepEqual(first, {
      seq: stored.seq,
      time: "2026-03-01T12:00:00.000Z",
      requestId: stored.requestId,
      tenantId: keyless.env.tenantId,
      principal: alice,
      authMethod: "token",
      clientAddress: "192.0.2.10",
      accountId: devAccount,
      deploymentId: `${devAccount}/deployments/gpt-4o-mini`,
      operation: "chat/completions",
      dataAction: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
      decision: "allowed",
      decidedBy: `${subscriptionScope}/providers/Microsoft.Authorization/roleAssignments/x`,
      status: 200,
      latencyMs: 42,
      promptTokens: 12,
      completionTokens: 34,
      prevHash: stored.prevHash,
      hash: stored.hash,
    });
    const keyCaller = page.value.find((r) => r.authMethod === "key1")!;
    assert.equal(keyCaller.principal, undefined);
    assert.equal(keyCaller.decidedBy, "Key1");
  });

  test("a reader can verify the chain from what the API serves", async () => {
    const page = await list(subscriptionScope, ownerToken);
    // Records 0 to 4 are adjacent in the log and all below the subscription.
    const window = appended.slice(0, 5).map((stored) => {
      const { time, ...served } = page.value.find((r) => r.seq === stored.seq)!;
      return { ...served, at: Date.parse(time) } as unknown as AuditRecord;
    });
    assert.deepEqual(verifyAuditChain(window, appended[0]!.prevHash), { ok: true });
    window[1] = { ...window[1]!, status: 500 };
    assert.deepEqual(verifyAuditChain(window, appended[0]!.prevHash), {
      ok: false,
      seq: appended[1]!.seq,
      reason: "its hash does not match its content",
    });
  });
});

describe("filters and paging", () => {
  test("principalId, authMethod, from and to narrow the answer", async () => {
    const at = (iso: string) => Date.parse(iso);
    const cases: [string, (r: AuditRecord) => boolean][] = [
      [`&principalId=${alice.objectId}`, (r) => r.principal?.objectId === alice.objectId],
      [
        `&principalId=${alice.objectId.toUpperCase()}`,
        (r) => r.principal?.objectId === alice.objectId,
      ],
      ["&authMethod=token", (r) => r.authMethod === "token"],
      ["&authMethod=key2", (r) => r.authMethod === "key2"],
      ["&from=2026-03-01T12:02:00Z", (r) => r.at >= at("2026-03-01T12:02:00Z")],
      ["&to=2026-03-01T12:01:00Z", (r) => r.at <= at("2026-03-01T12:01:00Z")],
      [
        "&from=2026-03-01T13:01:00%2B01:00&to=2026-03-01T12:03:00&authMethod=token",
        (r) => r.at >= T0 + 60_000 && r.at <= T0 + 180_000 && r.authMethod === "token",
      ],
      ["&from=2026-03-02", () => false],
    ];
    const inSubscription = (r: AuditRecord) =>
      r.accountId === devAccount || r.accountId === otherAccount;
    for (const [query, pick] of cases) {
      assert.deepEqual(
        ids(await list(subscriptionScope, ownerToken, query)),
        expected((r) => inSubscription(r) && pick(r)),
        query,
      );
    }
  });

  test("$top pages the answer; nextLink carries the query on to the next page", async () => {
    const seen: string[] = [];
    let url: string | undefined = recordsUrl(subscriptionScope, "&$top=2&authMethod=token");
    let pages = 0;
    while (url) {
      const response = await armRequest(keyless, "GET", url, { token: ownerToken });
      assert.equal(response.statusCode, 200, response.body);
      const page = response.json<Page>();
      assert.ok(page.value.length <= 2);
      seen.push(...ids(page));
      pages++;
      if (page.nextLink) {
        const next = new URL(page.nextLink);
        assert.match(next.search, /\$skipToken=\d+/);
        assert.match(next.search, /\$top=2/);
        assert.match(next.search, /authMethod=token/);
        url = next.pathname + next.search;
      } else url = undefined;
    }
    const tokenRecords = expected(
      (r) =>
        r.authMethod === "token" && (r.accountId === devAccount || r.accountId === otherAccount),
    );
    assert.deepEqual(seen, tokenRecords);
    assert.equal(pages, Math.ceil(tokenRecords.length / 2));
  });

  test("$top defaults to 100", async () => {
    const busyAccount = `${subscriptionScope}/resourceGroups/busy-rg/providers/Microsoft.CognitiveServices/accounts/busy`;
    await keyless.server.storage.audit.appendBatch(
      Array.from({ length: 101 }, (_, n) => ({
        at: T0 + n,
        requestId: `busy-${n}`,
        authMethod: "key1" as const,
        clientAddress: "192.0.2.11",
        accountId: busyAccount,
        operation: "embeddings",
        decision: "allowed" as const,
        decidedBy: "Key1",
        status: 200,
        latencyMs: 3,
      })),
    );
    const first = await list(busyAccount, ownerToken);
    assert.equal(first.value.length, 100);
    assert.equal(first.value[0]!.requestId, "busy-100");
    assert.ok(first.nextLink);
    const next = new URL(first.nextLink);
    const rest = (
      await armRequest(keyless, "GET", next.pathname + next.search, { token: ownerToken })
    ).json<Page>();
    assert.deepEqual(ids(rest), ["busy-0"]);
    assert.equal(rest.nextLink, undefined);
  });
});

describe("bad parameters are refused in ARM's shape", () => {
  const cases: [string, string][] = [
    ["&$top=0", "$top"],
    ["&$top=1001", "$top"],
    ["&$top=ten", "$top"],
    ["&$skipToken=abc", "$skipToken"],
    ["&authMethod=password", "authMethod"],
    ["&principalId=alice", "principalId"],
    ["&from=yesterday", "from"],
    ["&to=2026-03-01%2012:00", "to"],
    ["&from=2026-03-02&to=2026-03-01", "to"],
    ["&$top=1&$top=2", "$top"],
  ];
  for (const [query, name] of cases) {
    test(`${query.slice(1)}: 400 InvalidQueryParameterValue`, async () => {
      const response = await armRequest(keyless, "GET", recordsUrl(subscriptionScope, query), {
        token: ownerToken,
      });
      assertArmError(
        response,
        400,
        "InvalidQueryParameterValue",
        new RegExp(`of query parameter '${name.replace("$", "\\$")}' is not valid`),
      );
    });
  }

  test("a scope that is no subscription, resource group or resource: 400 InvalidScope", async () => {
    const response = await armRequest(keyless, "GET", recordsUrl(`${subscriptionScope}/things/x`), {
      token: ownerToken,
    });
    assertArmError(response, 400, "InvalidScope");
  });

  test("an api-version Keyless.Audit does not serve: 400 NoRegisteredProviderFound", async () => {
    const response = await armRequest(
      keyless,
      "GET",
      `${subscriptionScope}/providers/Keyless.Audit/records?api-version=2024-01-01`,
      { token: ownerToken },
    );
    assertArmError(response, 400, "NoRegisteredProviderFound", /Keyless\.Audit\/records/);
  });
});
