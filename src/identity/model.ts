/** Directory objects in the shape the token service reasons about. Ids are lowercase GUIDs. */

export interface Tenant {
  id: string;
  displayName: string;
  defaultDomain: string;
  createdAt: number;
}

/** Azure's `principalType` values. Managed identities are service principals. */
export type PrincipalKind = "User" | "Group" | "ServicePrincipal";
export type ServicePrincipalType = "Application" | "ManagedIdentity";

interface PrincipalBase {
  id: string;
  tenantId: string;
  displayName: string;
  accountEnabled: boolean;
  createdAt: number;
}

export interface User extends PrincipalBase {
  kind: "User";
  userPrincipalName: string;
  givenName?: string;
  surname?: string;
  passwordHash?: string;
}

export interface Group extends PrincipalBase {
  kind: "Group";
}

export interface ServicePrincipal extends PrincipalBase {
  kind: "ServicePrincipal";
  appId: string;
  servicePrincipalType: ServicePrincipalType;
  /** ARM id of a managed identity, e.g. `/subscriptions/…/userAssignedIdentities/name`. */
  managedIdentityResourceId?: string;
}

export type Principal = User | Group | ServicePrincipal;

export interface Application {
  appId: string;
  objectId: string;
  tenantId: string;
  displayName: string;
  /** Public clients (CLI, console) sign users in and hold no credentials. */
  publicClient: boolean;
  /** Version of the access tokens issued for this application as a resource (1 or 2). */
  accessTokenVersion: 1 | 2;
  identifierUris: string[];
  createdAt: number;
}

export interface ClientSecret {
  id: string;
  appId: string;
  displayName: string;
  /** First three characters, shown in listings as Entra does. */
  hint: string;
  /** `scrypt`-free salted SHA-256 (the secret is 256 random bits), see secrets.ts. */
  hash: string;
  createdAt: number;
  expiresAt: number;
}

export interface ClientCertificate {
  id: string;
  appId: string;
  displayName: string;
  /** Uppercase hex, as Azure shows thumbprints. */
  thumbprintSha1: string;
  thumbprintSha256: string;
  publicKeyPem: string;
  notBefore: number;
  notAfter: number;
  createdAt: number;
}

export interface FederatedCredential {
  id: string;
  appId: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  createdAt: number;
}

export interface SigningKeyRecord {
  kid: string;
  /** From then on the key signs (a scheduled successor is published before it activates). */
  activatesAt: number;
  /** From then on the key no longer signs. */
  retireAt: number;
  /** From then on the key leaves JWKS: every token it signed has expired. */
  expiresAt: number;
  publicJwk: string;
  privateSealed: string;
}
