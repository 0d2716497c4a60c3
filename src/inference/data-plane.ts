import type { Logger } from "pino";
import type { AuditEntry, AuditSink } from "../audit/index.js";
import type { AuthzFacts } from "../authz/index.js";
import { boundedMemo, type Clock } from "../kernel/index.js";
import type { AccountCatalog } from "./account-catalog.js";
import type { CallerSignal } from "./caller-signal.js";
import {
  authenticateCaller,
  type CallerAuthenticatorDeps,
  type DataPlaneCaller,
} from "./authenticate-caller.js";
import { authorizeCall } from "./authorize-call.js";
import { resolveCallTarget } from "./call-target.js";
import { type DataPlaneRoute, parseDataPlaneRoute } from "./data-plane-route.js";
import { DataPlaneError, dataPlaneErrors } from "./errors.js";
import { listModels, modelInfo } from "./model-listing.js";
import { checkNetworkRules } from "./network-rules.js";
import { guardStream } from "./guard-stream.js";
import type { UpstreamRegistry } from "./upstreams/index.js";
import { VerifiedCallers } from "./verified-callers.js";
import type { DeploymentView, Operation } from "./model.js";

export interface DataPlaneDeps extends Omit<CallerAuthenticatorDeps, "catalog" | "callers"> {
  catalog: AccountCatalog;
  /** The directory cache's `generation()`: how long a verified token's caller may be reused. */
  directoryGeneration(): number;
  authz: AuthzFacts;
  upstreams: UpstreamRegistry;
  audit: AuditSink;
  clock: Clock;
  /** Failures nobody else reports (an unexpected error mid-stream). */
  log: Pick<Logger, "error">;
  /** `{account}.{baseDomain}` host names address accounts; undefined: path prefixes only. */
  baseDomain?: string;
}

/** A data-plane request as the HTTP edge hands it over. */
export interface DataPlaneRequest {
  method: string;
  /** The URL exactly as received (still percent-encoded). */
  url: string;
  host?: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  clientAddress: string;
  requestId: string;
  /** Aborted when the caller goes away. */
  signal: CallerSignal;
}

interface JsonResponse {
  status: number;
  headers: Record<string, string>;
  /** The answer as a value, sent as JSON; or `bytes`. */
  body?: unknown;
  /** The answer as JSON bytes, when an upstream sent them: the edge relays these unchanged. */
  bytes?: Buffer;
}

export type DataPlaneResponse =
  | JsonResponse
  | { status: number; headers: Record<string, string>; stream: AsyncIterable<string | Uint8Array> };

/**
 * The data plane, in the order `docs/architecture.md` gives: normalise the route, resolve the
 * account, network rules, authenticate, resolve the target and its dataAction, authorize,
 * forward to the upstream, and write one audit record whatever happened.
 */
export class DataPlane {
  /** Parsed routes by `method host-account url`: a gateway's callers use few distinct URLs. */
  private readonly parsedRoutes = boundedMemo(ROUTES_REMEMBERED, (key: string) => {
    const [method, hostAccount, url] = key.split(" ", 3) as [string, string, string];
    return frozen(parseDataPlaneRoute(method, url, hostAccount || undefined));
  });

  private readonly callerDeps: CallerAuthenticatorDeps;

  constructor(private readonly deps: DataPlaneDeps) {
    const callers = new VerifiedCallers(
      () => deps.directoryGeneration(),
      () => deps.clock.now(),
    );
    this.callerDeps = { ...deps, callers };
  }

  /** The normalised route, or undefined when the URL is not a data-plane route (404). */
  route(method: string, url: string, host: string | undefined): DataPlaneRoute | undefined {
    const hostAccount = this.hostAccount(host);
    // Longer URLs are parsed each time, so remembered routes stay small; a space would make
    // the key ambiguous (HTTP allows none in a URL, but a host header may carry one).
    if (url.length > LONGEST_REMEMBERED_URL || url.includes(" ") || hostAccount?.includes(" "))
      return parseDataPlaneRoute(method, url, hostAccount);
    return this.parsedRoutes(`${method} ${hostAccount ?? ""} ${url}`);
  }

  async handle(request: DataPlaneRequest, route: DataPlaneRoute): Promise<DataPlaneResponse> {
    const audit = this.startAudit(request);
    try {
      // 1. account, 2. network rules
      const account = this.deps.catalog.account(route.account);
      if (!account) throw dataPlaneErrors.resourceNotFound();
      audit.accountId = account.id;
      audit.tenantId = account.tenantId;
      const refusal = checkNetworkRules(account.network, request.clientAddress);
      if (refusal) throw refusal;
      // 3. authenticate
      const found = authenticateCaller(request.headers, account, this.callerDeps);
      // Awaited only when it is a promise: awaiting a caller already known costs a microtask.
      const caller = found instanceof Promise ? await found : found;
      describeCaller(audit, caller);
      // 4. target and dataAction, 5. authorize
      const target = resolveCallTarget(route, account, request.body);
      audit.operation = target.operation;
      audit.dataAction = target.dataAction;
      audit.deploymentId = target.scope === account.id ? undefined : target.scope;
      audit.decidedBy = authorizeCall(caller, target, route.template, this.deps.authz);
      audit.decision = "allowed";
      // 6. answer locally or forward
      if (target.operation === "models/list") {
        return this.finish(audit, {
          status: 200,
          headers: {},
          body: listModels(account, this.deps.clock.now()),
        });
      }
      if (!target.deployment) throw dataPlaneErrors.deploymentNotFound();
      if (target.operation === "models/info") {
        return this.finish(audit, { status: 200, headers: {}, body: modelInfo(target.deployment) });
      }
      return await this.forward(audit, target.deployment, target.operation, request);
    } catch (error) {
      return this.fail(audit, error, request.signal);
    }
  }

