import type {
  Application,
  ClientCertificate,
  ClientSecret,
  DirectoryStore,
  FederatedCredential,
  ManagedIdentitySelector,
  Principal,
  ServicePrincipal,
  Tenant,
  User,
} from "../identity/index.js";
import { type Clock, systemClock } from "../kernel/index.js";
import { appendChange, lockChangeFeed } from "./sql-change-feed.js";
import type { Row, SqlDb } from "./sql-db.js";

const str = (value: unknown): string => value as string;
const optional = (value: unknown): string | undefined =>
  value === null ? undefined : (value as string);

function toTenant(row: Row): Tenant {
  return {
    id: str(row.id),
    displayName: str(row.display_name),
    defaultDomain: str(row.default_domain),
    createdAt: Number(row.created_at),
  };
}

function toPrincipal(row: Row): Principal {
  const base = {
    id: str(row.id),
    tenantId: str(row.tenant_id),
    displayName: str(row.display_name),
    accountEnabled: Number(row.account_enabled) === 1,
    createdAt: Number(row.created_at),
  };
  switch (row.kind) {
    case "User":
      return {
        ...base,
        kind: "User",
        userPrincipalName: str(row.user_principal_name),
        givenName: optional(row.given_name),
        surname: optional(row.surname),
        passwordHash: optional(row.password_hash),
      };
    case "Group":
      return { ...base, kind: "Group" };
    case "ServicePrincipal":
      return {
        ...base,
        kind: "ServicePrincipal",
        appId: str(row.app_id),
        servicePrincipalType:
          row.service_principal_type as ServicePrincipal["servicePrincipalType"],
        managedIdentityResourceId: optional(row.managed_identity_resource_id),
      };
    default:
      throw new Error(`unknown principal kind ${String(row.kind)}`);
  }
}

function toApplication(row: Row): Application {
  return {
    appId: str(row.app_id),
    objectId: str(row.object_id),
    tenantId: str(row.tenant_id),
    displayName: str(row.display_name),
    publicClient: Number(row.public_client) === 1,
    accessTokenVersion: Number(row.access_token_version) === 2 ? 2 : 1,
    identifierUris: JSON.parse(str(row.identifier_uris)) as string[],
    createdAt: Number(row.created_at),
  };
}

