/** Azure RBAC in Keyless's terms. GUIDs are lowercase; scopes are normalised (see scopes.ts). */

/** One permission block of a role: `notActions` subtract only within the same block. */
export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
  /** ABAC condition (conditionVersion 2.0) that must hold for this block to grant. */
  condition?: string;
  conditionVersion?: string;
}

export type RoleType = "BuiltInRole" | "CustomRole";

export interface RoleDefinition {
  /** The role's GUID: the ARM `name`. */
  id: string;
  roleName: string;
  description: string;
  type: RoleType;
  permissions: Permission[];
  /** Scopes where the role may be assigned (and at or below which it is visible). */
  assignableScopes: string[];
  createdOn?: number;
  updatedOn?: number;
  createdBy?: string;
  updatedBy?: string;
}

export type PrincipalType = "User" | "Group" | "ServicePrincipal" | "ForeignGroup" | "Device";

export interface RoleAssignment {
  /** The assignment's GUID: the ARM `name`, chosen by the caller. */
  name: string;
  /** Normalised scope the assignment was made at; it applies there and below. */
  scope: string;
  /** The same scope as its creator spelled it: ARM answers with this spelling. */
  displayScope?: string;
  /** The role's GUID. */
  roleDefinitionId: string;
  principalId: string;
  principalType: PrincipalType;
  description?: string;
  condition?: string;
  conditionVersion?: string;
  createdOn: number;
  updatedOn: number;
  createdBy?: string;
  updatedBy?: string;
}

/** A question for `decide`: may this principal (with these groups) do this at this scope? */
export interface AccessRequest {
  /** The caller's object id, lowercase (as tokens carry it; the index stores ids lowercase). */
  principalId: string;
  /** Every group the principal belongs to, transitively; lowercase ids. */
  groupIds: readonly string[];
  /** e.g. `Microsoft.CognitiveServices/accounts/listKeys/action`. */
  action: string;
  /** Control-plane `actions` never grant `dataActions`, and the reverse. */
  kind: "action" | "dataAction";
  /** Normalised scope of the target resource. */
  scope: string;
  /** Attributes ABAC conditions may read (`@Request[…]`, `@Resource[…]`). */
  attributes?: Readonly<Record<string, readonly string[]>>;
}

/** Why access was granted: the assignment, its role and the pattern that matched. */
export interface Grant {
  assignment: RoleAssignment;
  roleDefinitionId: string;
  roleName: string;
  /** The `actions`/`dataActions` entry that matched. */
  matched: string;
}

export type Decision =
  | { allowed: true; grants: Grant[] }
  | { allowed: false; action: string; kind: AccessRequest["kind"]; scope: string };

/**
 * The one object that stands for a normalised scope (`scopeRef` in scope-refs.ts), so that the
 * request path compares scopes by identity instead of by their 100-odd characters.
 */
export interface ScopeRef {
  readonly scope: string;
}

/** One principal's role assignments, by the scope they were made at. */
export interface PrincipalAssignments {
  /** Assignments made exactly at `scope`. */
  at(scope: ScopeRef): readonly RoleAssignment[];
}

/** What `decide` reads; an in-memory index provides it (authz-index.ts). */
export interface AuthzFacts {
  /** Assignments made exactly at `scope` (normalised) to `principalId`. */
  assignmentsAt(scope: string, principalId: string): readonly RoleAssignment[];
  /**
   * The same facts a principal at a time, undefined for a principal with no assignment.
   * `decide` reads each principal once and then asks it about each ancestor scope: one probe
   * of the (large) principal table per principal instead of one per (principal, scope) pair.
   */
  assignmentsOf(principalId: string): PrincipalAssignments | undefined;
  roleDefinition(id: string): RoleDefinition | undefined;
}
