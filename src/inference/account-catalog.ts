import { timingSafeEqual } from "node:crypto";
import type { Change } from "../authz/index.js";
import { sha256 } from "../kernel/index.js";
import {
  ACCOUNT_TYPE,
  DEPLOYMENT_TYPE,
  keyContext,
  type AccountKeyStore,
  type ArmResourceRecord,
  type ArmResourceStore,
} from "../control-plane/index.js";
import type { AccountView, DeploymentView, NetworkRules, UpstreamConfig } from "./model.js";

export interface AccountCatalogSources {
  resources: ArmResourceStore;
  keys: AccountKeyStore;
  /** Opens a sealed account key (the secret box, bound to `keyContext`). */
  openKey: (sealed: string, context: string) => string;
}

/** Which key slot a presented key matched. */
export type KeySlot = "key1" | "key2";

interface CatalogEntry {
  view: AccountView;
  /** SHA-256 of each key: the catalog never holds a key itself, and digests compare in constant time. */
  keyDigests?: { key1: Buffer; key2: Buffer };
}

const ACCOUNT_SEGMENT = "/providers/microsoft.cognitiveservices/accounts/";

/**
 * The accounts and deployments the data plane serves, in memory and addressed by sub-domain
 * name, so a request costs no query. The change feed keeps it current: every ARM write and key
 * regeneration appends a change, and `apply` re-reads the account it touched.
 */
export class AccountCatalog {
  private readonly bySubdomain = new Map<string, CatalogEntry>();
  private readonly byId = new Map<string, CatalogEntry>();

  constructor(private readonly sources: AccountCatalogSources) {}

  /** Loads every account; call before polling the feed from the seq read before this. */
  async load(): Promise<void> {
    for (const account of await this.sources.resources.listByType(ACCOUNT_TYPE, "/")) {
      await this.reload(account.id.toLowerCase());
    }
  }

  /** Re-reads what the changes touched; replaying a change is harmless. */
  async apply(changes: readonly Change[]): Promise<void> {
    const touched = new Set<string>();
    for (const change of changes) {
      if (change.entity === "accountKey") touched.add(change.key);
      if (change.entity !== "armResource") continue;
      const accountId = accountIdOf(change.key);
      if (accountId) touched.add(accountId);
      // A deleted subscription or resource group takes its accounts with it.
      else for (const id of this.byId.keys()) if (id.startsWith(`${change.key}/`)) touched.add(id);
    }
    for (const id of touched) await this.reload(id);
  }

  account(subdomain: string): AccountView | undefined {
    return this.bySubdomain.get(subdomain.toLowerCase())?.view;
  }

  /**
   * The slot `presented` matches, comparing with both keys in constant time (a mismatch on key1
   * costs what a match does), or undefined.
   */
  matchKey(account: AccountView, presented: string): KeySlot | undefined {
    const keys = this.byId.get(account.id.toLowerCase())?.keyDigests;
    if (!keys) return undefined;
    const given = sha256(presented);
    const key1 = timingSafeEqual(given, keys.key1);
    const key2 = timingSafeEqual(given, keys.key2);
    return key1 ? "key1" : key2 ? "key2" : undefined;
  }

  private async reload(accountId: string): Promise<void> {
    const record = await this.sources.resources.getResource(accountId);
    this.forget(accountId);
    if (!record) return;
    const deployments = await this.sources.resources.listChildren(record.id, DEPLOYMENT_TYPE);
    const subscriptionId = record.id.split("/").slice(0, 3).join("/");
    const subscription = await this.sources.resources.getResource(subscriptionId);
    const tenantId = String(subscription?.body.tenantId ?? "");
    const view = accountView(record, deployments, tenantId);
    const sealed = await this.sources.keys.getAccountKeys(record.id);
    const entry: CatalogEntry = {
      view,
      ...(sealed && {
        keyDigests: {
          key1: sha256(this.sources.openKey(sealed.key1, keyContext(record.id, "key1"))),
          key2: sha256(this.sources.openKey(sealed.key2, keyContext(record.id, "key2"))),
        },
      }),
    };
    this.byId.set(accountId, entry);
    this.bySubdomain.set(view.subdomain, entry);
  }

  private forget(accountId: string): void {
    const entry = this.byId.get(accountId);
    if (!entry) return;
    this.byId.delete(accountId);
    if (this.bySubdomain.get(entry.view.subdomain) === entry)
      this.bySubdomain.delete(entry.view.subdomain);
  }
}

/** The account id (lowercased) a resource id belongs to, or undefined above accounts. */
function accountIdOf(resourceKey: string): string | undefined {
  const at = resourceKey.indexOf(ACCOUNT_SEGMENT);
  if (at < 0) return undefined;
  const nameStart = at + ACCOUNT_SEGMENT.length;
  const nameEnd = resourceKey.indexOf("/", nameStart);
  return nameEnd < 0 ? resourceKey : resourceKey.slice(0, nameEnd);
}

type Body = {
  properties?: Record<string, unknown>;
  sku?: { name?: unknown; capacity?: unknown };
};

function accountView(
  record: ArmResourceRecord,
  deployments: ArmResourceRecord[],
  tenantId: string,
): AccountView {
  const properties = (record.body as Body).properties ?? {};
  const byName = new Map<string, DeploymentView>();
  for (const deployment of deployments) {
    byName.set(deployment.name.toLowerCase(), deploymentView(deployment, record.id));
  }
  return {
    id: record.id,
    name: record.name,
    tenantId,
    subdomain: String(properties.customSubDomainName ?? record.name).toLowerCase(),
    disableLocalAuth: properties.disableLocalAuth === true,
    network: networkRules(properties),
    deployments: byName,
  };
}

function deploymentView(record: ArmResourceRecord, accountId: string): DeploymentView {
  const body = record.body as Body;
  const model = (body.properties?.model ?? {}) as Record<string, unknown>;
  const capacity = Number(body.sku?.capacity ?? 1);
  return {
    id: record.id,
    name: record.name,
    accountId,
    modelFormat: String(model.format ?? "OpenAI"),
    modelName: String(model.name ?? record.name),
    ...(typeof model.version === "string" ? { modelVersion: model.version } : {}),
    skuName: String(body.sku?.name ?? "Standard"),
    capacity: Number.isFinite(capacity) && capacity > 0 ? capacity : 1,
    upstream: (body.properties?.upstream as UpstreamConfig | undefined) ?? { kind: "simulated" },
  };
}

/** Reads `publicNetworkAccess` and `networkAcls`; anything unreadable denies (fail closed). */
function networkRules(properties: Record<string, unknown>): NetworkRules {
  const acls = properties.networkAcls as
    { defaultAction?: unknown; ipRules?: Array<{ value?: unknown }> } | undefined;
  const ipRules = Array.isArray(acls?.ipRules)
    ? acls.ipRules.flatMap((rule) => (typeof rule?.value === "string" ? [rule.value] : []))
    : [];
  return {
    publicNetworkAccess: properties.publicNetworkAccess === "Disabled" ? "Disabled" : "Enabled",
    ...(acls && { defaultAction: acls.defaultAction === "Allow" ? "Allow" : "Deny" }),
    ipRules,
  };
}
