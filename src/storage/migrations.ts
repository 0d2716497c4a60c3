import type { Dialect, SqlDb } from "./sql-db.js";

/** A statement valid in both SQLite and PostgreSQL, or one per dialect where they differ. */
type Statement = string | Record<Dialect, string>;

/** `CREATE TABLE` with a `seq` column numbered by the database, in each dialect's spelling. */
function sequencedTable(name: string, columns: string): Record<Dialect, string> {
  return {
    sqlite: `CREATE TABLE ${name} (seq INTEGER PRIMARY KEY AUTOINCREMENT, ${columns})`,
    postgres: `CREATE TABLE ${name} (seq BIGSERIAL PRIMARY KEY, ${columns})`,
  };
}

/** `audit_subjects`' fields, in fingerprint order. */
const SUBJECT_COLUMNS =
  "tenant_id, principal_type, principal_app_id, principal_display_name, account_id, " +
  "deployment_id, operation, data_action, decision, decided_by";
const SUBJECT_COLUMNS_DDL = `fingerprint TEXT NOT NULL UNIQUE,
  tenant_id TEXT,
  principal_type TEXT,
  principal_app_id TEXT,
  principal_display_name TEXT,
  account_id TEXT,
  account_key TEXT,
  deployment_id TEXT,
  operation TEXT NOT NULL,
  data_action TEXT,
  decision TEXT NOT NULL,
  decided_by TEXT`;
const RECORD_COLUMNS =
  "at, request_id, principal_object_id, auth_method, client_address, subject_id, status, " +
  "latency_ms, prompt_tokens, completion_tokens, prev_hash, hash";
const RECORD_COLUMNS_DDL = `at BIGINT NOT NULL,
  request_id TEXT NOT NULL,
  principal_object_id TEXT,
  auth_method TEXT NOT NULL,
  client_address TEXT NOT NULL,
  subject_id BIGINT NOT NULL,
  status INTEGER NOT NULL,
  latency_ms DOUBLE PRECISION NOT NULL,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL`;

/**
 * A subject's fingerprint in SQL, over the columns of the table aliased `prefix`: each field `~`
 * when NULL, else `=` and the text with backslashes and `|` escaped; fields joined by `|`, so two
 * different subjects never share one. INVARIANT: equals `subjectFingerprint` in
 * `sql-audit-store.ts`, so subjects stored here are found again by the writer.
 */
function subjectFingerprintSql(prefix: string): string {
  return SUBJECT_COLUMNS.split(", ")
    .map(
      (column) =>
        `CASE WHEN ${prefix}${column} IS NULL THEN '~' ` +
        `ELSE '=' || REPLACE(REPLACE(${prefix}${column}, '\\', '\\\\'), '|', '\\|') END`,
    )
    .join(" || '|' || ");
}

