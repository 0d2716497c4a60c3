import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The 32-byte key that seals secrets at rest: from configuration (base64) when given, else a
 * file created once with owner-only permissions.
 */
export function loadMasterKey(configured: string | undefined, filePath: string): Buffer {
  if (configured !== undefined) {
    const key = Buffer.from(configured, "base64");
    if (key.length !== 32)
      throw new Error("KEYLESS_MASTER_KEY must be the base64 of exactly 32 bytes");
    return key;
  }
  if (!existsSync(filePath)) {
    mkdirSync(dirname(filePath), { recursive: true });
    writeFileSync(filePath, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  }
  const key = Buffer.from(readFileSync(filePath, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${filePath} does not hold a 32-byte base64 key`);
  return key;
}
