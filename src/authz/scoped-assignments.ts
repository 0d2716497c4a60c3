/**
 * One principal's role assignments grouped by the scope they were made at: what the
 * authorization index stores per principal, and what `decide` asks "what do you hold at this
 * ancestor scope?".
 *
 * Layout: parallel arrays of scope refs and assignment lists, so that `at` compares refs by
 * identity and touches nothing else: a principal costs a few cache lines per decision,
 * whatever the number of its assignments.
 */
import type { PrincipalAssignments, RoleAssignment, ScopeRef } from "./model.js";

const NONE: readonly RoleAssignment[] = Object.freeze([]);

/**
 * Past this many scopes a Map keeps `at` O(1). Below, scanning the refs is cheaper: 16 pointers
 * are two cache lines, about what one probe of a Map touches, with fewer instructions.
 */
const SMALL = 16;

export class ScopedAssignments implements PrincipalAssignments {
  /** INVARIANT: `lists[i]` holds the assignments made at `refs[i]`, and is never empty. */
  private readonly refs: ScopeRef[] = [];
  private readonly lists: RoleAssignment[][] = [];
  /** Index into `refs`/`lists` by ref, once there are more than SMALL scopes. */
  private positions: Map<ScopeRef, number> | undefined;

  /** `principalId`: the interned id every stored assignment of this principal shares. */
  constructor(readonly principalId: string) {}

  at(scope: ScopeRef): readonly RoleAssignment[] {
    const at = this.position(scope);
    return at < 0 ? NONE : this.lists[at]!;
  }

  get isEmpty(): boolean {
    return this.refs.length === 0;
  }

  all(): RoleAssignment[] {
    return this.lists.flat();
  }

  /** Adds `assignment`, made at `scope` (its own scope's ref). */
  add(assignment: RoleAssignment, scope: ScopeRef): void {
    const at = this.position(scope);
    if (at >= 0) {
      this.lists[at]!.push(assignment);
      return;
    }
    this.refs.push(scope);
    this.lists.push([assignment]);
    if (this.positions) this.positions.set(scope, this.refs.length - 1);
    else if (this.refs.length > SMALL) {
      this.positions = new Map(this.refs.map((ref, i) => [ref, i]));
    }
  }

  remove(assignment: RoleAssignment, scope: ScopeRef): void {
    const at = this.position(scope);
    if (at < 0) return;
    const list = this.lists[at]!;
    const item = list.indexOf(assignment);
    if (item >= 0) list.splice(item, 1);
    if (list.length > 0) return;
    // Order does not matter: move the last scope into the freed slot.
    const last = this.refs.length - 1;
    this.refs[at] = this.refs[last]!;
    this.lists[at] = this.lists[last]!;
    this.refs.pop();
    this.lists.pop();
    if (this.positions) {
      this.positions.delete(scope);
      if (at < last) this.positions.set(this.refs[at]!, at);
    }
  }

  private position(scope: ScopeRef): number {
    if (this.positions) return this.positions.get(scope) ?? -1;
    const refs = this.refs;
    for (let i = 0; i < refs.length; i++) if (refs[i] === scope) return i;
    return -1;
  }
}
