import { UpstreamError } from "../upstream.js";

/** A 400 for a body the service would refuse, in the OpenAI wording Azure OpenAI passes on. */
export function invalidRequest(message: string): UpstreamError {
  return new UpstreamError(400, "invalid_request_error", message);
}

/** How OpenAI names a JSON value's type in "expected …, but got … instead". */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "object") return "an object";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}

/** An optional integer parameter in [min, max]; undefined when absent or null. */
export function optionalInteger(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw invalidRequest(
      `Invalid type for '${name}': expected an integer, but got ${jsonTypeOf(value)} instead.`,
    );
  }
  if (value < min) {
    throw invalidRequest(
      `Invalid '${name}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
    );
  }
  if (value > max) {
    throw invalidRequest(
      `Invalid '${name}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
    );
  }
  return value;
}
