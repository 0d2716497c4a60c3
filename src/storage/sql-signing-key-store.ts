import type { SigningKeyRecord, SigningKeyStore } from "../identity/index.js";
import type { Row, SqlDb } from "./sql-db.js";

function toRecord(row: Row): SigningKeyRecord {
  return {
    kid: row.kid as string,
    activatesAt: Number(row.activates_at),
    retireAt: Number(row.retire_at),
    expiresAt: Number(row.expires_at),
    publicJwk: row.public_jwk as string,
    privateSealed: row.private_sealed as string,
  };
}

export class SqlSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: SqlDb) {}

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.db.execute(
      `INSERT INTO signing_keys (kid, activates_at, retire_at, expires_at, public_jwk, private_sealed)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [key.kid, key.activatesAt, key.retireAt, key.expiresAt, key.publicJwk, key.privateSealed],
    );
  }

  async listSigningKeys(now: number): Promise<SigningKeyRecord[]> {
    const rows = await this.db.query(
      "SELECT * FROM signing_keys WHERE expires_at > ? ORDER BY activates_at DESC, kid",
      [now],
    );
    return rows.map(toRecord);
  }

  async deleteExpiredSigningKeys(now: number): Promise<number> {
    return this.db.execute("DELETE FROM signing_keys WHERE expires_at <= ?", [now]);
  }
}
