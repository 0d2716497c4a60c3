/**
 * The dev environment's fixed names and ids, like Azurite's well-known account: the same on
 * every machine so docs and snippets work unchanged. Its secrets are public, which is why
 * production mode refuses to run on a database that holds this tenant.
 */
export const wellKnown = {
  tenant: {
    id: "597bdc8c-d798-4fd7-8f68-a74c8daef945",
    displayName: "Keyless Dev",
    defaultDomain: "keyless.test",
  },
  subscriptionId: "641ffffa-d3d2-4e17-b83f-bbd8b3a1b57c",
  resourceGroup: "keyless-dev",
  servicePrincipal: {
    displayName: "keyless-dev-app",
    appId: "5796c59a-03b3-4aa0-9c82-b16a6241b593",
    applicationObjectId: "981d903b-9147-4b2f-b404-2cdbe31fbbe2",
    objectId: "9922145c-cb88-4ec1-bf4d-d84f17979536",
    secret: "kld8Q~Keyless.Dev.WellKnown.Secret.0001",
  },
  certificateServicePrincipal: {
    displayName: "keyless-dev-cert-app",
    appId: "0750358b-b100-417a-8ae0-2d6935364bbe",
    applicationObjectId: "76c4d889-4c1e-4a61-96ad-ffab8b404184",
    objectId: "92e0f2c5-a745-4fa2-84d5-e9c14cfb2f98",
    certificateFile: "dev-client-certificate.pem",
  },
  managedIdentity: {
    name: "keyless-dev-identity",
    clientId: "b8b62da6-f2c0-4cac-aaab-30a034f068d3",
    principalId: "5ee14acf-6b28-415e-8a3c-5f292da7d8b7",
  },
  user: {
    id: "886be1da-e86d-4e7a-853b-bf41dd91ba9d",
    userPrincipalName: "dev@keyless.test",
    displayName: "Dev User",
    givenName: "Dev",
    surname: "User",
    password: "Keyless-Dev-Passw0rd!",
  },
  group: { id: "0a77ff56-73a4-4cdd-b746-665f90540903", displayName: "Keyless Developers" },
  publicClient: {
    displayName: "Keyless CLI and Console",
    appId: "8f098f5d-42e6-4e7c-ab8d-a15857dda37f",
    applicationObjectId: "8ae8c39b-ccc1-4780-bcb4-bf39c7b501d2",
    objectId: "26e51a68-a336-4e2d-898f-fb2822aad27a",
  },
  identityHeader: "keyless-dev-identity-header",
  account: {
    name: "keyless-dev-ai",
    kind: "AIServices",
    location: "eastus",
    /** Simulated deployments: a chat and an embeddings model (OpenAI format), and a non-OpenAI chat model. */
    deployments: [
      { name: "gpt-4o", format: "OpenAI", model: "gpt-4o", version: "2024-08-06", capacity: 1000 },
      {
        name: "text-embedding-3-small",
        format: "OpenAI",
        model: "text-embedding-3-small",
        version: "1",
        capacity: 1000,
      },
      { name: "phi-4", format: "Microsoft", model: "Phi-4", version: "7", capacity: 1000 },
    ],
  },
} as const;
