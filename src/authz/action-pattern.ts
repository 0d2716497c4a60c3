/**
 * Action patterns as Azure RBAC matches them: case-insensitive, and `*` stands for any run of
 * characters, `/` included: `Microsoft.CognitiveServices/*` matches every CognitiveServices
 * action, and `*` followed by `/read` matches every read. Patterns are split at `*` once; matching is then a few
 * `startsWith`/`indexOf`/`endsWith` calls on the lowercased action, with no regex.
 */

export interface ActionPattern {
  /** The pattern as written in the role, kept for explanations. */
  readonly source: string;
  /** Whether `action` (already lowercased) matches. */
  matches(action: string): boolean;
}

function exact(source: string, literal: string): ActionPattern {
  return { source, matches: (action) => action === literal };
}

function wildcard(source: string, parts: string[]): ActionPattern {
  const prefix = parts[0]!;
  const suffix = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((part) => part !== "");
  const minimum = prefix.length + suffix.length + middle.reduce((n, part) => n + part.length, 0);
  if (middle.length === 0) {
    return {
      source,
      // Suffix first: it is short and tells `/read` from `/action` at once.
      matches: (action) =>
        action.length >= minimum && action.endsWith(suffix) && action.startsWith(prefix),
    };
  }
  return {
    source,
    matches(action) {
      if (action.length < minimum || !action.endsWith(suffix) || !action.startsWith(prefix)) {
        return false;
      }
      // Greedy left-to-right is exact for `*`-only globs: the earliest match of each literal
      // leaves the most room for the ones after it.
      let from = prefix.length;
      const limit = action.length - suffix.length;
      for (const part of middle) {
        const at = action.indexOf(part, from);
        if (at === -1 || at + part.length > limit) return false;
        from = at + part.length;
      }
      return true;
    },
  };
}

/** Compiles one `actions`/`notActions`/`dataActions`/`notDataActions` entry. */
export function compileActionPattern(source: string): ActionPattern {
  const lower = source.trim().toLowerCase();
  if (!lower.includes("*")) return exact(source, lower);
  return wildcard(source, lower.split("*"));
}

/** A list of patterns: the first that matches names why an action is in (or out of) the list. */
export class ActionPatternList {
  private readonly patterns: ActionPattern[];

  constructor(sources: readonly string[]) {
    this.patterns = sources.map(compileActionPattern);
  }

  get isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  /** The source of the first pattern `action` (lowercased) matches, or undefined. */
  firstMatch(action: string): string | undefined {
    for (const pattern of this.patterns) if (pattern.matches(action)) return pattern.source;
    return undefined;
  }

  matchesAny(action: string): boolean {
    for (const pattern of this.patterns) if (pattern.matches(action)) return true;
    return false;
  }
}
