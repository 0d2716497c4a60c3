import { join } from "node:path";
import { wellKnown } from "./well-known.js";

export interface Listeners {
  /** e.g. https://localhost:8443 */
  httpsUrl: string;
  /** e.g. http://127.0.0.1:8080 */
  httpUrl: string;
  caPath: string;
  dataDir: string;
}

/** Everything a developer needs to use the dev environment: `dev-environment.json` and `keyless env`. */
export function devEnvironment(listeners: Listeners) {
  const { httpsUrl, httpUrl } = listeners;
  const tenantId = wellKnown.tenant.id;
  const mi = wellKnown.managedIdentity;
  const miResourceId = `/subscriptions/${wellKnown.subscriptionId}/resourcegroups/${wellKnown.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${mi.name}`;
  const appServiceEnv = {
    NODE_EXTRA_CA_CERTS: listeners.caPath,
    IDENTITY_ENDPOINT: `${httpUrl}/msi/token`,
    IDENTITY_HEADER: wellKnown.identityHeader,
  };
  return {
    tenantId,
    tenantDomain: wellKnown.tenant.defaultDomain,
    subscriptionId: wellKnown.subscriptionId,
    resourceGroup: wellKnown.resourceGroup,
    caCertificate: listeners.caPath,
    endpoints: {
      https: httpsUrl,
      managedIdentity: httpUrl,
      authorityHost: httpsUrl,
      openIdConfiguration: `${httpsUrl}/${tenantId}/v2.0/.well-known/openid-configuration`,
      token: `${httpsUrl}/${tenantId}/oauth2/v2.0/token`,
      jwks: `${httpsUrl}/${tenantId}/discovery/v2.0/keys`,
      imds: `${httpUrl}/metadata/identity/oauth2/token`,
      appService: `${httpUrl}/msi/token`,
    },
    servicePrincipal: {
      displayName: wellKnown.servicePrincipal.displayName,
      appId: wellKnown.servicePrincipal.appId,
      objectId: wellKnown.servicePrincipal.objectId,
      secret: wellKnown.servicePrincipal.secret,
    },
    certificateServicePrincipal: {
      displayName: wellKnown.certificateServicePrincipal.displayName,
      appId: wellKnown.certificateServicePrincipal.appId,
      objectId: wellKnown.certificateServicePrincipal.objectId,
      certificatePath: join(
        listeners.dataDir,
        wellKnown.certificateServicePrincipal.certificateFile,
      ),
    },
    managedIdentity: {
      name: mi.name,
      clientId: mi.clientId,
      principalId: mi.principalId,
      resourceId: miResourceId,
    },
    user: {
      userPrincipalName: wellKnown.user.userPrincipalName,
      objectId: wellKnown.user.id,
      password: wellKnown.user.password,
    },
    group: { displayName: wellKnown.group.displayName, objectId: wellKnown.group.id },
    publicClient: {
      displayName: wellKnown.publicClient.displayName,
      appId: wellKnown.publicClient.appId,
    },
    identityHeader: wellKnown.identityHeader,
    account: {
      name: wellKnown.account.name,
      kind: wellKnown.account.kind,
      resourceId: `/subscriptions/${wellKnown.subscriptionId}/resourceGroups/${wellKnown.resourceGroup}/providers/Microsoft.CognitiveServices/accounts/${wellKnown.account.name}`,
      endpoint: `${httpsUrl}/accounts/${wellKnown.account.name}/`,
      deployments: wellKnown.account.deployments.map((d) => ({
        name: d.name,
        model: d.model,
        format: d.format,
      })),
    },
    environment: { appService: appServiceEnv },
    snippets: snippets(listeners, appServiceEnv),
  };
}

function snippets(listeners: Listeners, appServiceEnv: Record<string, string>) {
  const shellEnv = Object.entries(appServiceEnv)
    .map(([name, value]) => `export ${name}=${value}`)
    .join("\n");
  return {
    managedIdentityShell: shellEnv,
    defaultAzureCredential: [
      `// ${Object.keys(appServiceEnv).join(", ")} set as above`,
      `import { DefaultAzureCredential } from "@azure/identity";`,
      `const credential = new DefaultAzureCredential();`,
      `const token = await credential.getToken("https://cognitiveservices.azure.com/.default");`,
    ].join("\n"),
    azureOpenAI: [
      `// ${Object.keys(appServiceEnv).join(", ")} set as above`,
      `import { DefaultAzureCredential, getBearerTokenProvider } from "@azure/identity";`,
      `import { AzureOpenAI } from "openai";`,
      `const client = new AzureOpenAI({`,
      `  endpoint: "${listeners.httpsUrl}/accounts/${wellKnown.account.name}/",`,
      `  azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"),`,
      `  apiVersion: "2024-10-21",`,
      `});`,
      `const reply = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] });`,
    ].join("\n"),
    clientSecretCredential: [
      `// NODE_EXTRA_CA_CERTS=${listeners.caPath}`,
      `import { ClientSecretCredential } from "@azure/identity";`,
      `const credential = new ClientSecretCredential(`,
      `  "${wellKnown.tenant.id}",`,
      `  "${wellKnown.servicePrincipal.appId}",`,
      `  "${wellKnown.servicePrincipal.secret}",`,
      `  { authorityHost: "${listeners.httpsUrl}", disableInstanceDiscovery: true },`,
      `);`,
      `const token = await credential.getToken("https://cognitiveservices.azure.com/.default");`,
    ].join("\n"),
  };
}

export type DevEnvironment = ReturnType<typeof devEnvironment>;
