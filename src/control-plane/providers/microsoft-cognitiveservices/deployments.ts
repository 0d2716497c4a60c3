import type { ArmContext, ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { armErrors, cognitiveServicesErrors } from "../../errors.js";
import { nextRecord } from "../../resource-record.js";
import type { ArmResourceRecord } from "../../store.js";
import { accountId, requireAccount } from "./accounts.js";
import { COGNITIVE_SERVICES_VERSIONS, DEPLOYMENT_TYPE } from "./api-versions.js";
import { deploymentBody } from "./shapes.js";

type Operation = ArmOperation<ControlPlaneDeps>;
const UPSTREAM_KINDS = ["simulated", "openai-compatible", "azure-openai"];

const deploymentId = (c: ArmContext) => `${accountId(c)}/deployments/${c.params.deploymentName}`;

type Body = { sku?: { name?: unknown; capacity?: unknown }; properties?: Record<string, unknown> };

/**
 * The stored deployment. `properties.upstream` is Keyless's own: where the deployment forwards
 * (`simulated` by default, `openai-compatible` with a `baseUrl`, `azure-openai` with an `endpoint`).
 */
function readDeployment(body: Body) {
  const model = body.properties?.model as
    { format?: unknown; name?: unknown; version?: unknown } | undefined;
  if (typeof model?.name !== "string" || typeof model.format !== "string") {
    throw cognitiveServicesErrors.invalidProperty(
      "'properties.model.format' and 'properties.model.name' are required.",
    );
  }
  const skuName = body.sku?.name ?? "Standard";
  const capacity = body.sku?.capacity ?? 1;
  if (typeof skuName !== "string" || !Number.isInteger(capacity) || (capacity as number) < 1) {
    throw cognitiveServicesErrors.invalidProperty("'sku.capacity' must be a positive integer.");
  }
  const upstream = (body.properties?.upstream ?? { kind: "simulated" }) as Record<string, unknown>;
  if (typeof upstream.kind !== "string" || !UPSTREAM_KINDS.includes(upstream.kind)) {
    throw cognitiveServicesErrors.invalidProperty(
      `'properties.upstream.kind' must be one of ${UPSTREAM_KINDS.join(", ")}.`,
    );
  }
  for (const field of upstream.kind === "openai-compatible"
    ? ["baseUrl"]
    : upstream.kind === "azure-openai"
      ? ["endpoint"]
      : []) {
    if (typeof upstream[field] !== "string" || !/^https?:\/\//.test(upstream[field] as string)) {
      throw cognitiveServicesErrors.invalidProperty(
        `'properties.upstream.${field}' must be an http(s) URL.`,
      );
    }
  }
  return {
    sku: { name: skuName, capacity },
    properties: {
      model: {
        format: model.format,
        name: model.name,
        ...(typeof model.version === "string" ? { version: model.version } : {}),
      },
      ...(typeof body.properties?.raiPolicyName === "string"
        ? { raiPolicyName: body.properties.raiPolicyName }
        : {}),
      versionUpgradeOption:
        body.properties?.versionUpgradeOption ?? "OnceNewDefaultVersionAvailable",
      upstream,
    },
  };
}

async function requireDeployment(
  context: ArmContext,
  deps: ControlPlaneDeps,
): Promise<ArmResourceRecord> {
  await requireAccount(context, deps);
  const record = await deps.resources.getResource(deploymentId(context));
  if (!record)
    throw armErrors.resourceNotFound(
      DEPLOYMENT_TYPE,
      `${context.params.accountName}/${context.params.deploymentName}`,
      context.params.resourceGroupName!,
    );
  return record;
}

const path =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.CognitiveServices/accounts/{accountName}/deployments/{deploymentName}";
const common = { resourceType: DEPLOYMENT_TYPE, apiVersions: COGNITIVE_SERVICES_VERSIONS } as const;

export const deploymentOperations: Operation[] = [
  {
    ...common,
    id: "Deployments_CreateOrUpdate",
    method: "PUT",
    path,
    permission: (c) => ({
      action: "Microsoft.CognitiveServices/accounts/deployments/write",
      scope: deploymentId(c),
    }),
    async handle(context, deps) {
      const account = await requireAccount(context, deps);
      const existing = await deps.resources.getResource(deploymentId(context));
      const record = nextRecord(
        {
          id: `${account.id}/deployments/${context.params.deploymentName}`,
          type: DEPLOYMENT_TYPE,
          name: context.params.deploymentName!,
          parentId: account.id,
          body: readDeployment((context.body ?? {}) as Body),
        },
        existing,
        context.caller.objectId,
        deps.clock.now(),
      );
      await deps.resources.putResource(record);
      return { status: existing ? 200 : 201, body: deploymentBody(record) };
    },
  },
  {
    ...common,
    id: "Deployments_Get",
    method: "GET",
    path,
    permission: (c) => ({
      action: "Microsoft.CognitiveServices/accounts/deployments/read",
      scope: deploymentId(c),
    }),
    async handle(context, deps) {
      return { status: 200, body: deploymentBody(await requireDeployment(context, deps)) };
    },
  },
  {
    ...common,
    id: "Deployments_Delete",
    method: "DELETE",
    path,
    permission: (c) => ({
      action: "Microsoft.CognitiveServices/accounts/deployments/delete",
      scope: deploymentId(c),
    }),
    async handle(context, deps) {
      await requireAccount(context, deps);
      return { status: (await deps.resources.deleteResource(deploymentId(context))) ? 200 : 204 };
    },
  },
  {
    ...common,
    id: "Deployments_List",
    method: "GET",
    path: path.replace("/{deploymentName}", ""),
    permission: (c) => ({
      action: "Microsoft.CognitiveServices/accounts/deployments/read",
      scope: accountId(c),
    }),
    async handle(context, deps) {
      const account = await requireAccount(context, deps);
      const records = await deps.resources.listChildren(account.id, DEPLOYMENT_TYPE);
      return { status: 200, body: { value: records.map(deploymentBody) } };
    },
  },
];
