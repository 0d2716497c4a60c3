import type { DeploymentView } from "../model.js";
import { HttpForwarder, type ForwarderTimeouts } from "./http-forwarder.js";
import { perDeploymentVersion } from "./per-deployment-version.js";
import { UpstreamError, type UpstreamCall, type UpstreamKind } from "./upstream.js";

export interface OpenAICompatibleOptions extends ForwarderTimeouts {
  /**
   * Opens a deployment's sealed upstream API key (`properties.upstream.apiKeySealed`, sealed to
   * `upstreamKeyContext(deployment.id)`). Without it, deployments with a key cannot be called.
   */
  openSecret?: (sealed: string, context: string) => string;
}

/**
 * The context a deployment's upstream API key is sealed to, so a sealed key cannot be moved to
 * another deployment. INVARIANT: the control plane seals with this same string
 * (`control-plane/providers/microsoft-cognitiveservices/deployments.ts`).
 */
export const upstreamKeyContext = (deploymentId: string) =>
  `upstream-api-key:${deploymentId.toLowerCase()}`;

/** What a deployment's upstream resolves to once: address, model name and credentials. */
interface Target {
  origin: string;
  /** The base URL's path without its trailing slash, e.g. `/v1`. */
  prefix: string;
  search: string;
  upstream: string;
  model: string;
  authorization: string | undefined;
  credential: string;
}

/**
 * Any OpenAI-style server (vLLM, Ollama, llama.cpp, OpenAI): `POST {baseUrl}/{operation}` with
 * the body's `model` set to the upstream's own name for the model, and the deployment's API key,
 * if it has one, as a bearer token.
 */
export function createOpenAICompatibleUpstream(
  options: OpenAICompatibleOptions = {},
): UpstreamKind {
  const forwarder = new HttpForwarder(options);
  const targetOf = perDeploymentVersion((deployment) =>
    resolveTarget(deployment, options.openSecret),
  );

  return {
    kind: "openai-compatible",
    async call(call: UpstreamCall) {
      const target = targetOf(call.deployment);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-request-id": call.requestId,
      };
      if (target.authorization) headers.authorization = target.authorization;
      call.body.model = target.model;
      // `return await`: returning the promise itself would cost two more microtasks.
      return await forwarder.forward({
        origin: target.origin,
        path: `${target.prefix}/${call.operation}${target.search}`,
        upstream: target.upstream,
        credential: target.credential,
        headers,
        body: JSON.stringify(call.body),
        stream: call.stream,
        signal: call.signal,
      });
    },
    close: () => forwarder.close(),
  };
}

function resolveTarget(
  deployment: DeploymentView,
  openSecret: OpenAICompatibleOptions["openSecret"],
): Target {
  const { baseUrl, model, apiKeySealed } = deployment.upstream;
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw misconfigured(deployment, `its upstream baseUrl '${String(baseUrl)}' is not a URL`);
  }
  return {
    origin: url.origin,
    prefix: url.pathname.replace(/\/+$/, ""),
    search: url.search,
    upstream: url.host,
    model: typeof model === "string" && model !== "" ? model : deployment.modelName,
    authorization:
      typeof apiKeySealed === "string"
        ? `Bearer ${openKey(deployment, apiKeySealed, openSecret)}`
        : undefined,
    credential:
      typeof apiKeySealed === "string"
        ? "the deployment's upstream API key"
        : "a request without credentials (the deployment has no upstream API key)",
  };
}

function openKey(
  deployment: DeploymentView,
  sealed: string,
  openSecret: OpenAICompatibleOptions["openSecret"],
): string {
  if (!openSecret) throw misconfigured(deployment, "Keyless cannot open upstream API keys");
  try {
    return openSecret(sealed, upstreamKeyContext(deployment.id));
  } catch {
    throw misconfigured(deployment, "its upstream API key cannot be opened with the master key");
  }
}

const misconfigured = (deployment: DeploymentView, why: string) =>
  new UpstreamError(
    502,
    "BadGateway",
    `The deployment '${deployment.name}' cannot reach its upstream: ${why}.`,
  );
