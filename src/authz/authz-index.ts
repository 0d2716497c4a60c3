/**
 * The authorization facts in memory: role assignments by principal and scope, roles by id. It is
 * what `decide` reads on every request, so it is shaped for that read, and it is updated in
 * place when assignments or roles change (change notifications feed it).
 *
 * Why principal first (principal → scope → assignments): `decide` considers every (principal or
 * group × ancestor scope) pair. Keyed by principal, that is one probe of the large table per
 * principal, then identity comparisons in the principal's own small set, which the following
 * ancestors find in cache; keyed by scope (the first layout tried), it was one probe of a
 * large per-scope table per pair. On the request path the cost is cache misses, not
 * instructions (bench/authz: ~0.6 µs per decision when the callers' facts are in cache, several
 * times that when they are not), so fewer places touched is what matters. Listings by scope
 * have their own table, off the request path.
 *
 * Memory: scope and principal strings are interned (every assignment at one scope shares its
 * `ScopeRef`'s string), and stored assignments are frozen copies holding those shared strings.
 */
import { builtInRoles } from "./builtin-roles.js";
import { compileRole } from "./compiled-role.js";
import type { AuthzFacts, PrincipalAssignments, RoleAssignment, RoleDefinition } from "./model.js";
import { ScopedAssignments } from "./scoped-assignments.js";
import { existingScopeRef, scopeRef } from "./scope-refs.js";
import { normalizeScope } from "./scopes.js";

const NONE: readonly RoleAssignment[] = Object.freeze([]);

/** A flat copy: V8 compares flat map keys fastest, and a slice would pin its parent string. */
const flat = (value: string): string => JSON.parse(JSON.stringify(value)) as string;

export class AuthzIndex implements AuthzFacts {
  /** INVARIANT: a principal with no assignment has no entry. */
  private readonly principals = new Map<string, ScopedAssignments>();
  /** Scope → assignments made exactly there (for listings). INVARIANT: no empty sets. */
  private readonly scopes = new Map<string, Set<RoleAssignment>>();
  private readonly assignmentsByName = new Map<string, RoleAssignment>();
  private readonly roles = new Map<string, RoleDefinition>();

  /** Starts with Azure's built-in roles (pass `builtIns: false` for an empty index). */
  constructor(options: { builtIns?: boolean } = {}) {
    if (options.builtIns !== false) for (const role of builtInRoles()) this.putRole(role);
  }

  // ── AuthzFacts: the reads `decide` makes ──

  assignmentsOf(principalId: string): PrincipalAssignments | undefined {
    return this.principals.get(principalId);
  }

  assignmentsAt(scope: string, principalId: string): readonly RoleAssignment[] {
    const ref = existingScopeRef(scope);
    return (ref && this.principals.get(principalId)?.at(ref)) || NONE;
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
    const scope = scopeRef(normalizeScope(assignment.scope)); // throws before any change
    const name = assignment.name.toLowerCase();
    this.removeAssignment(name);
    const principalId = assignment.principalId.toLowerCase();
    let held = this.principals.get(principalId);
    if (!held) {
      held = new ScopedAssignments(flat(principalId));
      this.principals.set(held.principalId, held);
    }
    const roleId = assignment.roleDefinitionId.toLowerCase();
    const stored: RoleAssignment = Object.freeze({
      ...assignment,
      name,
      scope: scope.scope,
      principalId: held.principalId,
      roleDefinitionId: this.roles.get(roleId)?.id ?? roleId,
    });
    held.add(stored, scope);
    this.assignmentsByName.set(name, stored);
    const listed = this.scopes.get(scope.scope);
    if (listed) listed.add(stored);
    else this.scopes.set(scope.scope, new Set([stored]));
    return stored;
  }

  /** Removes the assignment with this name; returns it, or undefined if there was none. */
  removeAssignment(name: string): RoleAssignment | undefined {
    const key = name.toLowerCase();
    const existing = this.assignmentsByName.get(key);
    if (!existing) return undefined;
    this.assignmentsByName.delete(key);
    const held = this.principals.get(existing.principalId);
    held?.remove(existing, scopeRef(existing.scope));
    if (held?.isEmpty) this.principals.delete(existing.principalId);
    const listed = this.scopes.get(existing.scope);
    listed?.delete(existing);
    if (listed?.size === 0) this.scopes.delete(existing.scope);
    return existing;
  }

  getAssignment(name: string): RoleAssignment | undefined {
    return this.assignmentsByName.get(name.toLowerCase());
  }

  /** Assignments made exactly at `scope` (for ARM's list-at-scope, `$filter=atScope()`). */
  assignmentsForScope(scope: string): RoleAssignment[] {
    return [...(this.scopes.get(normalizeScope(scope)) ?? [])];
  }

  /** Every assignment (for listings that span scopes, and "is this role still assigned?"). */
  allAssignments(): RoleAssignment[] {
    return [...this.assignmentsByName.values()];
  }

  /** Every assignment made to `principalId` itself, at any scope. */
  assignmentsForPrincipal(principalId: string): RoleAssignment[] {
    return this.principals.get(principalId.toLowerCase())?.all() ?? [];
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
}
