import type { ArmContext, ArmOperation, ArmResult } from "../arm-operation.js";
import type { ControlPlaneDeps } from "../control-plane-deps.js";
import { armErrors } from "../errors.js";
import { nextRecord } from "../resource-record.js";
import type { ArmResourceRecord } from "../store.js";

const SUBSCRIPTION_VERSIONS = [
  "2016-06-01",
  "2019-06-01",
  "2019-11-01",
  "2020-01-01",
  "2021-01-01",
  "2022-12-01",
];
const RESOURCE_GROUP_VERSIONS = [
  "2019-10-01",
  "2020-06-01",
  "2021-04-01",
  "2022-09-01",
  "2023-07-01",
  "2024-03-01",
];

export const SUBSCRIPTION_TYPE = "Microsoft.Resources/subscriptions";
export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups";

type Operation = ArmOperation<ControlPlaneDeps>;

/** A subscription as `GET /subscriptions` lists it. */
function subscriptionBody(record: ArmResourceRecord) {
  return {
    id: record.id,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: record.name,
    tenantId: record.body.tenantId,
    displayName: record.body.displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "Keyless_2026-01-01",
      spendingLimit: "Off",
    },
  };
}

export function resourceGroupBody(record: ArmResourceRecord) {
  return {
    id: record.id,
    name: record.name,
    type: RESOURCE_GROUP_TYPE,
    location: record.body.location,
    ...(record.body.tags ? { tags: record.body.tags } : {}),
    properties: { provisioningState: "Succeeded" },
  };
}

async function visibleSubscriptions(
  context: ArmContext,
  deps: ControlPlaneDeps,
): Promise<ArmResourceRecord[]> {
  const all = await deps.resources.listChildren("/", SUBSCRIPTION_TYPE);
  const visible = await Promise.all(
    all.map((s) => deps.access.hasAnyAccessWithin(context.caller, s.id)),
  );
  return all.filter((_, i) => visible[i]);
}

