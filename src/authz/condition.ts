/**
 * Azure ABAC conditions (conditionVersion 2.0), the subset the built-in roles use:
 *
 *   expr  := term (AND term)*  |  term (OR term)*     (AND is also `&&`, OR also `||`; mixing
 *                                                      them needs parentheses, as in Azure)
 *   term  := (!|NOT) term | "(" expr ")" | ActionMatches{'pattern'}
 *          | @Request[attr] ForAnyOfAnyValues:GuidEquals {guid, …}
 *          | @Resource[attr] ForAnyOfAnyValues:GuidEquals {guid, …}
 *
 * Anything else is a syntax error, and a condition that does not parse never holds: the block
 * or assignment that carries it grants nothing (fail closed).
 */
import { compileActionPattern, type ActionPattern } from "./action-pattern.js";

/** What a condition may read about the request being decided. */
export interface ConditionContext {
  /** The requested action, lowercased. */
  action: string;
  /**
   * Keyed `@Request[attr]` / `@Resource[attr]`, or by the bare attribute name `attr` (read when
   * the source-qualified key is absent; enough when a request carries only one side).
   */
  attributes?: Readonly<Record<string, readonly string[]>> | undefined;
}

export class ConditionSyntaxError extends Error {
  readonly code = "InvalidCondition";
  constructor(message: string, at: number) {
    super(`${message} at position ${at}`);
    this.name = "ConditionSyntaxError";
  }
}

type Node =
  | { kind: "not"; operand: Node }
  | { kind: "and" | "or"; operands: Node[] }
  | { kind: "action"; pattern: ActionPattern }
  | { kind: "guidEquals"; keys: [string, string]; guids: Set<string> };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_DEPTH = 32;

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  parse(): Node {
    const node = this.expression(0);
    this.skipSpace();
    if (this.at < this.text.length) this.fail("unexpected text");
    return node;
  }

  private expression(depth: number): Node {
    if (depth > MAX_DEPTH) this.fail("conditions nest too deeply");
    const operands = [this.term(depth)];
    let operator: "and" | "or" | undefined;
    for (;;) {
      const next = this.logicalOperator();
      if (!next) break;
      if (operator && next !== operator) this.fail("mixing AND and OR needs parentheses");
      operator = next;
      operands.push(this.term(depth));
    }
    return operator ? { kind: operator, operands } : operands[0]!;
  }

  private term(depth: number): Node {
    if (depth > MAX_DEPTH) this.fail("conditions nest too deeply");
    this.skipSpace();
    if (this.eat("!") || this.eatWord("NOT")) {
      return { kind: "not", operand: this.term(depth + 1) };
    }
    if (this.eat("(")) {
      const inner = this.expression(depth + 1);
      this.expect(")");
      return inner;
    }
    if (this.eatWord("ActionMatches")) return this.actionMatches();
    if (this.peek("@")) return this.attributeComparison();
    return this.fail("expected an expression");
  }

  private actionMatches(): Node {
    this.expect("{");
    this.skipSpace();
    const pattern = this.quoted();
    this.expect("}");
    return { kind: "action", pattern: compileActionPattern(pattern) };
  }

  private attributeComparison(): Node {
    const source = this.eat("@Request[") ? "@Request" : this.eat("@Resource[") ? "@Resource" : "";
    if (!source) this.fail("only @Request[…] and @Resource[…] attributes are supported");
    const close = this.text.indexOf("]", this.at);
    if (close <= this.at) this.fail("expected an attribute name and ']'");
    const name = this.text.slice(this.at, close).trim();
    this.at = close + 1;
    this.skipSpace();
    if (!this.eatWord("ForAnyOfAnyValues:GuidEquals")) {
      this.fail("only ForAnyOfAnyValues:GuidEquals is supported");
    }
    this.expect("{");
    const guids = new Set<string>();
    do {
      this.skipSpace();
      const value = (this.peek("'") ? this.quoted() : this.bareValue()).toLowerCase();
      if (!GUID.test(value)) this.fail(`'${value}' is not a GUID`);
      guids.add(value);
      this.skipSpace();
    } while (this.eat(","));
    this.expect("}");
    return { kind: "guidEquals", keys: [`${source}[${name}]`, name], guids };
  }

  private logicalOperator(): "and" | "or" | undefined {
    this.skipSpace();
    if (this.eat("&&") || this.eatWord("AND")) return "and";
    if (this.eat("||") || this.eatWord("OR")) return "or";
    return undefined;
  }

  private quoted(): string {
    this.expect("'");
    const close = this.text.indexOf("'", this.at);
    if (close === -1) this.fail("unterminated string");
    const value = this.text.slice(this.at, close);
    this.at = close + 1;
    return value;
  }

  private bareValue(): string {
    const start = this.at;
    while (this.at < this.text.length && /[0-9A-Za-z-]/.test(this.text[this.at]!)) this.at++;
    return this.text.slice(start, this.at);
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private peek(literal: string): boolean {
    return this.text.startsWith(literal, this.at);
  }

  private eat(literal: string): boolean {
    if (!this.peek(literal)) return false;
    this.at += literal.length;
    return true;
  }

  /** A keyword, case-insensitively, not followed by more of a word (`ORder` is not `OR`). */
  private eatWord(word: string): boolean {
    const candidate = this.text.slice(this.at, this.at + word.length);
    if (candidate.toLowerCase() !== word.toLowerCase()) return false;
    if (/[A-Za-z0-9_]/.test(this.text[this.at + word.length] ?? "")) return false;
    this.at += word.length;
    return true;
  }

  private expect(literal: string): void {
    this.skipSpace();
    if (!this.eat(literal)) this.fail(`expected '${literal}'`);
  }

  private fail(message: string): never {
    throw new ConditionSyntaxError(message, this.at);
  }
}

function attributeValues(context: ConditionContext, keys: [string, string]) {
  const attributes = context.attributes;
  if (!attributes) return undefined;
  return Object.hasOwn(attributes, keys[0]) ? attributes[keys[0]] : attributes[keys[1]];
}

function evaluate(node: Node, context: ConditionContext): boolean {
  switch (node.kind) {
    case "not":
      return !evaluate(node.operand, context);
    case "and":
      return node.operands.every((operand) => evaluate(operand, context));
    case "or":
      return node.operands.some((operand) => evaluate(operand, context));
    case "action":
      return node.pattern.matches(context.action);
    case "guidEquals": {
      // ForAnyOfAnyValues over no values is false: a missing attribute never satisfies it.
      const values = attributeValues(context, node.keys) ?? [];
      return values.some((value) => node.guids.has(String(value).trim().toLowerCase()));
    }
  }
}

/** A compiled condition. `error` is set when it did not parse; then it never holds. */
export interface Condition {
  readonly source: string;
  readonly error?: string;
  holds(context: ConditionContext): boolean;
}

/** Parses a condition; throws `ConditionSyntaxError` when it is outside the supported subset. */
export function parseCondition(source: string): Condition {
  const root = new Parser(source).parse();
  return { source, holds: (context) => evaluate(root, context) };
}

/** Like `parseCondition`, but never throws: a condition that does not parse, or carries a
 * version other than 2.0, compiles to one that never holds. */
export function compileCondition(source: string, version?: string): Condition {
  if (version !== undefined && version !== "2.0") {
    return failClosed(source, `conditionVersion '${version}' is not supported`);
  }
  try {
    return parseCondition(source);
  } catch (error) {
    return failClosed(source, error instanceof Error ? error.message : String(error));
  }
}

function failClosed(source: string, error: string): Condition {
  return { source, error, holds: () => false };
}
