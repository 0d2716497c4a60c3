import type { ArmMethod, ArmOperation } from "./arm-operation.js";

interface CompiledRoute<Deps> {
  operation: ArmOperation<Deps>;
  pattern: RegExp;
  names: string[];
  /** Routes with more literal segments and no greedy `{scope}` are tried first. */
  rank: number;
}

export interface RouteMatch<Deps> {
  operation: ArmOperation<Deps>;
  params: Record<string, string>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile<Deps>(operation: ArmOperation<Deps>): CompiledRoute<Deps> {
  const names: string[] = [];
  let literals = 0;
  let greedy = false;
  const source = operation.path
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) {
        literals++;
        return `/${escape(segment)}`;
      }
      names.push(param[1]!);
      if (param[1] === "scope") {
        greedy = true;
        return "((?:/[^/]+)*)";
      }
      return "/([^/]+)";
    })
    .join("");
  return {
    operation,
    pattern: new RegExp(`^${source}/?$`, "i"),
    names,
    rank: (greedy ? 0 : 1000) + literals,
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Matches a normalised ARM path (single slashes, no query) to a registered operation. */
export class ArmRouter<Deps> {
  private readonly routes: CompiledRoute<Deps>[];

  constructor(operations: readonly ArmOperation<Deps>[]) {
    this.routes = operations.map(compile).sort((a, b) => b.rank - a.rank);
  }

  match(method: string, path: string): RouteMatch<Deps> | undefined {
    for (const route of this.routes) {
      if (route.operation.method !== (method as ArmMethod)) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        const value = found[i + 1] ?? "";
        params[name] =
          name === "scope" ? value.split("/").map(decode).join("/") || "/" : decode(value);
      });
      return { operation: route.operation, params };
    }
    return undefined;
  }
}

/** ARM clients send `//subscriptions/…` (a scope with a leading slash after `/`): collapse it. */
export function normalizeArmPath(url: string): string {
  const path = url.split("?")[0]!.replace(/\/{2,}/g, "/");
  return path.length > 1 ? path.replace(/\/$/, "") : path;
}
