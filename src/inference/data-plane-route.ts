import type { Operation } from "./model.js";

/** What a request asks for, whatever URL shape it used. */
export type RouteTarget =
  /** `/openai/deployments/{d}/{operation}`: the path names the deployment. */
  | { kind: "deployment"; operation: Operation; deployment: string }
  /** `/openai/v1/{operation}` and `/models/{operation}`: the body's `model` names it. */
  | { kind: "model-in-body"; surface: "openai-v1" | "models"; operation: Operation }
  /** `GET /openai/v1/models`: the account's deployments. */
  | { kind: "list-models" }
  /** `GET /models/info`: one deployment's model, named by `?model=` (or the only one). */
  | { kind: "model-info" };

export interface DataPlaneRoute {
  /** The account's sub-domain name as the caller wrote it. */
  account: string;
  target: RouteTarget;
  /** The route's template, for Azure's PermissionDenied message (`POST /openai/deployments/{deployment-id}/…`). */
  template: string;
  /** The query string, without its `?`. */
  query: string;
}

const OPERATIONS: ReadonlySet<string> = new Set<Operation>([
  "chat/completions",
  "completions",
  "embeddings",
]);
const MODELS_OPERATIONS: ReadonlySet<string> = new Set<Operation>([
  "chat/completions",
  "embeddings",
]);
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/i;
const DEPLOYMENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/**
 * Normalises a data-plane URL to one (account, target) — the only thing authorization and
 * forwarding ever see. Every segment is percent-decoded exactly once and must then be a plain
 * name: an encoded `/` or `\`, a `.` or `..` segment, a `%` left after decoding (double
 * encoding) or a control character refuses the whole URL, so no spelling can name a deployment
 * other than the one it shows. Empty segments (`//`) collapse; literal segments match in any case.
 *
 * `hostAccount` is the account a `{account}.{baseDomain}` host names; a path prefix
 * `/accounts/{account}` must agree with it. Returns undefined when the URL is not a data-plane
 * route (the caller answers 404).
 */
export function parseDataPlaneRoute(
  method: string,
  rawUrl: string,
  hostAccount?: string,
): DataPlaneRoute | undefined {
  const queryAt = rawUrl.indexOf("?");
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const segments = decodeSegments(rawPath);
  if (!segments) return undefined;
  let account = hostAccount;
  let rest = segments;
  if (segments[0]?.toLowerCase() === "accounts" && segments.length > 1) {
    const named = segments[1]!;
    if (hostAccount !== undefined && hostAccount.toLowerCase() !== named.toLowerCase())
      return undefined;
    account = named;
    rest = segments.slice(2);
  }
  if (account === undefined || !ACCOUNT_NAME.test(account)) return undefined;
  const match = matchTarget(method, rest);
  if (!match) return undefined;
  return {
    account,
    target: match.target,
    template: `${method} ${match.template}`,
    query: queryAt < 0 ? "" : rawUrl.slice(queryAt + 1),
  };
}

function decodeSegments(rawPath: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined; // malformed escape
    }
    if (segment === "." || segment === ".." || /[/\\%\u0000-\u001f\u007f]/.test(segment)) {
      return undefined;
    }
    segments.push(segment);
  }
  return segments;
}

function matchTarget(
  method: string,
  segments: string[],
): { target: RouteTarget; template: string } | undefined {
  const lower = segments.map((segment) => segment.toLowerCase());
  const [first, second] = lower;
  if (first === "openai" && second === "deployments" && method === "POST") {
    const deployment = segments[2];
    const operation = lower.slice(3).join("/");
    if (!deployment || !DEPLOYMENT_NAME.test(deployment) || !OPERATIONS.has(operation))
      return undefined;
    return {
      target: { kind: "deployment", operation: operation as Operation, deployment },
      template: `/openai/deployments/{deployment-id}/${operation}`,
    };
  }
  if (first === "openai" && second === "v1") {
    const operation = lower.slice(2).join("/");
    if (method === "GET" && operation === "models")
      return { target: { kind: "list-models" }, template: "/openai/v1/models" };
    if (method !== "POST" || !OPERATIONS.has(operation)) return undefined;
    return {
      target: { kind: "model-in-body", surface: "openai-v1", operation: operation as Operation },
      template: `/openai/v1/${operation}`,
    };
  }
  if (first === "models") {
    const operation = lower.slice(1).join("/");
    if (method === "GET" && operation === "info")
      return { target: { kind: "model-info" }, template: "/models/info" };
    if (method !== "POST" || !MODELS_OPERATIONS.has(operation)) return undefined;
    return {
      target: { kind: "model-in-body", surface: "models", operation: operation as Operation },
      template: `/models/${operation}`,
    };
  }
  return undefined;
}

/** Whether `name` can be a deployment name (what a body's `model` must look like). */
export const isDeploymentName = (name: string): boolean => DEPLOYMENT_NAME.test(name);
