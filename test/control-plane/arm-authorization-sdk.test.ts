/**
 * @azure/arm-authorization 9.0.0, unchanged, against Keyless over real HTTPS: what a
 * provisioning script or `az role …` does (find a role by name, assign it at an account scope,
 * list, delete, "View my access", custom roles), with credentials from @azure/identity. The
 * client is given `endpoint: keyless.httpsUrl`, so it asks for tokens for Keyless's own origin
 * (contract/clients.md §5.1) and sends `//subscriptions/…` paths with api-version 2022-04-01.
 * The account scopes need not exist as resources: RBAC only reads the scope.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuthorizationManagementClient, RoleDefinition } from "@azure/arm-authorization";
import {
  armAuthorizationClient,
  assertArmRejects,
  authorizationFailedMessage,
  collect,
  withRawResponse,
} from "../support/arm-sdk.js";
import { azureRoleIds, roleDefinitionArmId } from "../support/azure-role-ids.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  createTestGroup,
  createTestServicePrincipal,
  createTestUser,
  devUserCredential,
  type TestServicePrincipal,
} from "../support/test-principals.js";

const ROLE_ASSIGNMENTS_READ = "Microsoft.Authorization/roleAssignments/read";
const ROLE_ASSIGNMENTS_WRITE = "Microsoft.Authorization/roleAssignments/write";
const ROLE_ASSIGNMENTS_DELETE = "Microsoft.Authorization/roleAssignments/delete";
const CS_USER = "Cognitive Services User";

let keyless: TestKeyless;
/** The dev user, Owner of the dev subscription. */
let owner: AuthorizationManagementClient;
let subscriptionScope: string;
let groupScope: string;
const accountScope = (name: string) =>
  `${groupScope}/providers/Microsoft.CognitiveServices/accounts/${name}`;
const sameId = (actual: string | undefined, expected: string) =>
  assert.equal(actual?.toLowerCase(), expected.toLowerCase(), `${actual} is ${expected}`);

before(async () => {
  keyless = await startTestKeyless();
  owner = armAuthorizationClient(keyless, devUserCredential(keyless)).client;
  subscriptionScope = `/subscriptions/${keyless.env.subscriptionId}`;
  groupScope = `${subscriptionScope}/resourceGroups/${keyless.env.resourceGroup}`;
});
after(async () => {
  await keyless?.stop();
});

async function findRole(
  client: AuthorizationManagementClient,
  scope: string,
  roleName: string,
): Promise<RoleDefinition> {
  const roles = await collect(
    client.roleDefinitions.list(scope, { filter: `roleName eq '${roleName}'` }),
  );
  assert.equal(roles.length, 1, `one role named ${roleName} at ${scope}`);
  return roles[0]!;
}

/** The owner assigns a role (by GUID) to a principal at a scope; returns the assignment name. */
async function assign(
  scope: string,
  roleId: string,
  principalId: string,
  principalType: "User" | "Group" | "ServicePrincipal",
): Promise<string> {
  const name = randomUUID();
  await owner.roleAssignments.create(scope, name, {
    roleDefinitionId: roleDefinitionArmId(keyless.env.subscriptionId, roleId),
    principalId,
    principalType,
  });
  return name;
}

const sdkFor = (principal: TestServicePrincipal) =>
  armAuthorizationClient(keyless, principal.credential).client;

