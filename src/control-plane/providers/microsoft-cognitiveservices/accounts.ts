import type { ArmContext, ArmOperation, ArmResult } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { armErrors, cognitiveServicesErrors } from "../../errors.js";
import { nextRecord } from "../../resource-record.js";
import type { ArmResourceRecord } from "../../store.js";
import { requireResourceGroup } from "../microsoft-resources.js";
import { generateAccountKey, keyContext } from "./account-keys.js";
import { ACCOUNT_TYPE, COGNITIVE_SERVICES_VERSIONS } from "./api-versions.js";
import { accountBody } from "./shapes.js";

type Operation = ArmOperation<ControlPlaneDeps>;
const SUBDOMAIN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const accountId = (c: ArmContext) =>
  `/subscriptions/${c.params.subscriptionId}/resourceGroups/${c.params.resourceGroupName}/providers/Microsoft.CognitiveServices/accounts/${c.params.accountName}`;

export async function requireAccount(
  context: ArmContext,
  deps: ControlPlaneDeps,
): Promise<ArmResourceRecord> {
  await requireResourceGroup(context, deps);
  const record = await deps.resources.getResource(accountId(context));
  if (!record)
    throw armErrors.resourceNotFound(
      ACCOUNT_TYPE,
      context.params.accountName!,
      context.params.resourceGroupName!,
    );
  return record;
}

type Body = Record<string, unknown> & { properties?: Record<string, unknown> };

/** The stored account body from a PUT (or a PATCH merged onto the current one). */
function readAccount(body: Body, name: string, current?: Body): Body {
  const location = body.location ?? current?.location;
  const kind = body.kind ?? current?.kind;
  const sku = (body.sku ?? current?.sku) as { name?: unknown } | undefined;
  if (typeof location !== "string" || location === "")
    throw cognitiveServicesErrors.invalidProperty("'location' is required.");
  if (typeof kind !== "string" || kind === "")
    throw cognitiveServicesErrors.invalidProperty("'kind' is required.");
  if (typeof sku?.name !== "string")
    throw cognitiveServicesErrors.invalidProperty("'sku.name' is required.");
  const given = { ...(current?.properties ?? {}), ...(body.properties ?? {}) };
  const subdomain = String(given.customSubDomainName ?? name).toLowerCase();
  if (!SUBDOMAIN.test(subdomain))
    throw cognitiveServicesErrors.invalidProperty(
      `'${subdomain}' is not a valid customSubDomainName.`,
    );
  const access = given.publicNetworkAccess ?? "Enabled";
  if (access !== "Enabled" && access !== "Disabled") {
    throw cognitiveServicesErrors.invalidProperty(
      "'publicNetworkAccess' must be 'Enabled' or 'Disabled'.",
    );
  }
  if (given.disableLocalAuth !== undefined && typeof given.disableLocalAuth !== "boolean") {
    throw cognitiveServicesErrors.invalidProperty("'disableLocalAuth' must be a boolean.");
  }
  const tags = body.tags ?? current?.tags;
  return {
    location,
    kind,
    sku: { name: sku.name },
    ...(tags ? { tags } : {}),
    ...(current?.identity ? { identity: current.identity } : {}),
    properties: {
      customSubDomainName: subdomain,
      disableLocalAuth: given.disableLocalAuth ?? false,
      publicNetworkAccess: access,
      ...(given.networkAcls ? { networkAcls: given.networkAcls } : {}),
    },
  };
}

async function checkSubdomainFree(
  deps: ControlPlaneDeps,
  id: string,
  subdomain: string,
): Promise<void> {
  const taken = (await deps.resources.listByType(ACCOUNT_TYPE, "/")).some(
    (other) =>
      other.id.toLowerCase() !== id.toLowerCase() &&
      (other.body.properties as { customSubDomainName?: string }).customSubDomainName === subdomain,
  );
  if (taken) throw cognitiveServicesErrors.customDomainInUse(subdomain);
}

async function createKeys(deps: ControlPlaneDeps, id: string): Promise<void> {
  const { box, keys } = deps.cognitiveServices;
  await keys.putAccountKeys(id, {
    key1: box.seal(generateAccountKey(), keyContext(id, "key1")),
    key2: box.seal(generateAccountKey(), keyContext(id, "key2")),
  });
}

/** Adds the system-assigned identity when the request asks for one and the account has none. */
async function withIdentity(
  context: ArmContext,
  deps: ControlPlaneDeps,
  id: string,
  name: string,
  account: Body,
): Promise<Body> {
  const requested = (context.body as Body | undefined)?.identity as { type?: unknown } | undefined;
  const type = typeof requested?.type === "string" ? requested.type : undefined;
  if (!type || !/SystemAssigned/i.test(type) || account.identity) return account;
  const { principalId } = await deps.cognitiveServices.createSystemIdentity({
    tenantId: context.caller.tenantId,
    resourceId: id,
    name,
  });
  return {
    ...account,
    identity: { type: "SystemAssigned", principalId, tenantId: context.caller.tenantId },
  };
}

