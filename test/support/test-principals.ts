/**
 * Principals the control-plane tests create in the dev tenant through Keyless's directory,
 * each with the official `@azure/identity` credential that signs in as it: a service
 * principal with a client secret (`ClientSecretCredential`) or a user with a password
 * (`UsernamePasswordCredential` through the dev public client, as dev scripts do).
 */
import { randomUUID } from "node:crypto";
import { ClientSecretCredential, UsernamePasswordCredential } from "@azure/identity";
import type { TestKeyless } from "./keyless.js";

export interface TestServicePrincipal {
  displayName: string;
  appId: string;
  /** The service principal's object id: what role assignments name. */
  objectId: string;
  secret: string;
  credential: ClientSecretCredential;
}

export interface TestUser {
  userPrincipalName: string;
  objectId: string;
  password: string;
  credential: UsernamePasswordCredential;
}

export interface TestGroup {
  displayName: string;
  objectId: string;
}

/** A new app registration and service principal with a fresh client secret. */
export async function createTestServicePrincipal(
  keyless: TestKeyless,
  displayName: string,
): Promise<TestServicePrincipal> {
  const { directory } = keyless.server.identity;
  const { application, servicePrincipal } = await directory.createApplication({
    tenantId: keyless.env.tenantId,
    displayName,
  });
  const { secret } = await directory.addClientSecret(application.appId);
  const credential = new ClientSecretCredential(keyless.env.tenantId, application.appId, secret, {
    authorityHost: keyless.httpsUrl,
    disableInstanceDiscovery: true,
  });
  return {
    displayName,
    appId: application.appId,
    objectId: servicePrincipal.id,
    secret,
    credential,
  };
}

/** A new user of the dev tenant (`{name}-{random}@keyless.test`) with a password. */
export async function createTestUser(keyless: TestKeyless, name: string): Promise<TestUser> {
  const password = `Pw-${randomUUID()}`;
  const user = await keyless.server.identity.directory.createUser({
    tenantId: keyless.env.tenantId,
    userPrincipalName: `${name}-${randomUUID().slice(0, 8)}@${keyless.env.tenantDomain}`,
    displayName: name,
    password,
  });
  return {
    userPrincipalName: user.userPrincipalName,
    objectId: user.id,
    password,
    credential: userCredential(keyless, user.userPrincipalName, password),
  };
}

/** A new group of the dev tenant with these members. */
export async function createTestGroup(
  keyless: TestKeyless,
  displayName: string,
  memberIds: string[],
): Promise<TestGroup> {
  const { directory } = keyless.server.identity;
  const group = await directory.createGroup({ tenantId: keyless.env.tenantId, displayName });
  for (const member of memberIds) await directory.addGroupMember(group.id, member);
  return { displayName, objectId: group.id };
}

/** The dev user (Owner of the dev subscription), signed in with its well-known password. */
export function devUserCredential(keyless: TestKeyless): UsernamePasswordCredential {
  const { user } = keyless.env;
  return userCredential(keyless, user.userPrincipalName, user.password);
}

function userCredential(
  keyless: TestKeyless,
  userPrincipalName: string,
  password: string,
): UsernamePasswordCredential {
  // Deprecated in @azure/identity (no MFA), and still what dev scripts use against Keyless.
  return new UsernamePasswordCredential(
    keyless.env.tenantId,
    keyless.env.publicClient.appId,
    userPrincipalName,
    password,
    { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true },
  );
}