describe("role definitions", () => {
  test("the client asks for a token for Keyless's origin and sends //subscriptions/… at 2022-04-01", async () => {
    const recorded = armAuthorizationClient(keyless, devUserCredential(keyless));
    const atGroup = await findRole(recorded.client, groupScope, CS_USER);
    const atAccount = await findRole(recorded.client, accountScope("acct1"), CS_USER);

    assert.deepEqual([...new Set(recorded.tokenScopes)], [`${keyless.httpsUrl}/.default`]);
    const token = await devUserCredential(keyless).getToken(`${keyless.httpsUrl}/.default`);
    const claims = JSON.parse(Buffer.from(token.token.split(".")[1]!, "base64url").toString());
    assert.equal(claims.aud, keyless.httpsUrl, "the token's audience is Keyless's own origin");
    assert.equal(recorded.requests.length, 2);
    for (const request of recorded.requests) {
      assert.ok(request.startsWith(`GET ${keyless.httpsUrl}//subscriptions/`), request);
      assert.match(request, /[?&]api-version=2022-04-01(&|$)/);
      assert.match(request, /\$filter=roleName%20eq%20%27Cognitive%20Services%20User%27/);
    }

    for (const role of [atGroup, atAccount]) {
      assert.equal(role.name, azureRoleIds.cognitiveServicesUser);
      assert.equal(
        role.id,
        roleDefinitionArmId(keyless.env.subscriptionId, azureRoleIds.cognitiveServicesUser),
      );
      assert.equal(role.type, "Microsoft.Authorization/roleDefinitions");
      assert.equal(role.roleName, CS_USER);
      assert.equal(role.roleType, "BuiltInRole");
      assert.deepEqual(role.assignableScopes, ["/"]);
      assert.deepEqual(role.permissions?.[0]?.dataActions, ["Microsoft.CognitiveServices/*"]);
      assert.ok(role.permissions?.[0]?.actions?.includes("Microsoft.CognitiveServices/*/read"));
    }
    assert.deepEqual(atAccount, atGroup);
  });

  test("the same calls work with credentialScopes for Azure's ARM audience", async () => {
    const recorded = armAuthorizationClient(keyless, devUserCredential(keyless), {
      credentialScopes: ["https://management.azure.com/.default"],
    });
    const role = await findRole(recorded.client, groupScope, "Reader");
    assert.equal(role.name, azureRoleIds.reader);
    assert.deepEqual(role.permissions?.[0]?.actions, ["*/read"]);
    assert.deepEqual([...new Set(recorded.tokenScopes)], ["https://management.azure.com/.default"]);
  });

  test("an unfiltered list has every built-in role; get and getById find one", async () => {
    const roles = await collect(owner.roleDefinitions.list(accountScope("acct1")));
    const names = new Map(roles.map((role) => [role.roleName, role.name]));
    assert.equal(names.get("Owner"), azureRoleIds.owner);
    assert.equal(names.get("Contributor"), azureRoleIds.contributor);
    assert.equal(
      names.get("Cognitive Services OpenAI User"),
      azureRoleIds.cognitiveServicesOpenAiUser,
    );
    assert.ok(roles.filter((role) => role.roleType === "BuiltInRole").length >= 15);

    const got = await owner.roleDefinitions.get(groupScope, azureRoleIds.contributor);
    assert.equal(got.roleName, "Contributor");
    assert.ok(got.permissions?.[0]?.notActions?.includes("Microsoft.Authorization/*/Write"));
    const byId = await owner.roleDefinitions.getById(
      roleDefinitionArmId(keyless.env.subscriptionId, azureRoleIds.contributor),
    );
    assert.deepEqual(byId, got);
  });
});

