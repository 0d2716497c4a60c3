import { performance } from "node:perf_hooks";
import type { DirectoryStore } from "../identity/index.js";

/** Longest a replica may serve a directory read that another replica has since changed. */
export const DIRECTORY_CACHE_TTL_MS = 1000;
const MAX_ENTRIES = 50_000;

type Reads = {
  [
    K in keyof DirectoryStore as DirectoryStore[K] extends (...args: never[]) => Promise<unknown>
      ? K
      : never
  ]: DirectoryStore[K];
};

/**
 * Serves the token service's hot reads (tenant, application, service principal, secrets,
 * groups) from memory for at most a second, the propagation Keyless promises: a principal
 * disabled on another replica is refused within one second. Writes through this store clear
 * it at once, so this replica sees its own changes immediately.
 *
 * Everything is forgotten together, at the end of each second-long generation and on every
 * write, so a caller that derives something from several reads (a verified token's caller)
 * may keep it for as long as `generation()` stays the same.
 */
export class CachedDirectoryStore implements DirectoryStore {
  private readonly entries = new Map<string, Promise<unknown>>();
  private current = 0;
  private startedAt = -Infinity;

  constructor(
    private readonly inner: DirectoryStore,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Changes whenever what this store served may have changed: each TTL, and every write here. */
  generation(): number {
    const now = this.now();
    if (now - this.startedAt >= DIRECTORY_CACHE_TTL_MS) this.forget(now);
    return this.current;
  }

  private read<K extends keyof Reads>(
    method: K,
    ...args: Parameters<Reads[K]>
  ): ReturnType<Reads[K]> {
    const key = method + JSON.stringify(args);
    this.generation();
    const hit = this.entries.get(key);
    if (hit) return hit as ReturnType<Reads[K]>;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const value = (this.inner[method] as (...a: unknown[]) => Promise<unknown>).apply(
      this.inner,
      args,
    );
    this.entries.set(key, value);
    // A failed read is not remembered.
    value.catch(() => this.entries.get(key) === value && this.entries.delete(key));
    return value as ReturnType<Reads[K]>;
  }

  private forget(now: number): void {
    this.entries.clear();
    this.current++;
    this.startedAt = now;
  }

  private async write<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      this.forget(this.now());
    }
  }

  transaction<T>(work: (store: DirectoryStore) => Promise<T>): Promise<T> {
    return this.write(this.inner.transaction(work));
  }

  findTenant = (idOrDomain: string) => this.read("findTenant", idOrDomain.toLowerCase());
  listTenants = () => this.read("listTenants");
  getPrincipal = (id: string) => this.read("getPrincipal", id.toLowerCase());
  findUserByName = (tenantId: string, upn: string) =>
    this.read("findUserByName", tenantId, upn.toLowerCase());
  findServicePrincipalByAppId = (tenantId: string, appId: string) =>
    this.read("findServicePrincipalByAppId", tenantId, appId.toLowerCase());
  findManagedIdentity: DirectoryStore["findManagedIdentity"] = (selector) =>
    this.read("findManagedIdentity", { ...selector, value: selector.value.toLowerCase() });
  getApplication = (appId: string) => this.read("getApplication", appId.toLowerCase());
  findApplicationByIdentifierUri = (tenantId: string, uri: string) =>
    this.read("findApplicationByIdentifierUri", tenantId, uri.toLowerCase());
  listClientSecrets = (appId: string) => this.read("listClientSecrets", appId.toLowerCase());
  listClientCertificates = (appId: string) =>
    this.read("listClientCertificates", appId.toLowerCase());
  listFederatedCredentials = (appId: string) =>
    this.read("listFederatedCredentials", appId.toLowerCase());
  listDirectGroups = (memberId: string) => this.read("listDirectGroups", memberId.toLowerCase());

  insertTenant: DirectoryStore["insertTenant"] = (t) => this.write(this.inner.insertTenant(t));
  insertPrincipal: DirectoryStore["insertPrincipal"] = (p) =>
    this.write(this.inner.insertPrincipal(p));
  deletePrincipal: DirectoryStore["deletePrincipal"] = (id) =>
    this.write(this.inner.deletePrincipal(id));
  setAccountEnabled: DirectoryStore["setAccountEnabled"] = (id, e) =>
    this.write(this.inner.setAccountEnabled(id, e));
  insertApplication: DirectoryStore["insertApplication"] = (a) =>
    this.write(this.inner.insertApplication(a));
  insertClientSecret: DirectoryStore["insertClientSecret"] = (s) =>
    this.write(this.inner.insertClientSecret(s));
  insertClientCertificate: DirectoryStore["insertClientCertificate"] = (c) =>
    this.write(this.inner.insertClientCertificate(c));
  insertFederatedCredential: DirectoryStore["insertFederatedCredential"] = (c) =>
    this.write(this.inner.insertFederatedCredential(c));
  addGroupMember: DirectoryStore["addGroupMember"] = (g, m) =>
    this.write(this.inner.addGroupMember(g, m));
}
