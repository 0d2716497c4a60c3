/** A write collided with an existing unique key. Stores throw it whatever their backend. */
export class DuplicateKeyError extends Error {
  override name = "DuplicateKeyError";
}