describe("role assignments", () => {
  test("the seed's CLI step as SDK calls: Cognitive Services User for a service principal on an account", async () => {
    const app = await createTestServicePrincipal(keyless, "seeded-app");
    const scope = accountScope("seeded");
    const role = await findRole(owner, scope, CS_USER);
    const name = randomUUID();
    const startedAt = Date.now();
    const { result: created, raw } = await withRawResponse((options) =>
      owner.roleAssignments.create(
        scope,
        name,
        {
          roleDefinitionId: role.id!,
          principalId: app.objectId,
          principalType: "ServicePrincipal",
        },
        options,
      ),
    );
    assert.equal(raw.status, 201);
    assert.equal(created.name, name);
    assert.equal(created.type, "Microsoft.Authorization/roleAssignments");
    sameId(created.id, `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    sameId(created.scope, scope);
    assert.equal(
      created.roleDefinitionId,
      roleDefinitionArmId(keyless.env.subscriptionId, azureRoleIds.cognitiveServicesUser),
    );
    assert.equal(created.principalId, app.objectId);
    assert.equal(created.principalType, "ServicePrincipal");
    assert.equal(created.createdBy, keyless.env.user.objectId);
    assert.equal(created.updatedBy, keyless.env.user.objectId);
    assert.ok(created.createdOn instanceof Date);
    assert.ok(
      created.createdOn.getTime() >= startedAt - 1000 && created.createdOn.getTime() <= Date.now(),
    );
    assert.deepEqual(created.updatedOn, created.createdOn);

    assert.deepEqual(await owner.roleAssignments.get(scope, name), created);
    assert.deepEqual(await owner.roleAssignments.getById(created.id!), created);

    // The same PUT again changes nothing (ARM answers 200 or 201 to it).
    const { result: again, raw: againRaw } = await withRawResponse((options) =>
      owner.roleAssignments.create(
        scope,
        name,
        {
          roleDefinitionId: role.id!,
          principalId: app.objectId,
          principalType: "ServicePrincipal",
        },
        options,
      ),
    );
    assert.ok([200, 201].includes(againRaw.status), `status ${againRaw.status}`);
    assert.deepEqual(again.createdOn, created.createdOn);
    assert.equal(again.principalId, app.objectId);
  });

  test("the scope comes back as the caller spelled it", async () => {
    const app = await createTestServicePrincipal(keyless, "casing-app");
    const scope = accountScope("CasedAccount");
    const name = await assign(scope, azureRoleIds.reader, app.objectId, "ServicePrincipal");
    const got = await owner.roleAssignments.get(scope, name);
    assert.equal(got.scope, scope);
    assert.equal(got.id, `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
  });

  test("a second assignment of the same role under a new name is 409 RoleAssignmentExists", async () => {
    const app = await createTestServicePrincipal(keyless, "duplicate-app");
    const scope = accountScope("duplicates");
    await assign(scope, azureRoleIds.cognitiveServicesUser, app.objectId, "ServicePrincipal");
    await assertArmRejects(
      owner.roleAssignments.create(scope, randomUUID(), {
        roleDefinitionId: roleDefinitionArmId(
          keyless.env.subscriptionId,
          azureRoleIds.cognitiveServicesUser,
        ),
        principalId: app.objectId,
        principalType: "ServicePrincipal",
      }),
      { status: 409, code: "RoleAssignmentExists", message: "The role assignment already exists." },
    );
  });

  test("listing: atScope(), principalId eq, assignedTo() (a group's assignment counts for its member)", async () => {
    const direct = await createTestServicePrincipal(keyless, "direct-app");
    const member = await createTestServicePrincipal(keyless, "member-app");
    const group = await createTestGroup(keyless, "model-callers", [member.objectId]);
    const scope = accountScope("listed");
    const directName = await assign(
      scope,
      azureRoleIds.cognitiveServicesUser,
      direct.objectId,
      "ServicePrincipal",
    );
    const groupName = await assign(scope, azureRoleIds.reader, group.objectId, "Group");

    const atAccount = await collect(
      owner.roleAssignments.listForScope(scope, { filter: "atScope()" }),
    );
    const names = atAccount.map((a) => a.name);
    assert.ok(names.includes(directName) && names.includes(groupName), names.join(", "));
    const ownerAbove = atAccount.find((a) => a.principalId === keyless.env.user.objectId);
    assert.ok(ownerAbove, "atScope() includes the Owner assignment on the subscription above");
    sameId(ownerAbove.scope, subscriptionScope);
    assert.equal(ownerAbove.roleDefinitionId?.split("/").pop(), azureRoleIds.owner);

    const atGroup = await collect(
      owner.roleAssignments.listForScope(groupScope, { filter: "atScope()" }),
    );
    assert.ok(!atGroup.some((a) => a.name === directName), "atScope() leaves out scopes below");

    const byPrincipal = await collect(
      owner.roleAssignments.listForScope(groupScope, {
        filter: `principalId eq '${direct.objectId}'`,
      }),
    );
    assert.deepEqual(
      byPrincipal.map((a) => a.name),
      [directName],
      "principalId eq reaches below",
    );
    const memberOwn = await collect(
      owner.roleAssignments.listForScope(groupScope, {
        filter: `principalId eq '${member.objectId}'`,
      }),
    );
    assert.deepEqual(memberOwn, [], "principalId eq does not expand groups");
    const assignedTo = await collect(
      owner.roleAssignments.listForScope(groupScope, {
        filter: `assignedTo('${member.objectId}')`,
      }),
    );
    assert.deepEqual(
      assignedTo.map((a) => [a.name, a.principalId, a.principalType]),
      [[groupName, group.objectId, "Group"]],
    );

    // The forms `az role assignment list -g/--scope` uses.
    const inGroup = await collect(
      owner.roleAssignments.listForResourceGroup(keyless.env.resourceGroup, {
        filter: `principalId eq '${direct.objectId}'`,
      }),
    );
    assert.deepEqual(
      inGroup.map((a) => a.name),
      [directName],
    );
    const onResource = await collect(
      owner.roleAssignments.listForResource(
        keyless.env.resourceGroup,
        "Microsoft.CognitiveServices",
        "accounts",
        "listed",
        { filter: "atScope()" },
      ),
    );
    assert.ok(onResource.some((a) => a.name === groupName));
    const inSubscription = await collect(owner.roleAssignments.listForSubscription());
    assert.ok(inSubscription.some((a) => a.name === directName));
  });

  test("deleting an assignment answers 200 with it, then 204; access ends on the next request", async () => {
    const app = await createTestServicePrincipal(keyless, "deleted-app");
    const scope = accountScope("deleted");
    const name = await assign(
      scope,
      azureRoleIds.cognitiveServicesUser,
      app.objectId,
      "ServicePrincipal",
    );
    const asApp = sdkFor(app);
    const permissions = () =>
      collect(
        asApp.permissions.listForResource(
          keyless.env.resourceGroup,
          "Microsoft.CognitiveServices",
          "",
          "accounts",
          "deleted",
        ),
      );
    assert.equal((await permissions()).length, 1);

    const first = await withRawResponse((options) =>
      owner.roleAssignments.delete(scope, name, options),
    );
    assert.equal(first.raw.status, 200);
    assert.equal(first.result.name, name);
    assert.equal(first.result.principalId, app.objectId);
    sameId(first.result.scope, scope);
    const second = await withRawResponse((options) =>
      owner.roleAssignments.delete(scope, name, options),
    );
    assert.equal(second.raw.status, 204);
    assert.equal(second.raw.body, undefined);

    await assertArmRejects(owner.roleAssignments.get(scope, name), {
      status: 404,
      code: "RoleAssignmentNotFound",
    });
    assert.deepEqual(await permissions(), [], "no role is left at the account");
  });
});

describe("who may do what", () => {
  test("no role: 403 AuthorizationFailed naming the app id (application) or the UPN (user)", async () => {
    const app = await createTestServicePrincipal(keyless, "no-rights-app");
    await assertArmRejects(collect(sdkFor(app).roleAssignments.listForScope(groupScope)), {
      status: 403,
      code: "AuthorizationFailed",
      message: authorizationFailedMessage(
        app.appId,
        app.objectId,
        ROLE_ASSIGNMENTS_READ,
        groupScope,
      ),
    });
    await assertArmRejects(collect(sdkFor(app).roleDefinitions.list(accountScope("acct1"))), {
      status: 403,
      code: "AuthorizationFailed",
      message: authorizationFailedMessage(
        app.appId,
        app.objectId,
        "Microsoft.Authorization/roleDefinitions/read",
        accountScope("acct1"),
      ),
    });

    const user = await createTestUser(keyless, "no-rights-user");
    const asUser = armAuthorizationClient(keyless, user.credential).client;
    await assertArmRejects(collect(asUser.roleAssignments.listForScope(groupScope)), {
      status: 403,
      code: "AuthorizationFailed",
      message: authorizationFailedMessage(
        user.userPrincipalName,
        user.objectId,
        ROLE_ASSIGNMENTS_READ,
        groupScope,
      ),
    });
  });

  test("Reader on the resource group takes effect on the next request: it lists, it cannot assign", async () => {
    const user = await createTestUser(keyless, "reader-user");
    const asUser = armAuthorizationClient(keyless, user.credential).client;
    await assertArmRejects(collect(asUser.roleAssignments.listForScope(groupScope)), {
      status: 403,
      code: "AuthorizationFailed",
    });
    const readerName = await assign(groupScope, azureRoleIds.reader, user.objectId, "User");
    const listed = await collect(asUser.roleAssignments.listForScope(groupScope));
    assert.ok(listed.some((a) => a.name === readerName && a.principalId === user.objectId));

    const scope = accountScope("reader-target");
    await assertArmRejects(
      asUser.roleAssignments.create(scope, randomUUID(), {
        roleDefinitionId: roleDefinitionArmId(keyless.env.subscriptionId, azureRoleIds.reader),
        principalId: user.objectId,
        principalType: "User",
      }),
      {
        status: 403,
        code: "AuthorizationFailed",
        message: authorizationFailedMessage(
          user.userPrincipalName,
          user.objectId,
          ROLE_ASSIGNMENTS_WRITE,
          scope,
        ),
      },
    );
  });

  test("Contributor reads role assignments but cannot write or delete them (notActions)", async () => {
    const app = await createTestServicePrincipal(keyless, "contributor-app");
    await assign(groupScope, azureRoleIds.contributor, app.objectId, "ServicePrincipal");
    const target = await createTestServicePrincipal(keyless, "target-app");
    const scope = accountScope("contributed");
    const existing = await assign(scope, azureRoleIds.reader, target.objectId, "ServicePrincipal");
    const asContributor = sdkFor(app);

    const listed = await collect(asContributor.roleAssignments.listForScope(scope));
    assert.ok(listed.some((a) => a.name === existing));
    assert.equal(
      (await findRole(asContributor, scope, CS_USER)).name,
      azureRoleIds.cognitiveServicesUser,
    );

    await assertArmRejects(
      asContributor.roleAssignments.create(scope, randomUUID(), {
        roleDefinitionId: roleDefinitionArmId(
          keyless.env.subscriptionId,
          azureRoleIds.cognitiveServicesUser,
        ),
        principalId: target.objectId,
        principalType: "ServicePrincipal",
      }),
      {
        status: 403,
        code: "AuthorizationFailed",
        message: authorizationFailedMessage(app.appId, app.objectId, ROLE_ASSIGNMENTS_WRITE, scope),
      },
    );
    await assertArmRejects(asContributor.roleAssignments.delete(scope, existing), {
      status: 403,
      code: "AuthorizationFailed",
      message: authorizationFailedMessage(app.appId, app.objectId, ROLE_ASSIGNMENTS_DELETE, scope),
    });
  });
});

describe("permissions (View my access)", () => {
  test("Owner has * at the resource group and on an account", async () => {
    const owned = [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }];
    assert.deepEqual(
      await collect(owner.permissions.listForResourceGroup(keyless.env.resourceGroup)),
      owned,
    );
    assert.deepEqual(
      await collect(
        owner.permissions.listForResource(
          keyless.env.resourceGroup,
          "Microsoft.CognitiveServices",
          "",
          "accounts",
          "acct1",
        ),
      ),
      owned,
    );
  });

  test("a Cognitive Services User on an account has that role's actions and dataActions there only", async () => {
    const app = await createTestServicePrincipal(keyless, "cs-user-app");
    await assign(
      accountScope("viewed"),
      azureRoleIds.cognitiveServicesUser,
      app.objectId,
      "ServicePrincipal",
    );
    const role = await owner.roleDefinitions.get(groupScope, azureRoleIds.cognitiveServicesUser);
    const asApp = sdkFor(app);
    const onAccount = await collect(
      asApp.permissions.listForResource(
        keyless.env.resourceGroup,
        "Microsoft.CognitiveServices",
        "",
        "accounts",
        "viewed",
      ),
    );
    assert.deepEqual(onAccount, role.permissions);
    assert.deepEqual(onAccount[0]?.dataActions, ["Microsoft.CognitiveServices/*"]);
    assert.deepEqual(
      await collect(asApp.permissions.listForResourceGroup(keyless.env.resourceGroup)),
      [],
    );
  });
});

