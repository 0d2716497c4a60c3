import type { ArmAuthenticator, ArmCaller } from "./arm-caller.js";
import type { ArmContext, ArmPermission, ArmResult } from "./arm-operation.js";
import type { ArmRouter, RouteMatch } from "./arm-router.js";
import { normalizeArmPath } from "./arm-router.js";
import { ArmError } from "./arm-error.js";
import { armErrors } from "./errors.js";
import type { ActivityLogStore } from "./store.js";

export interface ArmHttpRequest {
  /** The request id, which the activity log records as the correlation id. */
  requestId: string;
  method: string;
  url: string;
  query: Record<string, string>;
  authorization?: string;
  body: unknown;
  origin: string;
}

/** Decides whether a caller holds a permission (authz `decide` with the caller's groups). */
export interface AccessChecker {
  allowed(caller: ArmCaller, permission: ArmPermission): Promise<boolean>;
}

export interface ArmPipelineParts<Deps> {
  router: ArmRouter<Deps>;
  authenticator: ArmAuthenticator;
  access: AccessChecker;
  deps: Deps;
  activity: ActivityLogStore;
  now: () => number;
  /**
   * Runs after a successful write, before the answer: this replica applies the change feed, so
   * the caller's next request (a data-plane call after `disableLocalAuth`, a regenerated key, a
   * new deployment) already sees the write. Other replicas follow within the poll period.
   */
  afterWrite?: () => Promise<unknown>;
}

/** Every control-plane request, in this order: route, api-version, caller, permission, handler. */
export class ArmPipeline<Deps> {
  private readonly router: ArmRouter<Deps>;
  private readonly authenticator: ArmAuthenticator;
  private readonly access: AccessChecker;
  private readonly deps: Deps;
  private readonly activity: ActivityLogStore;
  private readonly now: () => number;
  private readonly afterWrite: () => Promise<unknown>;

  constructor(parts: ArmPipelineParts<Deps>) {
    this.router = parts.router;
    this.authenticator = parts.authenticator;
    this.access = parts.access;
    this.deps = parts.deps;
    this.activity = parts.activity;
    this.now = parts.now;
    this.afterWrite = parts.afterWrite ?? (async () => undefined);
  }

  async handle(request: ArmHttpRequest): Promise<ArmResult> {
    const match = this.route(request);
    this.checkApiVersion(match, request.query["api-version"]);
    const caller = await this.authenticator.authenticate(request.authorization);
    const context: ArmContext = {
      caller,
      params: match.params,
      query: request.query,
      body: request.body,
      origin: request.origin,
    };
    const run = async () => {
      await this.authorize(caller, match.operation.permission(context, this.deps));
      return match.operation.handle(context, this.deps);
    };
    if (match.operation.method === "GET") return run();
    // Every write is recorded with its result, refused ones included.
    try {
      const result = await run();
      await this.record(request, match, caller, result.status);
      await this.afterWrite();
      return result;
    } catch (error) {
      await this.record(
        request,
        match,
        caller,
        error instanceof ArmError ? error.status : 500,
        error instanceof ArmError ? error.code : "InternalServerError",
      );
      throw error;
    }
  }

  private record(
    request: ArmHttpRequest,
    match: RouteMatch<Deps>,
    caller: ArmCaller,
    status: number,
    errorCode?: string,
  ) {
    return this.activity.appendActivity({
      at: this.now(),
      correlationId: request.requestId,
      callerObjectId: caller.objectId,
      callerName: caller.clientName,
      operation: match.operation.id,
      method: request.method,
      resourceId: normalizeArmPath(request.url),
      status,
      errorCode,
    });
  }

  private route(request: ArmHttpRequest): RouteMatch<Deps> {
    const path = normalizeArmPath(request.url);
    const match = this.router.match(request.method, path);
    if (!match) throw armErrors.unknownRoute(request.method, path);
    return match;
  }

  private checkApiVersion(match: RouteMatch<Deps>, apiVersion: string | undefined): void {
    if (!apiVersion) throw armErrors.missingApiVersion();
    const { apiVersions, resourceType } = match.operation;
    if (!apiVersions.includes(apiVersion))
      throw armErrors.unsupportedApiVersion(apiVersion, resourceType, apiVersions);
  }

  private async authorize(caller: ArmCaller, permission: ArmPermission | undefined): Promise<void> {
    if (!permission) return;
    if (!(await this.access.allowed(caller, permission))) {
      throw armErrors.authorizationFailed(
        caller.clientName,
        caller.objectId,
        permission.action,
        permission.scope,
      );
    }
  }
}
