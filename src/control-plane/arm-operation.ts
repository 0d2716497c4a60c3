import type { ArmCaller } from "./arm-caller.js";

export type ArmMethod = "GET" | "PUT" | "POST" | "DELETE" | "PATCH";

export interface ArmContext {
  caller: ArmCaller;
  /** Path parameters named in the operation's template, decoded. */
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** The origin the client used, for URLs in responses (nextLink, endpoints). */
  origin: string;
}

export interface ArmResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What an operation is checked against: the action and the scope it applies at. */
export interface ArmPermission {
  action: string;
  scope: string;
  /** What ABAC conditions may read, e.g. `Microsoft.Authorization/roleAssignments:RoleDefinitionId`. */
  attributes?: Record<string, string[]>;
}

/**
 * One ARM operation of a resource provider (a registry entry, rule 5): its route template,
 * the api-versions it accepts, the RBAC action it needs, and its handler. `{scope}` in a
 * template matches any number of segments (including none); other `{name}`s one segment.
 */
export interface ArmOperation<Deps> {
  /** The spec's operationId, e.g. `RoleAssignments_Create`. */
  id: string;
  method: ArmMethod;
  path: string;
  /** Named in api-version errors, e.g. `Microsoft.Authorization/roleAssignments`. */
  resourceType: string;
  apiVersions: readonly string[];
  /** The permission to check; undefined lets every authenticated caller in (the handler filters). */
  permission(context: ArmContext, deps: Deps): ArmPermission | undefined;
  handle(context: ArmContext, deps: Deps): Promise<ArmResult>;
}
