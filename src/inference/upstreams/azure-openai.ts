import type { TokenCredential } from "@azure/identity";
import type { DeploymentView } from "../model.js";
import { HttpForwarder, type ForwarderTimeouts } from "./http-forwarder.js";
import { perDeploymentVersion } from "./per-deployment-version.js";
import { UpstreamError, type UpstreamCall, type UpstreamKind } from "./upstream.js";

export interface AzureOpenAIOptions extends ForwarderTimeouts {
  /**
   * Keyless's own identity. Called once, on the first call to an `azure-openai` deployment, so
   * no credential exists unless one is used.
   */
  credential: () => TokenCredential;
  /** Epoch milliseconds; tests move it to check token refresh. */
  now?: () => number;
}

const DEFAULT_API_VERSION = "2024-10-21";
const DEFAULT_SCOPE = "https://cognitiveservices.azure.com/.default";
/** A token is replaced this long before it expires, so none expires on the way. */
const REFRESH_MARGIN_MS = 2 * 60_000;

interface Target {
  origin: string;
  /** Up to the operation: `{endpoint path}/openai/deployments/{deployment}/`. */
  prefix: string;
  /** `?api-version=…`. */
  query: string;
  upstream: string;
  scope: string;
  forgetToken: () => void;
}

/**
 * An Azure OpenAI-compatible endpoint (Azure OpenAI, AI Services, another Keyless):
 * `POST {endpoint}/openai/deployments/{deployment}/{operation}?api-version=…` with a bearer token
 * for Keyless's own identity. Never an API key.
 */
export function createAzureOpenAIUpstream(options: AzureOpenAIOptions): UpstreamKind {
  const forwarder = new HttpForwarder(options);
  const tokens = new TokenCache(options.credential, options.now ?? Date.now);
  const targetOf = perDeploymentVersion((deployment) => resolveTarget(deployment, tokens));

  return {
    kind: "azure-openai",
    async call(call: UpstreamCall) {
      const target = targetOf(call.deployment);
      const token = await tokens.get(target.scope);
      // `return await`: returning the promise itself would cost two more microtasks.
      return await forwarder.forward({
        origin: target.origin,
        path: `${target.prefix}${call.operation}${target.query}`,
        upstream: target.upstream,
        credential: `Keyless's own identity (a token for ${target.scope})`,
        onCredentialRefused: target.forgetToken,
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          "x-ms-client-request-id": call.requestId,
        },
        body: JSON.stringify(call.body),
        stream: call.stream,
        signal: call.signal,
      });
    },
    close: () => forwarder.close(),
  };
}

function resolveTarget(deployment: DeploymentView, tokens: TokenCache): Target {
  const { endpoint, deployment: upstreamDeployment, apiVersion, scope } = deployment.upstream;
  let url: URL;
  try {
    url = new URL(String(endpoint));
  } catch {
    throw new UpstreamError(
      502,
      "BadGateway",
      `The deployment '${deployment.name}' cannot reach its upstream: its endpoint '${String(endpoint)}' is not a URL.`,
    );
  }
  const name = typeof upstreamDeployment === "string" ? upstreamDeployment : deployment.name;
  const version = typeof apiVersion === "string" ? apiVersion : DEFAULT_API_VERSION;
  const tokenScope = typeof scope === "string" ? scope : DEFAULT_SCOPE;
  return {
    origin: url.origin,
    prefix: `${url.pathname.replace(/\/+$/, "")}/openai/deployments/${encodeURIComponent(name)}/`,
    query: `?api-version=${encodeURIComponent(version)}`,
    upstream: url.host,
    scope: tokenScope,
    forgetToken: () => tokens.forget(tokenScope),
  };
}

/**
 * Tokens for Keyless's identity, one per scope, kept until shortly before they expire. Calls that
 * arrive while a token is being fetched wait for that same fetch.
 */
class TokenCache {
  private credential: TokenCredential | undefined;
  private readonly tokens = new Map<string, { token: string; refreshAt: number }>();
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(
    private readonly createCredential: () => TokenCredential,
    private readonly now: () => number,
  ) {}

  get(scope: string): Promise<string> | string {
    const cached = this.tokens.get(scope);
    if (cached && this.now() < cached.refreshAt) return cached.token;
    let fetching = this.fetching.get(scope);
    if (!fetching) {
      fetching = this.fetch(scope).finally(() => this.fetching.delete(scope));
      this.fetching.set(scope, fetching);
    }
    return fetching;
  }

  forget(scope: string): void {
    this.tokens.delete(scope);
  }

  private async fetch(scope: string): Promise<string> {
    let token: Awaited<ReturnType<TokenCredential["getToken"]>>;
    try {
      this.credential ??= this.createCredential();
      token = await this.credential.getToken(scope);
    } catch (error) {
      throw noToken(scope, (error as Error)?.message ?? String(error));
    }
    if (!token) throw noToken(scope, "the credential returned no token");
    this.tokens.set(scope, {
      token: token.token,
      refreshAt: token.expiresOnTimestamp - REFRESH_MARGIN_MS,
    });
    return token.token;
  }
}

const noToken = (scope: string, why: string) =>
  new UpstreamError(
    502,
    "BadGateway",
    `Keyless could not get a token for ${scope} from its own identity: ${why}`,
  );
