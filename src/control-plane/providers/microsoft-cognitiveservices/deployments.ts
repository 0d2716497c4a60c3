import type { ArmContext, ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { armErrors, cognitiveServicesErrors } from "../../errors.js";
import { nextRecord } from "../../resource-record.js";
import type { ArmResourceRecord } from "../../store.js";
import { accountId, onAccount, requireAccount } from "./accounts.js";
import { COGNITIVE_SERVICES_VERSIONS, DEPLOYMENT_TYPE } from "./api-versions.js";
import { deploymentBody } from "./shapes.js";

type Operation = ArmOperation<ControlPlaneDeps>;
const UPSTREAM_KINDS = ["simulated", "openai-compatible", "azure-openai"];

const deploymentId = (c: ArmContext) => `${accountId(c)}/deployments/${c.params.deploymentName}`;
const onDeployment = (action: string) => (c: ArmContext) => ({ action, scope: deploymentId(c) });

/**
 * What a deployment's upstream API key is sealed to, so it cannot be moved to another deployment.
 * INVARIANT: the data plane opens it with the same string (`upstreamKeyContext` of
 * `inference/upstreams/openai-compatible.ts`, which imports this part, so it cannot be shared).
 */
const upstreamKeyContext = (deploymentId: string) =>
  `upstream-api-key:${deploymentId.toLowerCase()}`;

type Body = { sku?: { name?: unknown; capacity?: unknown }; properties?: Record<string, unknown> };

/**
 * The stored deployment. `properties.upstream` is Keyless's own: where the deployment forwards
 * (`simulated` by default, `openai-compatible` with a `baseUrl`, `azure-openai` with an `endpoint`).
 * A PUT without it keeps the previous upstream: the official SDK knows nothing of the field and
 * drops it, and an update of the capacity must not quietly re-point the deployment.
 */
function readDeployment(body: Body, previousUpstream: Record<string, unknown> | undefined) {
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
  const upstream = (body.properties?.upstream ??
    previousUpstream ?? { kind: "simulated" }) as Record<string, unknown>;
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

/**
 * `properties.upstream.apiKey` (openai-compatible only) is sealed at rest as `apiKeySealed` and
 * never shown again. A PUT without `apiKey` keeps the sealed key while the kind and `baseUrl` stay
 * the same, so a GET-modify-PUT round trip works; `"apiKey": null` removes it; a new `baseUrl`
 * drops it, so a key is never sent to a host it was not given for.
 */
function sealUpstreamKey(
  upstream: Record<string, unknown>,
  previous: Record<string, unknown> | undefined,
  deploymentId: string,
  box: ControlPlaneDeps["cognitiveServices"]["box"],
): Record<string, unknown> {
  // `apiKeySealed` and `hasApiKey` are Keyless's to write, whatever a caller sends.
  const { apiKey, apiKeySealed: _sealed, hasApiKey: _shown, ...rest } = upstream;
  if (apiKey !== undefined && apiKey !== null) {
    if (typeof apiKey !== "string" || apiKey === "") {
      throw cognitiveServicesErrors.invalidProperty(
        "'properties.upstream.apiKey' must be a non-empty string.",
      );
    }
    if (rest.kind !== "openai-compatible") {
      throw cognitiveServicesErrors.invalidProperty(
        "'properties.upstream.apiKey' is only for openai-compatible upstreams; azure-openai upstreams are called with Keyless's own identity.",
      );
    }
    return { ...rest, apiKeySealed: box.seal(apiKey, upstreamKeyContext(deploymentId)) };
  }
  if (
    apiKey === undefined &&
    typeof previous?.apiKeySealed === "string" &&
    previous.kind === rest.kind &&
    previous.baseUrl === rest.baseUrl
  ) {
    return { ...rest, apiKeySealed: previous.apiKeySealed };
  }
  return rest;
}

/** The ARM view of a deployment: a sealed upstream API key shows only as `hasApiKey: true`. */
function armDeploymentBody(record: ArmResourceRecord) {
  const body = deploymentBody(record);
  const upstream = (body.properties as Record<string, unknown>).upstream as
    Record<string, unknown> | undefined;
  if (upstream?.apiKeySealed === undefined) return body;
  const { apiKeySealed: _sealed, ...shown } = upstream;
  return { ...body, properties: { ...body.properties, upstream: { ...shown, hasApiKey: true } } };
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
    permission: onDeployment("Microsoft.CognitiveServices/accounts/deployments/write"),
    async handle(context, deps) {
      const account = await requireAccount(context, deps);
      const existing = await deps.resources.getResource(deploymentId(context));
      const id = `${account.id}/deployments/${context.params.deploymentName}`;
      const previousUpstream = (
        existing?.body.properties as { upstream?: Record<string, unknown> } | undefined
      )?.upstream;
      const body = readDeployment((context.body ?? {}) as Body, previousUpstream);
      body.properties.upstream = sealUpstreamKey(
        body.properties.upstream,
        previousUpstream,
        id,
        deps.cognitiveServices.box,
      );
      const record = nextRecord(
        {
          id,
          type: DEPLOYMENT_TYPE,
          name: context.params.deploymentName!,
          parentId: account.id,
          body,
        },
        existing,
        context.caller.objectId,
        deps.clock.now(),
      );
      await deps.resources.putResource(record);
      return { status: existing ? 200 : 201, body: armDeploymentBody(record) };
    },
  },
  {
    ...common,
    id: "Deployments_Get",
    method: "GET",
    path,
    permission: onDeployment("Microsoft.CognitiveServices/accounts/deployments/read"),
    async handle(context, deps) {
      return { status: 200, body: armDeploymentBody(await requireDeployment(context, deps)) };
    },
  },
  {
    ...common,
    id: "Deployments_Delete",
    method: "DELETE",
    path,
    permission: onDeployment("Microsoft.CognitiveServices/accounts/deployments/delete"),
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
    permission: onAccount("Microsoft.CognitiveServices/accounts/deployments/read"),
    async handle(context, deps) {
      const account = await requireAccount(context, deps);
      const records = await deps.resources.listChildren(account.id, DEPLOYMENT_TYPE);
      return { status: 200, body: { value: records.map(armDeploymentBody) } };
    },
  },
];
