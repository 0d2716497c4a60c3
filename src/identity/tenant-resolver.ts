import { oauthErrors } from "./errors.js";
import type { Tenant } from "./model.js";
import type { DirectoryStore } from "./store.js";

// Authority aliases that do not name a tenant; Keyless serves them from its first tenant.
const ALIASES = new Set(["common", "organizations", "consumers", "adfs"]);

/** Turns the tenant segment of a URL (id, domain or alias, any case) into a tenant. */
export class TenantResolver {
  constructor(private readonly store: DirectoryStore) {}

  async find(segment: string): Promise<Tenant | undefined> {
    const key = segment.toLowerCase();
    return ALIASES.has(key) ? (await this.store.listTenants())[0] : this.store.findTenant(key);
  }

  /** As `find`, for the token endpoints: an unknown tenant is AADSTS90002 `invalid_request`. */
  async resolve(segment: string): Promise<Tenant> {
    const tenant = await this.find(segment);
    if (!tenant) throw oauthErrors.tenantNotFound(segment);
    return tenant;
  }
}
