import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import type { Config } from "./config/index.js";
import { AuthzIndex, AuthzSync } from "./authz/index.js";
import {
  createControlPlane,
  rbacAccessChecker,
  registerControlPlaneRoutes,
} from "./control-plane/index.js";
import { seedDevControlPlane, seedDevEnvironment, wellKnown } from "./dev/index.js";
import { createApp } from "./http/index.js";
import {
  createIdentity,
  registerIdentityRoutes,
  registerManagedIdentityRoutes,
  type Identity,
} from "./identity/index.js";
import {
  AccountCatalog,
  closeUpstreams,
  createUpstreams,
  DataPlane,
  dataPlaneEdge,
} from "./inference/index.js";
import { AuditLog } from "./audit/index.js";
import { loadMasterKey, SecretBox, systemClock, type Clock } from "./kernel/index.js";
import { ChangePoller, openStorage, type Storage } from "./storage/index.js";
import { ensureLocalCertificates } from "./tls/index.js";
import { readFileSync } from "node:fs";
import {
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";

export interface ServerDeps {
  clock?: Clock;
  logger?: Logger;
  /** PostgreSQL schema, for tests that give each run its own. */
  databaseSchema?: string;
}

export interface KeylessServer {
  config: Config;
  /** Every surface, over HTTPS. */
  https: FastifyInstance;
  /** Managed-identity endpoints only, over plain HTTP like Azure's. */
  managedIdentity: FastifyInstance;
  identity: Identity;
  storage: Storage;
  logger: Logger;
  /** The CA clients must trust; undefined when a certificate was configured. */
  caPath?: string;
  /** Starts periodic work (signing-key refresh); `close` stops it. */
  startBackgroundWork(): void;
  close(): Promise<void>;
}

const KEY_RING_REFRESH_MS = 60_000;

/** Secrets never reach the log, whichever field carries them. */
const REDACT = [
  "req.headers.authorization",
  "req.headers['api-key']",
  "req.headers['x-identity-header']",
  "*.client_secret",
  "*.client_assertion",
  "*.password",
  "*.access_token",
];

/** The composition root: builds Keyless from configuration without listening. */
export async function buildServer(config: Config, deps: ServerDeps = {}): Promise<KeylessServer> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? pino({ level: config.logLevel, redact: REDACT });
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    sqlitePath: join(config.dataDir, "keyless.db"),
    schema: deps.databaseSchema,
  });
  try {
    const dev = config.mode === "dev";
    await refuseWellKnownSecretsInProduction(config, storage);
    const secretBox = new SecretBox(
      loadMasterKey(config.masterKey, join(config.dataDir, "master.key")),
    );
    const tls = await serverCertificate(config);

    const identity = createIdentity(
      {
        ...config,
        identityHeader: config.identityHeader ?? (dev ? wellKnown.identityHeader : undefined),
        defaultManagedIdentity:
          config.defaultManagedIdentity ?? (dev ? wellKnown.managedIdentity.clientId : undefined),
      },
      { directoryStore: storage.directory, signingKeyStore: storage.signingKeys, secretBox, clock },
    );
    if (dev && (await seedDevEnvironment(identity.directory, config.dataDir))) {
      logger.info("created the dev environment");
    }
    if (dev) {
      await seedDevControlPlane({
        resources: storage.resources,
        authz: storage.authz,
        accountKeys: storage.accountKeys,
        box: secretBox,
        directory: identity.directory,
        now: clock.now(),
      });
    }
    await identity.keyRing.refresh();

    // Authorization facts live in memory on every replica; the change feed keeps them current.
    const authzIndex = new AuthzIndex();
    const authzSync = new AuthzSync(authzIndex, storage.authz);
    const catalog = new AccountCatalog({
      resources: storage.resources,
      keys: storage.accountKeys,
      openKey: (sealed, context) => secretBox.open(sealed, context),
    });
    const after = await authzSync.load(storage.changes);
    await catalog.load();
    const changes = new ChangePoller({
      feed: storage.changes,
      after,
      onChanges: async (batch) => {
        await authzSync.apply(batch);
        await catalog.apply(batch);
      },
      log: logger,
    });
    const groupsOf = (principalId: string) => identity.directory.transitiveGroups(principalId);
    const controlPlane = createControlPlane(
      {
        verifier: identity.verifier,
        ownOrigins: () => identity.origins.all(),
        activity: storage.activityLog,
        afterWrite: () => changes.pollNow(),
      },
      {
        resources: storage.resources,
        access: rbacAccessChecker(authzIndex, groupsOf),
        rbac: { index: authzIndex, store: storage.authz, groupsOf },
        principals: {
          get: async (id) => {
            const principal = await storage.directory.getPrincipal(id);
            return (
              principal && { id: principal.id, kind: principal.kind, tenantId: principal.tenantId }
            );
          },
        },
        cognitiveServices: {
          keys: storage.accountKeys,
          box: secretBox,
          createSystemIdentity: async (input) => ({
            principalId: (await identity.directory.createSystemAssignedIdentity(input)).id,
          }),
          deleteSystemIdentity: async (principalId) => {
            await storage.directory.deletePrincipal(principalId);
          },
        },
        audit: storage.audit,
        tenants: { get: (id) => storage.directory.findTenant(id) },
        clock,
      },
    );

    const audit = new AuditLog({
      store: storage.audit,
      log: logger,
      flushIntervalMs: config.auditFlushIntervalMs,
    });
    const upstreams = createUpstreams({
      clock,
      simulatedLatencyMsPerToken: config.simulatedLatencyMsPerToken,
      timeoutMs: config.upstreamTimeoutSeconds * 1000,
      openSecret: (sealed, context) => secretBox.open(sealed, context),
      credential: () => upstreamCredential(config),
    });
    const dataPlane = new DataPlane({
      catalog,
      verifier: identity.verifier,
      groupsOf,
      directoryGeneration: () => storage.directory.generation(),
      authz: authzIndex,
      upstreams,
      audit,
      clock,
      log: logger,
      ...(config.baseDomain && { baseDomain: config.baseDomain }),
    });

    const ready = async () => {
      await storage.db.query("SELECT 1");
      return identity.keyRing.signer() !== undefined;
    };
    const https = createApp({
      logger,
      https: { key: tls.keyPem, cert: tls.certPem },
      ready,
      edge: dataPlaneEdge(dataPlane, logger),
    });
    registerIdentityRoutes(https, identity, () => new Date(clock.now()));
    registerControlPlaneRoutes(https, controlPlane, (host) => identity.origins.fromHost(host));
    const managedIdentity = createApp({ logger, ready });
    registerManagedIdentityRoutes(managedIdentity, identity);

    let timer: NodeJS.Timeout | undefined;
    return {
      config,
      https,
      managedIdentity,
      identity,
      storage,
      logger,
      caPath: tls.caPath,
      startBackgroundWork() {
        changes.start();
        audit.start();
        timer ??= setInterval(() => {
          identity.keyRing
            .refresh()
            .catch((error: unknown) => logger.error({ err: error }, "signing-key refresh failed"));
        }, KEY_RING_REFRESH_MS);
        timer.unref();
      },
      async close() {
        if (timer) clearInterval(timer);
        await changes.stop();
        // Drain requests first: each writes its audit entry, which `audit.close` then stores.
        await Promise.all([https.close(), managedIdentity.close()]);
        await audit.close().catch((error: unknown) => {
          logger.error({ err: error }, "audit entries were lost at shutdown");
        });
        await closeUpstreams(upstreams);
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

async function serverCertificate(
  config: Config,
): Promise<{ certPem: string; keyPem: string; caPath?: string }> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    return {
      certPem: readFileSync(config.tlsCertFile, "utf8"),
      keyPem: readFileSync(config.tlsKeyFile, "utf8"),
    };
  }
  const hostNames = [...config.hostNames];
  if (config.baseDomain) hostNames.push(`*.${config.baseDomain}`);
  if (config.publicUrl) hostNames.push(new URL(config.publicUrl).hostname);
  return ensureLocalCertificates(config.dataDir, hostNames);
}

/**
 * Keyless's own identity towards `azure-openai` upstreams: the configured service principal, or
 * `DefaultAzureCredential` (a managed identity when Keyless runs in Azure). Never a key.
 */
function upstreamCredential(config: Config): TokenCredential {
  const { upstreamTenantId, upstreamClientId, upstreamClientSecret, upstreamAuthorityHost } =
    config;
  if (upstreamTenantId && upstreamClientId && upstreamClientSecret) {
    return new ClientSecretCredential(upstreamTenantId, upstreamClientId, upstreamClientSecret, {
      ...(upstreamAuthorityHost && {
        authorityHost: upstreamAuthorityHost,
        disableInstanceDiscovery: true,
      }),
    });
  }
  return new DefaultAzureCredential();
}

/** The dev environment's secrets are published; production must never trust them. */
async function refuseWellKnownSecretsInProduction(config: Config, storage: Storage): Promise<void> {
  if (config.mode !== "production") return;
  if (config.identityHeader === wellKnown.identityHeader) {
    throw new Error("production mode refuses the well-known dev KEYLESS_IDENTITY_HEADER");
  }
  if (await storage.directory.findTenant(wellKnown.tenant.id)) {
    throw new Error(
      "production mode refuses a database that holds the dev tenant: its secrets are public",
    );
  }
}