interface Migration {
  version: number;
  name: string;
  statements: Statement[];
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
  {
    version: 2,
    name: "role definitions, role assignments and the change feed",
    statements: [
      // Custom roles only: built-in roles ship with Keyless. JSON columns hold arrays.
      `CREATE TABLE role_definitions (
        id TEXT PRIMARY KEY,
        role_name TEXT NOT NULL,
        description TEXT NOT NULL,
        type TEXT NOT NULL,
        permissions TEXT NOT NULL,
        assignable_scopes TEXT NOT NULL,
        created_on BIGINT,
        updated_on BIGINT,
        created_by TEXT,
        updated_by TEXT
      )`,
      // No foreign keys: roles may be built in, principals may live in an external tenant.
      `CREATE TABLE role_assignments (
        name TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        display_scope TEXT,
        role_definition_id TEXT NOT NULL,
        principal_id TEXT NOT NULL,
        principal_type TEXT NOT NULL,
        description TEXT,
        condition TEXT,
        condition_version TEXT,
        created_on BIGINT NOT NULL,
        updated_on BIGINT NOT NULL,
        created_by TEXT,
        updated_by TEXT
      )`,
      // INVARIANT: one assignment per principal, role and scope, whichever replica writes it.
      `CREATE UNIQUE INDEX role_assignments_identity
        ON role_assignments (principal_id, role_definition_id, scope)`,
      sequencedTable("changes", `entity TEXT NOT NULL, key TEXT NOT NULL, at BIGINT NOT NULL`),
    ],
  },
  {
    version: 3,
    name: "ARM resources",
    statements: [
      // Documents keyed by the lowercased ARM id; `id` keeps the casing the creator used.
      `CREATE TABLE arm_resources (
        id_key TEXT PRIMARY KEY,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        type_key TEXT NOT NULL,
        name TEXT NOT NULL,
        parent_id TEXT NOT NULL,
        parent_key TEXT NOT NULL,
        body TEXT NOT NULL,
        etag TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        created_by TEXT,
        updated_by TEXT
      )`,
      `CREATE INDEX arm_resources_children ON arm_resources (parent_key, type_key)`,
      `CREATE INDEX arm_resources_type ON arm_resources (type_key)`,
      // Account keys, sealed with the master key; the account's lowercased ARM id is the key.
      `CREATE TABLE account_keys (
        account_key TEXT PRIMARY KEY,
        key1_sealed TEXT NOT NULL,
        key2_sealed TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      // Every control-plane write: who, what, when, result. Append only.
      sequencedTable(
        "activity_log",
        `at BIGINT NOT NULL,
        correlation_id TEXT NOT NULL,
        caller_object_id TEXT,
        caller_name TEXT,
        operation TEXT NOT NULL,
        method TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        error_code TEXT`,
      ),
    ],
  },
  {
    version: 4,
    name: "audit log",
    statements: [
      // Every data-plane request, one hash chain. `seq` is assigned by the writer holding the
      // audit lock (the tail's seq + 1), so seqs have no gaps; the primary key refuses a second
      // writer that skipped the lock. `account_key` is the lowercased account id, for scopes.
      `CREATE TABLE audit_records (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        request_id TEXT NOT NULL,
        tenant_id TEXT,
        principal_object_id TEXT,
        principal_type TEXT,
        principal_app_id TEXT,
        principal_display_name TEXT,
        auth_method TEXT NOT NULL,
        client_address TEXT NOT NULL,
        account_id TEXT,
        account_key TEXT,
        deployment_id TEXT,
        operation TEXT NOT NULL,
        data_action TEXT,
        decision TEXT NOT NULL,
        decided_by TEXT,
        status INTEGER NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
      // Queries read newest first within a principal, an account, or a time range.
      `CREATE INDEX audit_records_principal ON audit_records (principal_object_id, seq)`,
      `CREATE INDEX audit_records_account ON audit_records (account_key, seq)`,
      `CREATE INDEX audit_records_at ON audit_records (at)`,
    ],
  },
  {
    version: 5,
    name: "audit subjects",
    statements: [
      // Who did what where, once: the long ARM ids, names and actions a caller repeats on every
      // request. A record keeps only what varies, what it is looked up by, and a subject id,
      // which made an append cost less than half of what the wide row did (docs/audit.md).
      {
        sqlite: `CREATE TABLE audit_subjects (id INTEGER PRIMARY KEY AUTOINCREMENT, ${SUBJECT_COLUMNS_DDL})`,
        postgres: `CREATE TABLE audit_subjects (id BIGSERIAL PRIMARY KEY, ${SUBJECT_COLUMNS_DDL})`,
      },
      `INSERT INTO audit_subjects (fingerprint, ${SUBJECT_COLUMNS}, account_key)
        SELECT DISTINCT ${subjectFingerprintSql("")}, ${SUBJECT_COLUMNS}, account_key
        FROM audit_records`,
      // SQLite's INTEGER PRIMARY KEY is the row id itself: no second index to keep.
      {
        sqlite: `CREATE TABLE audit_records_narrow (seq INTEGER PRIMARY KEY, ${RECORD_COLUMNS_DDL})`,
        postgres: `CREATE TABLE audit_records_narrow (seq BIGINT PRIMARY KEY, ${RECORD_COLUMNS_DDL})`,
      },
      `INSERT INTO audit_records_narrow (seq, ${RECORD_COLUMNS})
        SELECT r.seq, ${RECORD_COLUMNS.split(", ")
          .map((column) => (column === "subject_id" ? "s.id" : `r.${column}`))
          .join(", ")}
        FROM audit_records r JOIN audit_subjects s ON s.fingerprint = ${subjectFingerprintSql("r.")}`,
      `DROP TABLE audit_records`,
      `ALTER TABLE audit_records_narrow RENAME TO audit_records`,
      `CREATE INDEX audit_records_principal ON audit_records (principal_object_id, seq)`,
      `CREATE INDEX audit_records_subject ON audit_records (subject_id, seq)`,
      `CREATE INDEX audit_records_at ON audit_records (at)`,
    ],
  },
];

const LOCK_ID = 7_265_734; // any constant: serialises migrations across replicas

/**
 * Brings the schema up to date (or up to `lastVersion`) in one transaction; replicas starting
 * together take turns.
 */
export async function migrate(db: SqlDb, lastVersion = Infinity): Promise<number[]> {
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
      if (applied.has(migration.version) || migration.version > lastVersion) continue;
      for (const statement of migration.statements)
        await tx.execute(typeof statement === "string" ? statement : statement[tx.dialect]);
      await tx.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        [migration.version, migration.name, Date.now()],
      );
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}