async function save(
  context: ArmContext,
  deps: ControlPlaneDeps,
  body: Body,
  existing: ArmResourceRecord | undefined,
): Promise<ArmResult> {
  const id = existing?.id ?? accountId(context);
  const name = existing?.name ?? context.params.accountName!;
  await checkSubdomainFree(
    deps,
    id,
    (body.properties as { customSubDomainName: string }).customSubDomainName,
  );
  const account = await withIdentity(context, deps, id, name, body);
  const parentId = id.slice(0, id.toLowerCase().indexOf("/providers/"));
  const record = nextRecord(
    { id, type: ACCOUNT_TYPE, name, parentId, body: account },
    existing,
    context.caller.objectId,
    deps.clock.now(),
  );
  await deps.resources.putResource(record);
  if (!existing) await createKeys(deps, id);
  return { status: existing ? 200 : 201, body: accountBody(record, context.origin) };
}

/** The permission an operation needs: `action` at the account the path names. */
export const onAccount = (action: string) => (c: ArmContext) => ({ action, scope: accountId(c) });
export const accountPath =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.CognitiveServices/accounts/{accountName}";
export const common = {
  resourceType: ACCOUNT_TYPE,
  apiVersions: COGNITIVE_SERVICES_VERSIONS,
} as const;

async function readable(context: ArmContext, deps: ControlPlaneDeps, records: ArmResourceRecord[]) {
  const allowed = await Promise.all(
    records.map((r) =>
      deps.access.allowed(context.caller, {
        action: "Microsoft.CognitiveServices/accounts/read",
        scope: r.id,
      }),
    ),
  );
  return records.filter((_, i) => allowed[i]).map((r) => accountBody(r, context.origin));
}

export const accountOperations: Operation[] = [
  {
    ...common,
    id: "Accounts_Create",
    method: "PUT",
    path: accountPath,
    permission: onAccount("Microsoft.CognitiveServices/accounts/write"),
    async handle(context, deps) {
      await requireResourceGroup(context, deps);
      const existing = await deps.resources.getResource(accountId(context));
      const body = readAccount(
        (context.body ?? {}) as Body,
        context.params.accountName!,
        existing && { identity: existing.body.identity },
      );
      return save(context, deps, body, existing);
    },
  },
  {
    ...common,
    id: "Accounts_Update",
    method: "PATCH",
    path: accountPath,
    permission: onAccount("Microsoft.CognitiveServices/accounts/write"),
    async handle(context, deps) {
      const existing = await requireAccount(context, deps);
      return save(
        context,
        deps,
        readAccount((context.body ?? {}) as Body, existing.name, existing.body as Body),
        existing,
      );
    },
  },
  {
    ...common,
    id: "Accounts_Get",
    method: "GET",
    path: accountPath,
    permission: onAccount("Microsoft.CognitiveServices/accounts/read"),
    async handle(context, deps) {
      return {
        status: 200,
        body: accountBody(await requireAccount(context, deps), context.origin),
      };
    },
  },
  {
    ...common,
    id: "Accounts_Delete",
    method: "DELETE",
    path: accountPath,
    permission: onAccount("Microsoft.CognitiveServices/accounts/delete"),
    async handle(context, deps) {
      await requireResourceGroup(context, deps);
      const record = await deps.resources.getResource(accountId(context));
      if (!record) return { status: 204 };
      await deps.resources.deleteResource(record.id);
      await deps.cognitiveServices.keys.deleteAccountKeys(record.id);
      const identity = record.body.identity as { principalId?: string } | undefined;
      if (identity?.principalId)
        await deps.cognitiveServices.deleteSystemIdentity(identity.principalId);
      return { status: 200 };
    },
  },
  {
    ...common,
    id: "Accounts_ListByResourceGroup",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.CognitiveServices/accounts",
    permission: () => undefined, // filtered per account below
    async handle(context, deps) {
      const group = await requireResourceGroup(context, deps);
      return {
        status: 200,
        body: {
          value: await readable(
            context,
            deps,
            await deps.resources.listByType(ACCOUNT_TYPE, group.id),
          ),
        },
      };
    },
  },
  {
    ...common,
    id: "Accounts_List",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.CognitiveServices/accounts",
    permission: () => undefined,
    async handle(context, deps) {
      const subscription = await deps.resources.getResource(
        `/subscriptions/${context.params.subscriptionId}`,
      );
      if (!subscription) throw armErrors.subscriptionNotFound(context.params.subscriptionId!);
      return {
        status: 200,
        body: {
          value: await readable(
            context,
            deps,
            await deps.resources.listByType(ACCOUNT_TYPE, subscription.id),
          ),
        },
      };
    },
  },
];
