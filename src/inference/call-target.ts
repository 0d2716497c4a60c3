import { type DataPlaneRoute, isDeploymentName } from "./data-plane-route.js";
import { dataPlaneErrors } from "./errors.js";
import type { AccountView, DeploymentView, Operation } from "./model.js";

/** What a call reaches and the permission it needs, decided before any permission check. */
export interface CallTarget {
  /** e.g. `chat/completions`, `models/list`, `models/info` (for the audit log). */
  operation: Operation | "models/list" | "models/info";
  /** The deployment, when it exists: a missing one is reported only to callers allowed to call it. */
  deployment?: DeploymentView;
  dataAction: string;
  /** The ARM id authorization runs at: the deployment (even one that does not exist), or the account. */
  scope: string;
}

const ACCOUNTS = "Microsoft.CognitiveServices/accounts";

/**
 * The dataAction of a call (`contract/README.md` decision 3): Azure OpenAI routes check
 * `…/OpenAI/deployments/<operation>/action`; `/models` routes check the same for OpenAI-format
 * deployments and `…/MaaS/<operation>/action` for every other (and for a deployment that does not
 * exist), so Cognitive Services OpenAI User reaches OpenAI models only.
 */
export function resolveCallTarget(
  route: DataPlaneRoute,
  account: AccountView,
  body: unknown,
): CallTarget {
  const { target } = route;
  switch (target.kind) {
    case "list-models":
      return {
        operation: "models/list",
        dataAction: `${ACCOUNTS}/OpenAI/models/read`,
        scope: account.id,
      };
    case "model-info": {
      const given = new URLSearchParams(route.query).get("model");
      const name = given === null ? onlyDeployment(account) : checkedName(given);
      const deployment = deploymentOf(account, name);
      return {
        operation: "models/info",
        ...(deployment && { deployment }),
        dataAction: `${ACCOUNTS}/${namespaceOf(deployment)}/models/read`,
        scope: deploymentScope(account, name, deployment),
      };
    }
    case "deployment":
    case "model-in-body": {
      const name = target.kind === "deployment" ? target.deployment : modelOf(body);
      const deployment = deploymentOf(account, name);
      const namespace =
        target.kind === "model-in-body" && target.surface === "models"
          ? namespaceOf(deployment)
          : "OpenAI";
      return {
        operation: target.operation,
        ...(deployment && { deployment }),
        dataAction: deploymentAction(namespace, target.operation),
        scope: deploymentScope(account, name, deployment),
      };
    }
  }
}

/**
 * Built once per namespace and operation: the same string on every call, whose hash the
 * authorization and audit lookups that key on it compute once.
 */
const deploymentActions = { OpenAI: new Map<string, string>(), MaaS: new Map<string, string>() };
function deploymentAction(namespace: "OpenAI" | "MaaS", operation: Operation): string {
  const known = deploymentActions[namespace];
  let action = known.get(operation);
  if (action === undefined) {
    action =
      namespace === "OpenAI"
        ? `${ACCOUNTS}/OpenAI/deployments/${operation}/action`
        : `${ACCOUNTS}/MaaS/${operation}/action`;
    known.set(operation, action);
  }
  return action;
}

const deploymentOf = (account: AccountView, name: string): DeploymentView | undefined =>
  account.deployments.get(name.toLowerCase());

const namespaceOf = (deployment: DeploymentView | undefined): "OpenAI" | "MaaS" =>
  deployment?.modelFormat.toLowerCase() === "openai" ? "OpenAI" : "MaaS";

/** The deployment's own id when it exists; otherwise the id it would have. */
const deploymentScope = (
  account: AccountView,
  name: string,
  deployment: DeploymentView | undefined,
): string => deployment?.id ?? `${account.id}/deployments/${name}`;

function modelOf(body: unknown): string {
  const model = (body as { model?: unknown } | undefined)?.model;
  if (typeof model !== "string" || model === "") {
    throw dataPlaneErrors.badRequest(
      "The 'model' field is required: it names the deployment to call.",
    );
  }
  return checkedName(model);
}

/** A model name must be a plain deployment name: it becomes part of the authorization scope. */
function checkedName(name: string): string {
  if (!isDeploymentName(name)) {
    throw dataPlaneErrors.badRequest(`'${name.slice(0, 100)}' is not a valid deployment name.`);
  }
  return name;
}

function onlyDeployment(account: AccountView): string {
  if (account.deployments.size === 1) return [...account.deployments.values()][0]!.name;
  throw dataPlaneErrors.badRequest(
    "The 'model' query parameter is required: it names the deployment to describe.",
  );
}
