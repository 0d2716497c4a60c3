import { createHash, randomUUID, X509Certificate } from "node:crypto";
import type { Clock } from "../kernel/index.js";
import { generateClientSecret, hashClientSecret } from "./client-secrets.js";
import type {
  Application,
  ClientCertificate,
  FederatedCredential,
  Group,
  ServicePrincipal,
  Tenant,
  User,
} from "./model.js";
import { hashPassword } from "./passwords.js";
import type { DirectoryStore } from "./store.js";

const DAY = 24 * 60 * 60 * 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

/** Directory administration: creating tenants, principals and their credentials. */
export class Directory {
  constructor(
    readonly store: DirectoryStore,
    private readonly clock: Clock,
  ) {}

  /** The same operations, writing through `store` (e.g. inside a transaction). */
  with(store: DirectoryStore): Directory {
    return new Directory(store, this.clock);
  }

  async createTenant(input: {
    id?: string;
    displayName: string;
    defaultDomain: string;
  }): Promise<Tenant> {
    const tenant = {
      id: (input.id ?? randomUUID()).toLowerCase(),
      displayName: input.displayName,
      defaultDomain: input.defaultDomain.toLowerCase(),
      createdAt: this.clock.now(),
    };
    await this.store.insertTenant(tenant);
    return tenant;
  }

  async createUser(input: {
    tenantId: string;
    id?: string;
    userPrincipalName: string;
    displayName: string;
    givenName?: string;
    surname?: string;
    password?: string;
  }): Promise<User> {
    const user: User = {
      kind: "User",
      id: (input.id ?? randomUUID()).toLowerCase(),
      tenantId: input.tenantId,
      displayName: input.displayName,
      accountEnabled: true,
      createdAt: this.clock.now(),
      userPrincipalName: input.userPrincipalName.toLowerCase(),
      givenName: input.givenName,
      surname: input.surname,
      passwordHash: input.password === undefined ? undefined : await hashPassword(input.password),
    };
    await this.store.insertPrincipal(user);
    return user;
  }

  async createGroup(input: { tenantId: string; id?: string; displayName: string }): Promise<Group> {
    const group: Group = {
      kind: "Group",
      id: (input.id ?? randomUUID()).toLowerCase(),
      tenantId: input.tenantId,
      displayName: input.displayName,
      accountEnabled: true,
      createdAt: this.clock.now(),
    };
    await this.store.insertPrincipal(group);
    return group;
  }

  async addGroupMember(groupId: string, memberId: string): Promise<void> {
    const [group, member] = await Promise.all([
      this.store.getPrincipal(groupId),
      this.store.getPrincipal(memberId),
    ]);
    if (group?.kind !== "Group") throw new Error(`group ${groupId} does not exist`);
    if (!member || member.tenantId !== group.tenantId)
      throw new Error(`principal ${memberId} does not exist in the group's tenant`);
    await this.store.addGroupMember(group.id, member.id);
  }

  /** Every group `principalId` belongs to, directly or through nested groups. */
  async transitiveGroups(principalId: string): Promise<string[]> {
    const seen = new Set<string>();
    let frontier = [principalId.toLowerCase()];
    while (frontier.length > 0) {
      const parents = (
        await Promise.all(frontier.map((id) => this.store.listDirectGroups(id)))
      ).flat();
      frontier = parents.filter((id) => !seen.has(id));
      for (const id of frontier) seen.add(id);
    }
    return [...seen].sort();
  }

  /** An app registration and its service principal in the same tenant. */
  async createApplication(input: {
    tenantId: string;
    displayName: string;
    appId?: string;
    objectId?: string;
    servicePrincipalId?: string;
    publicClient?: boolean;
    accessTokenVersion?: 1 | 2;
    identifierUris?: string[];
  }): Promise<{ application: Application; servicePrincipal: ServicePrincipal }> {
    const now = this.clock.now();
    const application: Application = {
      appId: (input.appId ?? randomUUID()).toLowerCase(),
      objectId: (input.objectId ?? randomUUID()).toLowerCase(),
      tenantId: input.tenantId,
      displayName: input.displayName,
      publicClient: input.publicClient ?? false,
      accessTokenVersion: input.accessTokenVersion ?? 1,
      identifierUris: input.identifierUris ?? [],
      createdAt: now,
    };
    const servicePrincipal: ServicePrincipal = {
      kind: "ServicePrincipal",
      id: (input.servicePrincipalId ?? randomUUID()).toLowerCase(),
      tenantId: input.tenantId,
      displayName: input.displayName,
      accountEnabled: true,
      createdAt: now,
      appId: application.appId,
      servicePrincipalType: "Application",
    };
    await this.store.insertApplication(application);
    await this.store.insertPrincipal(servicePrincipal);
    return { application, servicePrincipal };
  }

