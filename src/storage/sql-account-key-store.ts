import type { AccountKeyStore, SealedAccountKeys } from "../control-plane/index.js";
import type { Clock } from "../kernel/index.js";
import { appendChange, lockChangeFeed } from "./sql-change-feed.js";
import type { SqlDb } from "./sql-db.js";

/** Account keys (sealed); a change row per write so every replica drops a regenerated key at once. */
export class SqlAccountKeyStore implements AccountKeyStore {
  constructor(
    private readonly db: SqlDb,
    private readonly clock: Clock,
  ) {}

  async getAccountKeys(accountId: string): Promise<SealedAccountKeys | undefined> {
    const rows = await this.db.query<{ key1_sealed: string; key2_sealed: string }>(
      "SELECT key1_sealed, key2_sealed FROM account_keys WHERE account_key = ?",
      [accountId.toLowerCase()],
    );
    return rows[0] && { key1: rows[0].key1_sealed, key2: rows[0].key2_sealed };
  }

  async putAccountKeys(accountId: string, keys: SealedAccountKeys): Promise<void> {
    const key = accountId.toLowerCase();
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      const updated = await tx.execute(
        "UPDATE account_keys SET key1_sealed = ?, key2_sealed = ?, updated_at = ? WHERE account_key = ?",
        [keys.key1, keys.key2, now, key],
      );
      if (updated === 0) {
        await tx.execute(
          "INSERT INTO account_keys (account_key, key1_sealed, key2_sealed, updated_at) VALUES (?, ?, ?, ?)",
          [key, keys.key1, keys.key2, now],
        );
      }
      await appendChange(tx, "accountKey", key, now);
    });
  }

  async deleteAccountKeys(accountId: string): Promise<void> {
    const key = accountId.toLowerCase();
    await this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      if ((await tx.execute("DELETE FROM account_keys WHERE account_key = ?", [key])) > 0) {
        await appendChange(tx, "accountKey", key, this.clock.now());
      }
    });
  }
}