describe("custom roles", () => {
  test("create and update a MaaS caller role, assign it, and delete it only once unassigned", async () => {
    const roleId = randomUUID();
    const roleName = `Keyless MaaS caller ${roleId.slice(0, 8)}`;
    const definition = {
      roleName,
      description: "Calls non-OpenAI models through /models.",
      roleType: "CustomRole",
      permissions: [
        {
          actions: ["Microsoft.CognitiveServices/accounts/read"],
          notActions: [],
          dataActions: ["Microsoft.CognitiveServices/accounts/MaaS/*"],
          notDataActions: [],
        },
      ],
      assignableScopes: [subscriptionScope],
    };
    const created = await withRawResponse((options) =>
      owner.roleDefinitions.createOrUpdate(subscriptionScope, roleId, definition, options),
    );
    assert.equal(created.raw.status, 201);
    assert.equal(created.result.name, roleId);
    assert.equal(created.result.id, roleDefinitionArmId(keyless.env.subscriptionId, roleId));
    assert.equal(created.result.roleType, "CustomRole");
    assert.deepEqual(created.result.permissions, definition.permissions);
    assert.equal(created.result.createdBy, keyless.env.user.objectId);

    // An update is a PUT too; the spec and the SDK know only 201 for it.
    const updated = await withRawResponse((options) =>
      owner.roleDefinitions.createOrUpdate(
        subscriptionScope,
        roleId,
        { ...definition, description: "Calls every model through /models." },
        options,
      ),
    );
    assert.equal(updated.raw.status, 201);
    assert.equal(updated.result.description, "Calls every model through /models.");
    assert.deepEqual(updated.result.createdOn, created.result.createdOn);
    assert.equal((await findRole(owner, groupScope, roleName)).name, roleId);

    const app = await createTestServicePrincipal(keyless, "maas-app");
    const scope = accountScope("maas");
    const assignment = await assign(scope, roleId, app.objectId, "ServicePrincipal");
    const mine = await collect(
      sdkFor(app).permissions.listForResource(
        keyless.env.resourceGroup,
        "Microsoft.CognitiveServices",
        "",
        "accounts",
        "maas",
      ),
    );
    assert.deepEqual(mine, definition.permissions);

    await assertArmRejects(owner.roleDefinitions.delete(subscriptionScope, roleId), {
      status: 409,
      code: "RoleDefinitionHasAssignments",
    });
    await owner.roleAssignments.delete(scope, assignment);
    const deleted = await withRawResponse((options) =>
      owner.roleDefinitions.delete(subscriptionScope, roleId, options),
    );
    assert.equal(deleted.raw.status, 200);
    assert.equal(deleted.result.roleName, roleName);
    const again = await withRawResponse((options) =>
      owner.roleDefinitions.delete(subscriptionScope, roleId, options),
    );
    assert.equal(again.raw.status, 204);
  });

  test("a built-in role cannot be changed or deleted", async () => {
    const builtIn = await owner.roleDefinitions.get(
      subscriptionScope,
      azureRoleIds.cognitiveServicesUser,
    );
    await assertArmRejects(
      owner.roleDefinitions.createOrUpdate(subscriptionScope, azureRoleIds.cognitiveServicesUser, {
        roleName: CS_USER,
        roleType: "CustomRole",
        permissions: [{ actions: ["*"] }],
        assignableScopes: [subscriptionScope],
      }),
      { status: 400, code: "RoleDefinitionUpdateNotPermitted" },
    );
    await assertArmRejects(
      owner.roleDefinitions.delete(subscriptionScope, azureRoleIds.cognitiveServicesUser),
      { status: 400, code: "RoleDefinitionUpdateNotPermitted" },
    );
    assert.deepEqual(
      await owner.roleDefinitions.get(subscriptionScope, azureRoleIds.cognitiveServicesUser),
      builtIn,
    );
  });
});
