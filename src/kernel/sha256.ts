import { hash } from "node:crypto";

/**
 * SHA-256 of a string's UTF-8 bytes, in one call with no `Hash` object: the data plane digests
 * a presented key on every call that carries one, so the object's cost counts.
 */
export function sha256(text: string): Buffer {
  return hash("sha256", text, "buffer");
}
