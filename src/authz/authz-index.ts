/**
 * The authorization facts in memory: role assignments by scope and principal, roles by id. It is
 * what `decide` reads on every request, so it is shaped for that read (two Map lookups), and
 * it is updated in place when assignments or roles change (change notifications feed it).
 *
 * Memory: scope, principal and role id strings are interned (every assignment at one scope
 * shares one scope string), and stored assignments are frozen copies with those shared strings.
 */
import { builtInRoles } from "./builtin-roles.js";
import { compileRole } from "./compiled-role.js";
import type { AuthzFacts, RoleAssignment, RoleDefinition } from "./model.js";
import { internScope, normalizeScope } from "./scopes.js";

const NONE: readonly RoleAssignment[] = Object.freeze([]);

interface ScopeEntry {
  /** The interned scope string. */
  readonly scope: string;
  /** INVARIANT: no empty arrays; a principal with no assignment here has no key. */
  readonly byPrincipal: Map<string, RoleAssignment[]>;
}

interface PrincipalEntry {
  /** The interned principal id. */
  readonly id: string;
  readonly assignments: RoleAssignment[];
}

function removeFrom<T>(list: T[], item: T): void {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
}

export class AuthzIndex implements AuthzFacts {
  private readonly scopes = new Map<string, ScopeEntry>();
  private readonly principals = new Map<string, PrincipalEntry>();
  private readonly assignmentsByName = new Map<string, RoleAssignment>();
  private readonly roles = new Map<string, RoleDefinition>();

  /** Starts with Azure's built-in roles (pass `builtIns: false` for an empty index). */
  constructor(options: { builtIns?: boolean } = {}) {
    if (options.builtIns !== false) for (const role of builtInRoles()) this.putRole(role);
  }

  // ── AuthzFacts: the reads `decide` makes ──

  assignmentsAt(scope: string, principalId: string): readonly RoleAssignment[] {
    return this.scopes.get(scope)?.byPrincipal.get(principalId) ?? NONE;
  }

  roleDefinition(id: string): RoleDefinition | undefined {
    return this.roles.get(id);
  }

  // ── Role definitions ──

  /** Adds or replaces a role (matched by id, lowercased). */
  putRole(role: RoleDefinition): RoleDefinition {
    const stored = Object.freeze({ ...role, id: role.id.toLowerCase() });
    compileRole(stored); // compile now, off the request path
    this.roles.set(stored.id, stored);
    return stored;
  }

  /** Removes a role. Its assignments stay but grant nothing until the role comes back. */
  removeRole(id: string): boolean {
    return this.roles.delete(id.toLowerCase());
  }

  listRoles(): RoleDefinition[] {
    return [...this.roles.values()];
  }

  /** Roles whose `roleName` equals `roleName`, ignoring case (as `az role … --role` does). */
  findRolesByName(roleName: string): RoleDefinition[] {
    const wanted = roleName.toLowerCase();
    return this.listRoles().filter((role) => role.roleName.toLowerCase() === wanted);
  }

  // ── Role assignments ──

  /**
   * Adds an assignment, or replaces the one with the same name. The stored copy has its scope
   * normalised and its ids lowercased; it is returned. Throws `InvalidScopeError`.
   */
  putAssignment(assignment: RoleAssignment): RoleAssignment {
    const normalizedScope = normalizeScope(assignment.scope); // throws before anything changes
    const name = assignment.name.toLowerCase();
    // Remove first: the old one may leave the scope or principal entry empty, which drops it.
    this.removeAssignment(name);
    const scope = this.scopeEntry(internScope(normalizedScope));
    const principal = this.principalEntry(assignment.principalId.toLowerCase());
    const roleId = assignment.roleDefinitionId.toLowerCase();
    const stored: RoleAssignment = Object.freeze({
      ...assignment,
      name,
      scope: scope.scope,
      principalId: principal.id,
      roleDefinitionId: this.roles.get(roleId)?.id ?? roleId,
    });
    this.assignmentsByName.set(stored.name, stored);
    principal.assignments.push(stored);
    const atScope = scope.byPrincipal.get(principal.id);
    if (atScope) atScope.push(stored);
    else scope.byPrincipal.set(principal.id, [stored]);
    return stored;
  }

  /** Removes the assignment with this name; returns it, or undefined if there was none. */
  removeAssignment(name: string): RoleAssignment | undefined {
    const key = name.toLowerCase();
    const existing = this.assignmentsByName.get(key);
    if (!existing) return undefined;
    this.assignmentsByName.delete(key);

    const principal = this.principals.get(existing.principalId);
    if (principal) {
      removeFrom(principal.assignments, existing);
      if (principal.assignments.length === 0) this.principals.delete(existing.principalId);
    }
    const scope = this.scopes.get(existing.scope);
    const atScope = scope?.byPrincipal.get(existing.principalId);
    if (scope && atScope) {
      removeFrom(atScope, existing);
      if (atScope.length === 0) scope.byPrincipal.delete(existing.principalId);
      if (scope.byPrincipal.size === 0) this.scopes.delete(existing.scope);
    }
    return existing;
  }

  getAssignment(name: string): RoleAssignment | undefined {
    return this.assignmentsByName.get(name.toLowerCase());
  }

  /** Assignments made exactly at `scope` (for ARM's list-at-scope, `$filter=atScope()`). */
  assignmentsForScope(scope: string): RoleAssignment[] {
    const entry = this.scopes.get(normalizeScope(scope));
    return entry ? [...entry.byPrincipal.values()].flat() : [];
  }

  /** Every assignment (for listings that span scopes, and "is this role still assigned?"). */
  allAssignments(): RoleAssignment[] {
    return [...this.assignmentsByName.values()];
  }

  /** Every assignment made to `principalId` itself, at any scope. */
  assignmentsForPrincipal(principalId: string): RoleAssignment[] {
    return [...(this.principals.get(principalId.toLowerCase())?.assignments ?? [])];
  }

  /** The assignment that already gives this role to this principal at this scope (ARM answers
   * `RoleAssignmentExists` for a second one). */
  findDuplicate(
    principalId: string,
    roleDefinitionId: string,
    scope: string,
  ): RoleAssignment | undefined {
    const roleId = roleDefinitionId.toLowerCase();
    return this.assignmentsAt(normalizeScope(scope), principalId.toLowerCase()).find(
      (assignment) => assignment.roleDefinitionId === roleId,
    );
  }

  get assignmentCount(): number {
    return this.assignmentsByName.size;
  }

  private scopeEntry(scope: string): ScopeEntry {
    let entry = this.scopes.get(scope);
    if (!entry) {
      entry = { scope, byPrincipal: new Map() };
      this.scopes.set(scope, entry);
    }
    return entry;
  }

  private principalEntry(id: string): PrincipalEntry {
    let entry = this.principals.get(id);
    if (!entry) {
      entry = { id, assignments: [] };
      this.principals.set(id, entry);
    }
    return entry;
  }
}