function toClientSecret(row: Row): ClientSecret {
  return {
    id: str(row.id),
    appId: str(row.app_id),
    displayName: str(row.display_name),
    hint: str(row.hint),
    hash: str(row.hash),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

function toClientCertificate(row: Row): ClientCertificate {
  return {
    id: str(row.id),
    appId: str(row.app_id),
    displayName: str(row.display_name),
    thumbprintSha1: str(row.thumbprint_sha1),
    thumbprintSha256: str(row.thumbprint_sha256),
    publicKeyPem: str(row.public_key_pem),
    notBefore: Number(row.not_before),
    notAfter: Number(row.not_after),
    createdAt: Number(row.created_at),
  };
}

function toFederatedCredential(row: Row): FederatedCredential {
  return {
    id: str(row.id),
    appId: str(row.app_id),
    name: str(row.name),
    issuer: str(row.issuer),
    subject: str(row.subject),
    audiences: JSON.parse(str(row.audiences)) as string[],
    createdAt: Number(row.created_at),
  };
}

// ARM resource ids compare case-insensitively; object and client ids are stored lowercase.
const managedIdentityColumn: Record<ManagedIdentitySelector["by"], string> = {
  clientId: "app_id",
  objectId: "id",
  resourceId: "LOWER(managed_identity_resource_id)",
};

/**
 * Writes that change authorization facts (group membership, an account switched on or off)
 * append a change row in the same transaction, so every replica's index hears of them.
 */
export class SqlDirectoryStore implements DirectoryStore {
  constructor(
    private readonly db: SqlDb,
    private readonly clock: Clock = systemClock,
  ) {}

  transaction<T>(work: (store: DirectoryStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new SqlDirectoryStore(tx, this.clock)));
  }

  async insertTenant(tenant: Tenant): Promise<void> {
    await this.db.execute(
      "INSERT INTO tenants (id, display_name, default_domain, created_at) VALUES (?, ?, ?, ?)",
      [
        tenant.id.toLowerCase(),
        tenant.displayName,
        tenant.defaultDomain.toLowerCase(),
        tenant.createdAt,
      ],
    );
  }

  async findTenant(idOrDomain: string): Promise<Tenant | undefined> {
    const key = idOrDomain.toLowerCase();
    const rows = await this.db.query("SELECT * FROM tenants WHERE id = ? OR default_domain = ?", [
      key,
      key,
    ]);
    return rows[0] && toTenant(rows[0]);
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.db.query("SELECT * FROM tenants ORDER BY created_at, id")).map(toTenant);
  }

  async insertPrincipal(principal: Principal): Promise<void> {
    const user = principal.kind === "User" ? principal : undefined;
    const sp = principal.kind === "ServicePrincipal" ? principal : undefined;
    await this.db.execute(
      `INSERT INTO principals (id, tenant_id, kind, display_name, account_enabled, created_at,
        user_principal_name, given_name, surname, password_hash,
        app_id, service_principal_type, managed_identity_resource_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        principal.id.toLowerCase(),
        principal.tenantId,
        principal.kind,
        principal.displayName,
        principal.accountEnabled ? 1 : 0,
        principal.createdAt,
        user?.userPrincipalName.toLowerCase() ?? null,
        user?.givenName ?? null,
        user?.surname ?? null,
        user?.passwordHash ?? null,
        sp?.appId.toLowerCase() ?? null,
        sp?.servicePrincipalType ?? null,
        sp?.managedIdentityResourceId ?? null,
      ],
    );
  }

  async getPrincipal(id: string): Promise<Principal | undefined> {
    const rows = await this.db.query("SELECT * FROM principals WHERE id = ?", [id.toLowerCase()]);
    return rows[0] && toPrincipal(rows[0]);
  }

  async findUserByName(tenantId: string, userPrincipalName: string): Promise<User | undefined> {
    const rows = await this.db.query(
      "SELECT * FROM principals WHERE tenant_id = ? AND user_principal_name = ? AND kind = 'User'",
      [tenantId, userPrincipalName.toLowerCase()],
    );
    return rows[0] && (toPrincipal(rows[0]) as User);
  }

  async findServicePrincipalByAppId(
    tenantId: string,
    appId: string,
  ): Promise<ServicePrincipal | undefined> {
    const rows = await this.db.query(
      "SELECT * FROM principals WHERE tenant_id = ? AND app_id = ? AND kind = 'ServicePrincipal'",
      [tenantId, appId.toLowerCase()],
    );
    return rows[0] && (toPrincipal(rows[0]) as ServicePrincipal);
  }

  async findManagedIdentity(
    selector: ManagedIdentitySelector,
  ): Promise<ServicePrincipal | undefined> {
    const column = managedIdentityColumn[selector.by];
    const rows = await this.db.query(
      `SELECT * FROM principals WHERE ${column} = ? AND service_principal_type = 'ManagedIdentity'`,
      [selector.value.toLowerCase()],
    );
    return rows[0] && (toPrincipal(rows[0]) as ServicePrincipal);
  }

  setAccountEnabled(id: string, enabled: boolean): Promise<boolean> {
    const key = id.toLowerCase();
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      const changed = await tx.execute("UPDATE principals SET account_enabled = ? WHERE id = ?", [
        enabled ? 1 : 0,
        key,
      ]);
      if (changed !== 1) return false;
      await appendChange(tx, "principal", key, this.clock.now());
      return true;
    });
  }

  deletePrincipal(id: string): Promise<boolean> {
    const key = id.toLowerCase();
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      // Group memberships go with it (ON DELETE CASCADE).
      if ((await tx.execute("DELETE FROM principals WHERE id = ?", [key])) !== 1) return false;
      await appendChange(tx, "principal", key, this.clock.now());
      return true;
    });
  }

  async insertApplication(application: Application): Promise<void> {
    await this.db.execute(
      `INSERT INTO applications (app_id, object_id, tenant_id, display_name, public_client,
        access_token_version, identifier_uris, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        application.appId.toLowerCase(),
        application.objectId.toLowerCase(),
        application.tenantId,
        application.displayName,
        application.publicClient ? 1 : 0,
        application.accessTokenVersion,
        JSON.stringify(application.identifierUris),
        application.createdAt,
      ],
    );
  }

  async getApplication(appId: string): Promise<Application | undefined> {
    const rows = await this.db.query("SELECT * FROM applications WHERE app_id = ?", [
      appId.toLowerCase(),
    ]);
    return rows[0] && toApplication(rows[0]);
  }

  async findApplicationByIdentifierUri(
    tenantId: string,
    uri: string,
  ): Promise<Application | undefined> {
    // Identifier URIs are few per tenant; matching in code keeps the SQL portable.
    const rows = await this.db.query("SELECT * FROM applications WHERE tenant_id = ?", [tenantId]);
    const wanted = uri.toLowerCase();
    return rows
      .map(toApplication)
      .find((app) => app.identifierUris.some((candidate) => candidate.toLowerCase() === wanted));
  }

  async insertClientSecret(secret: ClientSecret): Promise<void> {
    await this.db.execute(
      `INSERT INTO client_secrets (id, app_id, display_name, hint, hash, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        secret.id,
        secret.appId.toLowerCase(),
        secret.displayName,
        secret.hint,
        secret.hash,
        secret.createdAt,
        secret.expiresAt,
      ],
    );
  }

  async listClientSecrets(appId: string): Promise<ClientSecret[]> {
    const rows = await this.db.query(
      "SELECT * FROM client_secrets WHERE app_id = ? ORDER BY created_at",
      [appId.toLowerCase()],
    );
    return rows.map(toClientSecret);
  }

  async insertClientCertificate(certificate: ClientCertificate): Promise<void> {
    await this.db.execute(
      `INSERT INTO client_certificates (id, app_id, display_name, thumbprint_sha1, thumbprint_sha256,
        public_key_pem, not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        certificate.id,
        certificate.appId.toLowerCase(),
        certificate.displayName,
        certificate.thumbprintSha1,
        certificate.thumbprintSha256,
        certificate.publicKeyPem,
        certificate.notBefore,
        certificate.notAfter,
        certificate.createdAt,
      ],
    );
  }

  async listClientCertificates(appId: string): Promise<ClientCertificate[]> {
    const rows = await this.db.query(
      "SELECT * FROM client_certificates WHERE app_id = ? ORDER BY created_at",
      [appId.toLowerCase()],
    );
    return rows.map(toClientCertificate);
  }

  async insertFederatedCredential(credential: FederatedCredential): Promise<void> {
    await this.db.execute(
      `INSERT INTO federated_credentials (id, app_id, name, issuer, subject, audiences, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        credential.id,
        credential.appId.toLowerCase(),
        credential.name,
        credential.issuer,
        credential.subject,
        JSON.stringify(credential.audiences),
        credential.createdAt,
      ],
    );
  }

  async listFederatedCredentials(appId: string): Promise<FederatedCredential[]> {
    const rows = await this.db.query(
      "SELECT * FROM federated_credentials WHERE app_id = ? ORDER BY created_at",
      [appId.toLowerCase()],
    );
    return rows.map(toFederatedCredential);
  }

  addGroupMember(groupId: string, memberId: string): Promise<void> {
    const member = memberId.toLowerCase();
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      await tx.execute("INSERT INTO group_members (group_id, member_id) VALUES (?, ?)", [
        groupId.toLowerCase(),
        member,
      ]);
      await appendChange(tx, "groupMember", member, this.clock.now());
    });
  }

  async listDirectGroups(memberId: string): Promise<string[]> {
    const rows = await this.db.query<{ group_id: string }>(
      "SELECT group_id FROM group_members WHERE member_id = ? ORDER BY group_id",
      [memberId.toLowerCase()],
    );
    return rows.map((row) => row.group_id);
  }
}
