import { timingSafeEqual } from "node:crypto";
import { sha256, type Clock, type SecretBox } from "../kernel/index.js";
import { AccessTokenVerifier } from "./access-token-verifier.js";
import { Directory } from "./directory.js";
import { ExternalIssuers } from "./external-issuers.js";
import { FailureThrottle } from "./failure-throttle.js";
import { KeyRing } from "./key-ring.js";
import { ManagedIdentityEndpoint } from "./managed-identity-endpoint.js";
import { Origins } from "./origins.js";
import type { DirectoryStore, SigningKeyStore } from "./store.js";
import { TenantResolver } from "./tenant-resolver.js";
import { TokenEndpoint } from "./token-endpoint.js";
import { TokenIssuer } from "./token-issuer.js";

export interface IdentitySettings {
  hostNames: string[];
  publicUrl?: string;
  tokenLifetimeMinSeconds: number;
  tokenLifetimeMaxSeconds: number;
  clockSkewSeconds: number;
  signingKeyRotationDays: number;
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  identityHeader?: string;
  defaultManagedIdentity?: string;
}

export interface IdentityDeps {
  directoryStore: DirectoryStore;
  signingKeyStore: SigningKeyStore;
  secretBox: SecretBox;
  clock: Clock;
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The token service, wired: what `server.ts` builds and the HTTP edge calls. */
export function createIdentity(settings: IdentitySettings, deps: IdentityDeps) {
  const { clock } = deps;
  const origins = new Origins(settings.hostNames, settings.publicUrl);
  const directory = new Directory(deps.directoryStore, clock);
  const keyRing = new KeyRing(deps.signingKeyStore, deps.secretBox, clock, {
    rotationMs: settings.signingKeyRotationDays * 86_400_000,
    verifyWindowMs: (settings.tokenLifetimeMaxSeconds + settings.clockSkewSeconds) * 1000,
  });
  const issuer = new TokenIssuer(keyRing, clock, {
    lifetimeMinSeconds: settings.tokenLifetimeMinSeconds,
    lifetimeMaxSeconds: settings.tokenLifetimeMaxSeconds,
  });
  const verifier = new AccessTokenVerifier(
    keyRing,
    origins,
    deps.directoryStore,
    clock,
    settings.clockSkewSeconds,
  );
  const tenants = new TenantResolver(deps.directoryStore);
  const tokenEndpoint = new TokenEndpoint({
    directory,
    tenants,
    origins,
    issuer,
    clock,
    throttle: new FailureThrottle(
      clock,
      settings.authFailureLimit,
      settings.authFailureWindowSeconds * 1000,
    ),
    clientCredentials: {
      skewSeconds: settings.clockSkewSeconds,
      verifier,
      externalIssuers: new ExternalIssuers(),
    },
  });
  const managedIdentityEndpoint = new ManagedIdentityEndpoint({
    directory,
    origins,
    issuer,
    identityHeader: settings.identityHeader,
    defaultIdentityClientId: settings.defaultManagedIdentity,
    safeEqual,
  });
  return {
    origins,
    directory,
    keyRing,
    issuer,
    verifier,
    tenants,
    tokenEndpoint,
    managedIdentityEndpoint,
  };
}

export type Identity = ReturnType<typeof createIdentity>;
