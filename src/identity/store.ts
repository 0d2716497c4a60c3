import type {
  Application,
  ClientCertificate,
  ClientSecret,
  FederatedCredential,
  Principal,
  ServicePrincipal,
  SigningKeyRecord,
  Tenant,
  User,
} from "./model.js";

/** How a managed-identity request names the identity it wants. */
export type ManagedIdentitySelector =
  | { by: "clientId"; value: string }
  | { by: "objectId"; value: string }
  | { by: "resourceId"; value: string };

/** What the token service needs from storage, in its own terms. */
export interface DirectoryStore {
  /** Runs `work` against a store whose writes commit together or not at all. */
  transaction<T>(work: (store: DirectoryStore) => Promise<T>): Promise<T>;

  insertTenant(tenant: Tenant): Promise<void>;
  /** By id or default domain, case-insensitively. */
  findTenant(idOrDomain: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;

  insertPrincipal(principal: Principal): Promise<void>;
  getPrincipal(id: string): Promise<Principal | undefined>;
  findUserByName(tenantId: string, userPrincipalName: string): Promise<User | undefined>;
  findServicePrincipalByAppId(
    tenantId: string,
    appId: string,
  ): Promise<ServicePrincipal | undefined>;
  findManagedIdentity(selector: ManagedIdentitySelector): Promise<ServicePrincipal | undefined>;
  setAccountEnabled(id: string, enabled: boolean): Promise<boolean>;
  /** Removes a principal (and its group memberships); whether it existed. */
  deletePrincipal(id: string): Promise<boolean>;

  insertApplication(application: Application): Promise<void>;
  getApplication(appId: string): Promise<Application | undefined>;
  findApplicationByIdentifierUri(tenantId: string, uri: string): Promise<Application | undefined>;

  insertClientSecret(secret: ClientSecret): Promise<void>;
  listClientSecrets(appId: string): Promise<ClientSecret[]>;
  insertClientCertificate(certificate: ClientCertificate): Promise<void>;
  listClientCertificates(appId: string): Promise<ClientCertificate[]>;
  insertFederatedCredential(credential: FederatedCredential): Promise<void>;
  listFederatedCredentials(appId: string): Promise<FederatedCredential[]>;

  addGroupMember(groupId: string, memberId: string): Promise<void>;
  /** Groups that list `memberId` directly. */
  listDirectGroups(memberId: string): Promise<string[]>;
}

export interface SigningKeyStore {
  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  /** Keys not yet expired at `now`, newest first. */
  listSigningKeys(now: number): Promise<SigningKeyRecord[]>;
  deleteExpiredSigningKeys(now: number): Promise<number>;
}
