import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Directory } from "../identity/index.js";
import { createClientCertificate } from "../tls/index.js";
import { wellKnown } from "./well-known.js";

/**
 * Creates the dev environment once (in one transaction) and makes sure the certificate
 * application's PEM is in the data folder. Returns whether anything was created.
 */
export async function seedDevEnvironment(directory: Directory, dataDir: string): Promise<boolean> {
  const certificatePath = join(dataDir, wellKnown.certificateServicePrincipal.certificateFile);
  const needsCertificate = !existsSync(certificatePath);
  const certificate = needsCertificate
    ? await createClientCertificate(wellKnown.certificateServicePrincipal.displayName)
    : undefined;

  const created = await directory.store.transaction(async (store) => {
    const dir = directory.with(store);
    if (await store.findTenant(wellKnown.tenant.id)) {
      if (certificate)
        await dir.addClientCertificate(
          wellKnown.certificateServicePrincipal.appId,
          certificate.certificatePem,
        );
      return false;
    }
    await createEverything(
      dir,
      certificate?.certificatePem ?? certificateOf(readFileSync(certificatePath, "utf8")),
    );
    return true;
  });
  if (certificate) writeFileSync(certificatePath, certificate.pem, { mode: 0o600 });
  return created;
}

async function createEverything(directory: Directory, certificatePem: string): Promise<void> {
  const tenantId = wellKnown.tenant.id;
  await directory.createTenant(wellKnown.tenant);

  const sp = wellKnown.servicePrincipal;
  await directory.createApplication({
    tenantId,
    displayName: sp.displayName,
    appId: sp.appId,
    objectId: sp.applicationObjectId,
    servicePrincipalId: sp.objectId,
  });
  await directory.addClientSecret(sp.appId, {
    displayName: "well-known dev secret",
    value: sp.secret,
  });

  const certSp = wellKnown.certificateServicePrincipal;
  await directory.createApplication({
    tenantId,
    displayName: certSp.displayName,
    appId: certSp.appId,
    objectId: certSp.applicationObjectId,
    servicePrincipalId: certSp.objectId,
  });
  await directory.addClientCertificate(certSp.appId, certificatePem, "dev certificate");

  const mi = wellKnown.managedIdentity;
  await directory.createUserAssignedIdentity({
    tenantId,
    subscriptionId: wellKnown.subscriptionId,
    resourceGroup: wellKnown.resourceGroup,
    name: mi.name,
    clientId: mi.clientId,
    principalId: mi.principalId,
  });

  const user = wellKnown.user;
  await directory.createUser({ tenantId, ...user });
  await directory.createGroup({ tenantId, ...wellKnown.group });
  await directory.addGroupMember(wellKnown.group.id, user.id);

  const client = wellKnown.publicClient;
  await directory.createApplication({
    tenantId,
    displayName: client.displayName,
    appId: client.appId,
    objectId: client.applicationObjectId,
    servicePrincipalId: client.objectId,
    publicClient: true,
  });
}

function certificateOf(pem: string): string {
  const match = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!match) throw new Error("the dev certificate file holds no certificate");
  return match[0] + "\n";
}
