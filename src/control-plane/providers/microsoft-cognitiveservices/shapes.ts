import type { ArmResourceRecord } from "../../store.js";
import { ACCOUNT_TYPE, DEPLOYMENT_TYPE } from "./api-versions.js";

const iso = (ms: number) => new Date(ms).toISOString();

/** Where the account's data plane answers: path addressing on the origin the client used. */
export function accountEndpoint(origin: string, record: ArmResourceRecord): string {
  const properties = record.body.properties as { customSubDomainName: string };
  return `${origin}/accounts/${properties.customSubDomainName}/`;
}

function systemData(record: ArmResourceRecord) {
  return {
    createdBy: record.createdBy,
    createdByType: "Application",
    createdAt: iso(record.createdAt),
    lastModifiedBy: record.updatedBy,
    lastModifiedByType: "Application",
    lastModifiedAt: iso(record.updatedAt),
  };
}

export function accountBody(record: ArmResourceRecord, origin: string) {
  const { properties, ...rest } = record.body as { properties: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  const endpoint = accountEndpoint(origin, record);
  return {
    id: record.id,
    name: record.name,
    type: ACCOUNT_TYPE,
    etag: `"${record.etag}"`,
    ...rest,
    systemData: systemData(record),
    properties: {
      ...properties,
      endpoint,
      endpoints: {
        "OpenAI Language Model Instance API": endpoint,
        "Azure AI Model Inference API": `${endpoint}models`,
      },
      provisioningState: "Succeeded",
      dateCreated: iso(record.createdAt),
      internalId: record.etag.replace(/-/g, ""),
      capabilities: [],
    },
  };
}

export function deploymentBody(record: ArmResourceRecord) {
  const { properties, ...rest } = record.body as { properties: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  return {
    id: record.id,
    name: record.name,
    type: DEPLOYMENT_TYPE,
    etag: `"${record.etag}"`,
    ...rest,
    systemData: systemData(record),
    properties: { ...properties, provisioningState: "Succeeded" },
  };
}
