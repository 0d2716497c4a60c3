/**
 * Keyless's Microsoft.Authorization responses, fetched over real HTTPS, against the official
 * 2022-04-01 OpenAPI specs (test/support/specs, read as Azure's oav reads them; see
 * spec-validation.ts): every body must match what its operation declares for that status,
 * errors included (the `default` ErrorResponse). The validator itself is checked first: it
 * accepts Azure's own example responses and rejects broken bodies.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { azureRoleIds, roleDefinitionArmId } from "../support/azure-role-ids.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { ArmSpecs, SPECS_ROOT } from "../support/spec-validation.js";
import { createTestServicePrincipal, devUserCredential } from "../support/test-principals.js";

const AUTHORIZATION = "authorization/resource-manager/Microsoft.Authorization/stable";
const specs = ArmSpecs.load();

function example(path: string): { responses: Record<string, { body?: unknown }> } {
  return JSON.parse(readFileSync(new URL(`${AUTHORIZATION}/${path}`, SPECS_ROOT), "utf8"));
}

describe("the validator", () => {
  test("the vendored specs are the contract's (when ../shared is beside the repository)", (t) => {
    const contract = new URL("../../../shared/contract/specs/specification/", import.meta.url);
    if (!existsSync(contract)) {
      t.skip("no ../shared/contract beside the repository");
      return;
    }
    const root = fileURLToPath(SPECS_ROOT);
    for (const file of [
      `${AUTHORIZATION}/2022-04-01/authorization-RoleAssignmentsCalls.json`,
      `${AUTHORIZATION}/2022-04-01/authorization-RoleDefinitionsCalls.json`,
      `${AUTHORIZATION}/2022-04-01/common-types.json`,
      "common-types/resource-management/v2/types.json",
    ]) {
      const ours = JSON.parse(readFileSync(new URL(file, SPECS_ROOT), "utf8"));
      const theirs = JSON.parse(readFileSync(new URL(file, contract), "utf8"));
      assert.deepEqual(ours, theirs, relative(root, fileURLToPath(new URL(file, SPECS_ROOT))));
    }
  });

  test("it knows the Microsoft.Authorization operations Keyless serves", () => {
    for (const id of [
      "RoleAssignments_Create",
      "RoleAssignments_Get",
      "RoleAssignments_Delete",
      "RoleAssignments_ListForScope",
      "RoleDefinitions_Get",
      "RoleDefinitions_List",
      "RoleDefinitions_CreateOrUpdate",
      "RoleDefinitions_Delete",
      "Permissions_ListForResourceGroup",
      "Permissions_ListForResource",
    ]) {
      assert.ok(specs.operationIds().includes(id), id);
    }
  });

  test("it accepts Azure's own example responses", () => {
    const cases: [string, string][] = [
      ["2022-04-01/examples/RoleAssignments_CreateForResource.json", "RoleAssignments_Create"],
      ["2022-04-01/examples/RoleAssignments_ListForScope.json", "RoleAssignments_ListForScope"],
      ["2022-04-01/examples/GetRoleDefinitionByName.json", "RoleDefinitions_Get"],
      ["2015-07-01/examples/GetResourcePermissions.json", "Permissions_ListForResource"],
    ];
    for (const [file, operationId] of cases) {
      for (const [status, response] of Object.entries(example(file).responses)) {
        specs.assertResponse(operationId, Number(status), response.body);
      }
    }
  });

  test("it rejects broken bodies, naming what is wrong", () => {
    const good = example("2022-04-01/examples/RoleAssignments_CreateForResource.json").responses[
      "201"
    ]!.body as { properties: Record<string, unknown> } & Record<string, unknown>;
    const broken = (change: (body: typeof good) => void) => {
      const body = structuredClone(good);
      change(body);
      return specs.checkResponse("RoleAssignments_Create", 201, body);
    };
    assert.deepEqual(specs.checkResponse("RoleAssignments_Create", 201, good), []);
    assert.deepEqual(
      broken((b) => delete b.properties.principalId),
      ["/properties must have required property 'principalId'"],
    );
    assert.deepEqual(
      broken((b) => (b.properties.principalType = "Robot")),
      [
        '/properties/principalType must be equal to one of the allowed values ["User","Group","ServicePrincipal","ForeignGroup","Device"]',
      ],
    );
    assert.deepEqual(
      broken((b) => (b.properties.createdOn = "yesterday")),
      ['/properties/createdOn must match format "date-time"'],
    );
    assert.deepEqual(
      broken((b) => (b.properties.principalId = 42)),
      ["/properties/principalId must be string"],
    );
    assert.deepEqual(
      broken((b) => (b.principalId = b.properties.principalId)),
      ["(body) must NOT have additional properties 'principalId'"],
    );
    assert.deepEqual(
      broken((b) => (b.properties.roleDefinitionId = null)),
      ["/properties/roleDefinitionId must be string"],
      "a required property may not be null",
    );
    assert.deepEqual(
      broken((b) => (b.properties.condition = null)),
      [],
      "an optional one may",
    );
    assert.deepEqual(
      specs.checkResponse("Permissions_ListForResource", 200, { value: [{ actions: "*" }] }),
      ["/value/0/actions must be array"],
    );
    assert.deepEqual(specs.checkResponse("RoleDefinitions_CreateOrUpdate", 200, {}), [
      "RoleDefinitions_CreateOrUpdate declares no 200 response (it declares 201, default)",
    ]);
    assert.deepEqual(specs.checkResponse("RoleAssignments_Delete", 204, { id: "x" }), [
      'RoleAssignments_Delete declares no body for 204, but one came: {"id":"x"}',
    ]);
    assert.deepEqual(
      specs.checkResponse("RoleAssignments_Create", 403, { error: { code: 403 } }),
      ["/error/code must be string"],
      "an error status is checked against the default ErrorResponse",
    );
    assert.throws(() => specs.assertResponse("RoleAssignments_Create", 201, { properties: {} }), {
      name: "AssertionError",
    });
  });
});

describe("Keyless's responses conform to the 2022-04-01 specs", () => {
  let keyless: TestKeyless;
  let token: string;
  let groupScope: string;
  const accountScope = () => `${groupScope}/providers/Microsoft.CognitiveServices/accounts/specs`;

  before(async () => {
    keyless = await startTestKeyless();
    token = (await devUserCredential(keyless).getToken(`${keyless.httpsUrl}/.default`)).token;
    groupScope = `/subscriptions/${keyless.env.subscriptionId}/resourceGroups/${keyless.env.resourceGroup}`;
  });
  after(async () => {
    await keyless?.stop();
  });

  /** A raw HTTPS request, as the SDK sends it; the parsed body (undefined when empty). */
  async function arm(
    method: string,
    path: string,
    query = "",
    body?: unknown,
    apiVersion = "2022-04-01",
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${keyless.httpsUrl}${path}?api-version=${apiVersion}${query}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  }

  /** Sends the request and asserts the status and the body's conformance; returns the body. */
  async function conforming(
    operationId: string,
    expectedStatus: number,
    ...request: Parameters<typeof arm>
  ): Promise<unknown> {
    const response = await arm(...request);
    assert.equal(response.status, expectedStatus, JSON.stringify(response.body));
    specs.assertResponse(operationId, response.status, response.body);
    return response.body;
  }

  const filter = (text: string) => `&$filter=${encodeURIComponent(text)}`;

  test("role assignments: create (201, then 200), get, the four lists, delete (200, then 204)", async () => {
    const app = await createTestServicePrincipal(keyless, "spec-app");
    const scope = accountScope();
    const path = `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
    const properties = {
      roleDefinitionId: roleDefinitionArmId(
        keyless.env.subscriptionId,
        azureRoleIds.cognitiveServicesUser,
      ),
      principalId: app.objectId,
      principalType: "ServicePrincipal",
      description: "validated against the spec",
    };
    await conforming("RoleAssignments_Create", 201, "PUT", path, "", { properties });
    await conforming("RoleAssignments_Create", 200, "PUT", path, "", { properties });
    await conforming("RoleAssignments_Get", 200, "GET", path);
    const list = `${scope}/providers/Microsoft.Authorization/roleAssignments`;
    await conforming("RoleAssignments_ListForScope", 200, "GET", list);
    await conforming("RoleAssignments_ListForScope", 200, "GET", list, filter("atScope()"));
    await conforming(
      "RoleAssignments_ListForScope",
      200,
      "GET",
      list,
      filter(`assignedTo('${app.objectId}')`),
    );
    await conforming(
      "RoleAssignments_ListForResourceGroup",
      200,
      "GET",
      `${groupScope}/providers/Microsoft.Authorization/roleAssignments`,
    );
    await conforming(
      "RoleAssignments_ListForSubscription",
      200,
      "GET",
      `/subscriptions/${keyless.env.subscriptionId}/providers/Microsoft.Authorization/roleAssignments`,
    );
    await conforming("RoleAssignments_ListForResource", 200, "GET", list);
    await conforming("RoleAssignments_Delete", 200, "DELETE", path);
    await conforming("RoleAssignments_Delete", 204, "DELETE", path);
  });

  test("role definitions: get (built-in), list (filtered and not), custom create, update, delete", async () => {
    const definitions = `${groupScope}/providers/Microsoft.Authorization/roleDefinitions`;
    await conforming(
      "RoleDefinitions_Get",
      200,
      "GET",
      `${definitions}/${azureRoleIds.cognitiveServicesUser}`,
    );
    await conforming(
      "RoleDefinitions_List",
      200,
      "GET",
      definitions,
      filter("roleName eq 'Cognitive Services User'"),
    );
    await conforming(
      "RoleDefinitions_List",
      200,
      "GET",
      definitions,
      filter("type eq 'BuiltInRole'"),
    );
    await conforming("RoleDefinitions_List", 200, "GET", definitions);

    const subscription = `/subscriptions/${keyless.env.subscriptionId}`;
    const custom = `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${randomUUID()}`;
    const properties = {
      roleName: `Spec MaaS caller ${randomUUID().slice(0, 8)}`,
      description: "Calls models through /models.",
      type: "CustomRole",
      permissions: [{ actions: [], dataActions: ["Microsoft.CognitiveServices/accounts/MaaS/*"] }],
      assignableScopes: [subscription],
    };
    await conforming("RoleDefinitions_CreateOrUpdate", 201, "PUT", custom, "", { properties });
    await conforming("RoleDefinitions_CreateOrUpdate", 201, "PUT", custom, "", {
      properties: { ...properties, description: "Updated." },
    });
    await conforming("RoleDefinitions_Get", 200, "GET", custom);
    await conforming("RoleDefinitions_Delete", 200, "DELETE", custom);
    await conforming("RoleDefinitions_Delete", 204, "DELETE", custom);
  });

  test("a role's ABAC condition shows from 2022-05-01-preview on, where Permission has it", async () => {
    const projectManager = `${groupScope}/providers/Microsoft.Authorization/roleDefinitions/eadc314b-1a2d-4efa-be10-5d325db5065e`;
    const stable = (await conforming("RoleDefinitions_Get", 200, "GET", projectManager)) as {
      properties: { permissions: Record<string, unknown>[] };
    };
    assert.equal("condition" in stable.properties.permissions[0]!, false);
    const preview = await arm("GET", projectManager, "", undefined, "2022-05-01-preview");
    assert.equal(preview.status, 200);
    const [block] = (preview.body as { properties: { permissions: Record<string, unknown>[] } })
      .properties.permissions;
    assert.equal(block!.conditionVersion, "2.0");
    assert.match(
      String(block!.condition),
      /^\(\(!\(ActionMatches\{'Microsoft.Authorization\/roleAssignments\/write'\}\)\)/,
    );
  });

  test("permissions at a resource group and on a resource", async () => {
    await conforming(
      "Permissions_ListForResourceGroup",
      200,
      "GET",
      `${groupScope}/providers/Microsoft.Authorization/permissions`,
    );
    await conforming(
      "Permissions_ListForResource",
      200,
      "GET",
      `${accountScope()}/providers/Microsoft.Authorization/permissions`,
    );
  });

  test("errors are the spec's ErrorResponse", async () => {
    const scope = accountScope();
    const path = `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
    const body = (roleId: string, principalId: string) => ({
      properties: {
        roleDefinitionId: roleDefinitionArmId(keyless.env.subscriptionId, roleId),
        principalId,
      },
    });
    await conforming(
      "RoleAssignments_Create",
      400,
      "PUT",
      path,
      "",
      body(randomUUID(), randomUUID()),
    );
    await conforming("RoleAssignments_Get", 404, "GET", path);
    await conforming(
      "RoleDefinitions_CreateOrUpdate",
      400,
      "PUT",
      `${groupScope}/providers/Microsoft.Authorization/roleDefinitions/${azureRoleIds.reader}`,
      "",
      {
        properties: {
          roleName: "Reader",
          permissions: [{ actions: ["*"] }],
          assignableScopes: ["/"],
        },
      },
    );
  });
});