/** The resource group a request's path names; 404 when it or its subscription does not exist. */
export async function requireResourceGroup(context: ArmContext, deps: ControlPlaneDeps) {
  const subscriptionId = context.params.subscriptionId!;
  const name = context.params.resourceGroupName!;
  if (!(await deps.resources.getResource(`/subscriptions/${subscriptionId}`)))
    throw armErrors.subscriptionNotFound(subscriptionId);
  const group = await deps.resources.getResource(
    `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
  );
  if (!group) throw armErrors.resourceGroupNotFound(name);
  return group;
}

const rgScope = (c: ArmContext) =>
  `/subscriptions/${c.params.subscriptionId}/resourceGroups/${c.params.resourceGroupName}`;

export const microsoftResources: Operation[] = [
  {
    id: "Subscriptions_List",
    method: "GET",
    path: "/subscriptions",
    resourceType: SUBSCRIPTION_TYPE,
    apiVersions: SUBSCRIPTION_VERSIONS,
    permission: () => undefined, // the list shows what the caller has access within
    async handle(context, deps): Promise<ArmResult> {
      const value = (await visibleSubscriptions(context, deps)).map(subscriptionBody);
      return { status: 200, body: { value, count: { type: "Total", value: value.length } } };
    },
  },
  {
    id: "Subscriptions_Get",
    method: "GET",
    path: "/subscriptions/{subscriptionId}",
    resourceType: SUBSCRIPTION_TYPE,
    apiVersions: SUBSCRIPTION_VERSIONS,
    permission: () => undefined,
    async handle(context, deps) {
      const record = await deps.resources.getResource(
        `/subscriptions/${context.params.subscriptionId}`,
      );
      if (!record || !(await deps.access.hasAnyAccessWithin(context.caller, record.id))) {
        throw armErrors.subscriptionNotFound(context.params.subscriptionId!);
      }
      return { status: 200, body: subscriptionBody(record) };
    },
  },
  {
    id: "Tenants_List",
    method: "GET",
    path: "/tenants",
    resourceType: "Microsoft.Resources/tenants",
    apiVersions: SUBSCRIPTION_VERSIONS,
    permission: () => undefined,
    async handle(context, deps) {
      const tenant = await deps.tenants.get(context.caller.tenantId);
      const value = tenant
        ? [
            {
              id: `/tenants/${tenant.id}`,
              tenantId: tenant.id,
              tenantCategory: "Home",
              displayName: tenant.displayName,
              defaultDomain: tenant.defaultDomain,
              domains: [tenant.defaultDomain],
            },
          ]
        : [];
      return { status: 200, body: { value } };
    },
  },
  {
    id: "ResourceGroups_List",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/resourcegroups",
    resourceType: RESOURCE_GROUP_TYPE,
    apiVersions: RESOURCE_GROUP_VERSIONS,
    permission: () => undefined,
    async handle(context, deps) {
      const subscriptionId = context.params.subscriptionId!;
      const subscription = await deps.resources.getResource(`/subscriptions/${subscriptionId}`);
      if (!subscription) throw armErrors.subscriptionNotFound(subscriptionId);
      const groups = await deps.resources.listChildren(subscription.id, RESOURCE_GROUP_TYPE);
      const readable = await Promise.all(
        groups.map((group) =>
          deps.access.allowed(context.caller, {
            action: "Microsoft.Resources/subscriptions/resourceGroups/read",
            scope: group.id,
          }),
        ),
      );
      return {
        status: 200,
        body: { value: groups.filter((_, i) => readable[i]).map(resourceGroupBody) },
      };
    },
  },
  {
    id: "ResourceGroups_Get",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
    resourceType: RESOURCE_GROUP_TYPE,
    apiVersions: RESOURCE_GROUP_VERSIONS,
    permission: (c) => ({
      action: "Microsoft.Resources/subscriptions/resourceGroups/read",
      scope: rgScope(c),
    }),
    async handle(context, deps) {
      const group = await requireResourceGroup(context, deps);
      return { status: 200, body: resourceGroupBody(group) };
    },
  },
  {
    id: "ResourceGroups_CreateOrUpdate",
    method: "PUT",
    path: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
    resourceType: RESOURCE_GROUP_TYPE,
    apiVersions: RESOURCE_GROUP_VERSIONS,
    permission: (c) => ({
      action: "Microsoft.Resources/subscriptions/resourceGroups/write",
      scope: rgScope(c),
    }),
    async handle(context, deps) {
      const { subscriptionId, resourceGroupName } = context.params as Record<string, string>;
      const subscription = await deps.resources.getResource(`/subscriptions/${subscriptionId}`);
      if (!subscription) throw armErrors.subscriptionNotFound(subscriptionId);
      const body = (context.body ?? {}) as { location?: unknown; tags?: unknown };
      if (typeof body.location !== "string" || body.location === "") {
        throw armErrors.invalidRequestContent("the resource group's 'location' is required.");
      }
      const existing = await deps.resources.getResource(
        `${subscription.id}/resourceGroups/${resourceGroupName}`,
      );
      const record = nextRecord(
        {
          id: `${subscription.id}/resourceGroups/${resourceGroupName}`,
          type: RESOURCE_GROUP_TYPE,
          name: resourceGroupName,
          parentId: subscription.id,
          body: { location: body.location, ...(body.tags ? { tags: body.tags } : {}) },
        },
        existing,
        context.caller.objectId,
        deps.clock.now(),
      );
      const created = await deps.resources.putResource(record);
      return { status: created ? 201 : 200, body: resourceGroupBody(record) };
    },
  },
  {
    id: "ResourceGroups_Delete",
    method: "DELETE",
    path: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
    resourceType: RESOURCE_GROUP_TYPE,
    apiVersions: RESOURCE_GROUP_VERSIONS,
    permission: (c) => ({
      action: "Microsoft.Resources/subscriptions/resourceGroups/delete",
      scope: rgScope(c),
    }),
    async handle(context, deps) {
      const group = await requireResourceGroup(context, deps);
      await deps.resources.deleteResource(group.id);
      return { status: 200 };
    },
  },
];
