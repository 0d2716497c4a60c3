import type { SqlDb } from "./sql-db.js";

interface Migration {
  version: number;
  name: string;
  /** Statements valid in both SQLite and PostgreSQL. */
  statements: string[];
}

/** Append only: a migration that has shipped is never edited. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: "directory and signing keys",
    statements: [
      `CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        default_domain TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL
      )`,
      // Users, groups and service principals (managed identities are service principals).
      `CREATE TABLE principals (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        kind TEXT NOT NULL,
        display_name TEXT NOT NULL,
        account_enabled INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        user_principal_name TEXT,
        given_name TEXT,
        surname TEXT,
        password_hash TEXT,
        app_id TEXT,
        service_principal_type TEXT,
        managed_identity_resource_id TEXT
      )`,
      `CREATE UNIQUE INDEX principals_upn ON principals (tenant_id, user_principal_name)`,
      `CREATE UNIQUE INDEX principals_app_id ON principals (tenant_id, app_id)`,
      // ARM ids compare case-insensitively, so uniqueness does too.
      `CREATE UNIQUE INDEX principals_mi_resource ON principals (LOWER(managed_identity_resource_id))`,
      `CREATE TABLE applications (
        app_id TEXT PRIMARY KEY,
        object_id TEXT NOT NULL UNIQUE,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        display_name TEXT NOT NULL,
        public_client INTEGER NOT NULL,
        access_token_version INTEGER NOT NULL,
        identifier_uris TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE client_secrets (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        hint TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      `CREATE INDEX client_secrets_app ON client_secrets (app_id)`,
      `CREATE TABLE client_certificates (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        thumbprint_sha1 TEXT NOT NULL,
        thumbprint_sha256 TEXT NOT NULL,
        public_key_pem TEXT NOT NULL,
        not_before BIGINT NOT NULL,
        not_after BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE UNIQUE INDEX client_certificates_thumbprint ON client_certificates (app_id, thumbprint_sha256)`,
      `CREATE TABLE federated_credentials (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        audiences TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE UNIQUE INDEX federated_credentials_name ON federated_credentials (app_id, name)`,
      `CREATE TABLE group_members (
        group_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, member_id)
      )`,
      `CREATE INDEX group_members_member ON group_members (member_id)`,
      `CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        activates_at BIGINT NOT NULL,
        retire_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_sealed TEXT NOT NULL
      )`,
    ],
  },
];

const LOCK_ID = 7_265_734; // any constant: serialises migrations across replicas

/** Brings the schema up to date in one transaction; replicas starting together take turns. */
export async function migrate(db: SqlDb): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (tx.dialect === "postgres") await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_ID})`);
    await tx.execute(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const applied = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM schema_migrations")).map((row) =>
        Number(row.version),
      ),
    );
    const newlyApplied: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.execute(statement);
      await tx.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        [migration.version, migration.name, Date.now()],
      );
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}
