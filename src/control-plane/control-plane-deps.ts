import type { AuditQuery, AuditRecord } from "../audit/index.js";
import type { AuthzIndex, AuthzStore } from "../authz/index.js";
import type { Clock } from "../kernel/index.js";
import type { ArmCaller } from "./arm-caller.js";
import type { AccessChecker } from "./arm-pipeline.js";
import type { AccountKeyStore, ArmResourceStore } from "./store.js";

/** What the resource providers' handlers work with. */
export interface ControlPlaneDeps {
  resources: ArmResourceStore;
  access: AccessChecker & {
    /** Whether the caller holds any role assignment at, above or below `scope` (what makes a subscription visible). */
    hasAnyAccessWithin(caller: ArmCaller, scope: string): Promise<boolean>;
  };
  rbac: {
    /** The authorization facts as this replica knows them (the change feed keeps them current). */
    index: AuthzIndex;
    /** Where RBAC writes go; every replica's index learns of them through the change feed. */
    store: AuthzStore;
    /** Every group the principal belongs to, transitively. */
    groupsOf(principalId: string): Promise<string[]>;
  };
  principals: {
    get(
      id: string,
    ): Promise<
      { id: string; kind: string; tenantId: string; servicePrincipalType?: string } | undefined
    >;
  };
  cognitiveServices: {
    keys: AccountKeyStore;
    /** Seals secrets at rest (the master key). */
    box: {
      seal(plaintext: string, context: string): string;
      open(sealed: string, context: string): string;
    };
    /** Creates the system-assigned managed identity of a new account. */
    createSystemIdentity(input: {
      tenantId: string;
      resourceId: string;
      name: string;
    }): Promise<{ principalId: string }>;
    /** Deletes it with its account: its tokens stop verifying and the name can be reused. */
    deleteSystemIdentity(principalId: string): Promise<void>;
  };
  /** Reads the data-plane audit log (Keyless.Audit); the control plane never writes it. */
  audit: {
    /** Newest first. */
    queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
  };
  tenants: {
    get(
      id: string,
    ): Promise<{ id: string; displayName: string; defaultDomain: string } | undefined>;
  };
  clock: Clock;
}