  /**
   * Adds a client secret. The plaintext is returned here, once; only its hash is stored.
   * `value` lets dev mode install its well-known secret.
   */
  async addClientSecret(
    appId: string,
    input: { displayName?: string; lifetimeDays?: number; value?: string } = {},
  ): Promise<{ secretId: string; secret: string; expiresAt: number }> {
    const secret = input.value ?? generateClientSecret();
    const now = this.clock.now();
    const record = {
      id: randomUUID(),
      appId,
      displayName: input.displayName ?? "secret",
      hint: secret.slice(0, 3),
      hash: hashClientSecret(secret),
      createdAt: now,
      expiresAt: now + (input.lifetimeDays ?? 730) * DAY,
    };
    await this.store.insertClientSecret(record);
    return { secretId: record.id, secret, expiresAt: record.expiresAt };
  }

  /** Registers a certificate (PEM) by its public key and thumbprints. */
  async addClientCertificate(
    appId: string,
    certificatePem: string,
    displayName = "certificate",
  ): Promise<ClientCertificate> {
    const cert = new X509Certificate(certificatePem);
    const der = cert.raw;
    const record: ClientCertificate = {
      id: randomUUID(),
      appId,
      displayName,
      thumbprintSha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
      thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
      publicKeyPem: cert.publicKey.export({ format: "pem", type: "spki" }) as string,
      notBefore: Date.parse(cert.validFrom),
      notAfter: Date.parse(cert.validTo),
      createdAt: this.clock.now(),
    };
    await this.store.insertClientCertificate(record);
    return record;
  }

  async addFederatedCredential(
    appId: string,
    input: { name: string; issuer: string; subject: string; audiences?: string[] },
  ): Promise<FederatedCredential> {
    const record: FederatedCredential = {
      id: randomUUID(),
      appId,
      name: input.name,
      issuer: input.issuer,
      subject: input.subject,
      audiences: input.audiences ?? ["api://AzureADTokenExchange"],
      createdAt: this.clock.now(),
    };
    await this.store.insertFederatedCredential(record);
    return record;
  }

  /** A user-assigned managed identity: a service principal whose client id is its app id. */
  async createUserAssignedIdentity(input: {
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    clientId?: string;
    principalId?: string;
  }): Promise<ServicePrincipal> {
    const identity: ServicePrincipal = {
      kind: "ServicePrincipal",
      id: (input.principalId ?? randomUUID()).toLowerCase(),
      tenantId: input.tenantId,
      displayName: input.name,
      accountEnabled: true,
      createdAt: this.clock.now(),
      appId: (input.clientId ?? randomUUID()).toLowerCase(),
      servicePrincipalType: "ManagedIdentity",
      managedIdentityResourceId: `/subscriptions/${input.subscriptionId}/resourcegroups/${input.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${input.name}`,
    };
    await this.store.insertPrincipal(identity);
    return identity;
  }

  /** A system-assigned identity: a managed identity whose lifetime is its resource's (`resourceId`). */
  async createSystemAssignedIdentity(input: {
    tenantId: string;
    resourceId: string;
    name: string;
  }): Promise<ServicePrincipal> {
    const identity: ServicePrincipal = {
      kind: "ServicePrincipal",
      id: randomUUID(),
      tenantId: input.tenantId,
      displayName: input.name,
      accountEnabled: true,
      createdAt: this.clock.now(),
      appId: randomUUID(),
      servicePrincipalType: "ManagedIdentity",
      managedIdentityResourceId: input.resourceId,
    };
    await this.store.insertPrincipal(identity);
    return identity;
  }

  setAccountEnabled(principalId: string, enabled: boolean): Promise<boolean> {
    return this.store.setAccountEnabled(principalId, enabled);
  }

  /** The application a resource names: its app id, or one of its identifier URIs. */
  async findResourceApplication(
    tenantId: string,
    resource: string,
  ): Promise<Application | undefined> {
    if (isGuid(resource)) {
      const application = await this.store.getApplication(resource);
      return application?.tenantId === tenantId ? application : undefined;
    }
    return this.store.findApplicationByIdentifierUri(tenantId, resource);
  }
}
