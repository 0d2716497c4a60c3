/**
 * Scope identity for the request path. A decision asks each of the caller's principals "what do
 * you hold at this ancestor scope?" a few dozen times; comparing scope strings there meant
 * comparing 100-odd characters whenever two scopes had the same length (sibling deployments
 * do), which was most of decide()'s cost. Instead every scope an assignment is made at gets one
 * frozen `ScopeRef`, and the index and `decide` compare refs by identity.
 */
import type { ScopeRef } from "./model.js";
import { scopeAncestors } from "./scopes.js";

/** A flat copy: a slice of a longer string would pin that string and compare slowly. */
const flat = (value: string): string => JSON.parse(JSON.stringify(value)) as string;

// INVARIANT: one ref per normalised scope for the life of the process, never replaced or
// dropped: indexes hold refs, and equal scopes must be the same object. Only index writes
// create refs, so the table grows with the scopes assignments were made at, not with requests.
const refs = new Map<string, ScopeRef>();

/** The chain `decide` walks for one requested scope. */
export interface ScopeChain {
  /** The requested scope, normalised. */
  readonly scope: string;
  /** Refs of its ancestors (itself included) at which any assignment was ever made, nearest first. */
  readonly refs: readonly ScopeRef[];
}

// Bounded memo of chains by requested scope (as the caller spelled it): cleared when full, so
// made-up scopes cannot grow it, and cleared when a ref is created, since a chain memoised
// before then would skip the new scope.
const MEMO_LIMIT = 100_000;
const chains = new Map<string, ScopeChain>();

/** The ref of a normalised scope, created on first use (by index writes). */
export function scopeRef(scope: string): ScopeRef {
  let ref = refs.get(scope);
  if (!ref) {
    ref = Object.freeze({ scope: flat(scope) });
    refs.set(ref.scope, ref);
    chains.clear();
  }
  return ref;
}

/** The ref of a normalised scope if one exists: no assignment was ever made there otherwise. */
export function existingScopeRef(scope: string): ScopeRef | undefined {
  return refs.get(scope);
}

/** The ancestor chain of `scope` (any spelling), memoised. Throws `InvalidScopeError`. */
export function scopeChain(scope: string): ScopeChain {
  let chain = chains.get(scope);
  if (!chain) {
    const ancestors = scopeAncestors(scope);
    const held: ScopeRef[] = [];
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const ref = refs.get(ancestors[i]!);
      if (ref) held.push(ref);
    }
    chain = Object.freeze({ scope: ancestors[ancestors.length - 1]!, refs: Object.freeze(held) });
    if (chains.size >= MEMO_LIMIT) chains.clear();
    chains.set(scope, chain);
  }
  return chain;
}