  /** A request refused before `handle` (a body that could not be read): audited like any other. */
  reject(request: DataPlaneRequest, refusal: DataPlaneError): DataPlaneResponse {
    return this.fail(this.startAudit(request), refusal, request.signal);
  }

  private async forward(
    audit: AuditEntry,
    deployment: DeploymentView,
    operation: Operation,
    request: DataPlaneRequest,
  ): Promise<DataPlaneResponse> {
    const upstream = this.deps.upstreams.get(deployment.upstream.kind);
    if (!upstream) throw dataPlaneErrors.upstreamUnavailable(deployment.upstream.kind);
    const body = requestBody(request.body);
    // The deployment the route named wins: whatever `model` the caller sent is replaced (in
    // place: the body was parsed for this request alone, and copying it cost every call).
    body.model = deployment.name;
    const reply = await upstream.call({
      operation,
      deployment,
      body,
      stream: body.stream === true,
      signal: request.signal,
      requestId: request.requestId,
    });
    if (reply.kind === "json") {
      audit.promptTokens = reply.usage?.promptTokens;
      audit.completionTokens = reply.usage?.completionTokens;
      return this.finish(audit, reply);
    }
    audit.status = reply.status;
    return {
      status: reply.status,
      headers: reply.headers,
      stream: guardStream(reply.chunks, request.signal, (outcome, error) => {
        if (error)
          this.deps.log.error({ err: error, requestId: request.requestId }, "stream failed");
        const usage = reply.usage();
        audit.promptTokens = usage?.promptTokens;
        audit.completionTokens = usage?.completionTokens;
        // 499 (nginx's convention): the caller left before the end; the headers said 200.
        if (outcome === "aborted") audit.status = 499;
        if (outcome === "failed") audit.status = 502;
        this.record(audit);
      }),
    };
  }

  private startAudit(request: DataPlaneRequest): AuditEntry {
    // Every field from the start, in one shape: each one added later cost V8 a new one.
    return {
      at: this.deps.clock.now(),
      requestId: request.requestId,
      tenantId: undefined,
      principal: undefined,
      authMethod: "none",
      clientAddress: request.clientAddress,
      accountId: undefined,
      deploymentId: undefined,
      operation: "unknown",
      dataAction: undefined,
      decision: "denied",
      decidedBy: undefined,
      status: 0,
      latencyMs: 0,
      promptTokens: undefined,
      completionTokens: undefined,
    };
  }

  private finish(audit: AuditEntry, response: JsonResponse): JsonResponse {
    audit.status = response.status;
    this.record(audit);
    // Two literals rather than a conditional spread, which V8 builds on its slow path.
    const { status, headers } = response;
    return response.bytes
      ? { status, headers, bytes: response.bytes }
      : { status, headers, body: response.body };
  }

  private fail(audit: AuditEntry, error: unknown, signal: CallerSignal): DataPlaneResponse {
    // The caller left while the upstream was still working: nobody reads this answer.
    const refusal = signal.aborted
      ? new DataPlaneError(499, "ClientClosedRequest", "The client closed the request.")
      : error instanceof DataPlaneError
        ? error
        : undefined; // not ours to word
    if (!refusal) {
      audit.status = 500;
      this.record(audit);
      throw error; // the edge's last-resort handler answers 500 and logs the cause
    }
    if (audit.decision === "denied") audit.decidedBy = refusal.code;
    return this.finish(audit, {
      status: refusal.status,
      headers: refusal.headers,
      body: refusal.toBody(),
    });
  }

  private record(audit: AuditEntry): void {
    audit.latencyMs = this.deps.clock.now() - audit.at;
    this.deps.audit.record(audit);
  }

  private hostAccount(host: string | undefined): string | undefined {
    const { baseDomain } = this.deps;
    if (!baseDomain || !host) return undefined;
    const name = host.replace(/:\d+$/, "").toLowerCase();
    const suffix = `.${baseDomain}`;
    return name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
  }
}

function describeCaller(audit: AuditEntry, caller: DataPlaneCaller): void {
  audit.authMethod = caller.method;
  if (caller.method !== "token") return;
  const { principal, claims } = caller;
  audit.tenantId = principal.tenantId;
  // appId: a service principal's own, or the client application a user signed in with.
  const appId =
    principal.kind === "ServicePrincipal"
      ? principal.appId
      : typeof claims.appid === "string"
        ? claims.appid
        : undefined;
  audit.principal = {
    objectId: principal.id,
    type:
      principal.kind === "ServicePrincipal" && principal.servicePrincipalType === "ManagedIdentity"
        ? "ManagedIdentity"
        : principal.kind,
    appId,
    displayName: principal.displayName,
  };
}

const ROUTES_REMEMBERED = 1000;
const LONGEST_REMEMBERED_URL = 512;

/** A route shared by every request with its URL: nothing may change it. */
function frozen(route: DataPlaneRoute | undefined): DataPlaneRoute | undefined {
  if (route) Object.freeze(route.target);
  return route && Object.freeze(route);
}

/** A POST body must be a JSON object; `stream`, when given, a boolean. */
function requestBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw dataPlaneErrors.badRequest("The request body must be a JSON object.");
  }
  const { stream } = body as { stream?: unknown };
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    throw dataPlaneErrors.badRequest("'stream' must be a boolean.");
  }
  return body as Record<string, unknown>;
}
