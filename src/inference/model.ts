/** The data plane's view of the control plane's resources, shaped for the request path. */

/** Where a deployment forwards: `properties.upstream` of the deployment resource. */
export type UpstreamConfig = { kind: string } & Record<string, unknown>;

export interface DeploymentView {
  /** The deployment's ARM id in its canonical casing: the scope every data-plane call is authorized at. */
  id: string;
  name: string;
  accountId: string;
  /** `properties.model.format`: `OpenAI` deployments answer OpenAI dataActions on `/models` too. */
  modelFormat: string;
  modelName: string;
  modelVersion?: string;
  skuName: string;
  /** `sku.capacity`: thousands of tokens per minute, as Azure counts Standard deployments. */
  capacity: number;
  upstream: UpstreamConfig;
}

export interface NetworkRules {
  /** `properties.publicNetworkAccess`: `Disabled` refuses every caller. */
  publicNetworkAccess: "Enabled" | "Disabled";
  /** `properties.networkAcls.defaultAction`; undefined when the account has no ACLs. */
  defaultAction?: "Allow" | "Deny";
  /** `properties.networkAcls.ipRules[].value`: addresses and CIDR ranges allowed past `Deny`. */
  ipRules: readonly string[];
}

export interface AccountView {
  id: string;
  name: string;
  /** The tenant of the account's subscription: key callers act in it. */
  tenantId: string;
  /** `properties.customSubDomainName`, lowercased: the name data-plane URLs use. */
  subdomain: string;
  disableLocalAuth: boolean;
  network: NetworkRules;
  /** By lowercased deployment name. */
  deployments: ReadonlyMap<string, DeploymentView>;
}

/** The data-plane operations Keyless serves, named as their dataActions name them. */
export type Operation = "chat/completions" | "completions" | "embeddings";

/** Token counts an upstream reports (or the simulated upstream counts). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}
