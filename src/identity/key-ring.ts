import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import type { Clock, SecretBox } from "../kernel/index.js";
import type { SigningKeyRecord } from "./model.js";
import type { SigningKeyStore } from "./store.js";

export interface KeyRingOptions {
  rotationMs: number;
  /** Longest token lifetime plus clock skew: how long a retired key must stay verifiable. */
  verifyWindowMs: number;
}

interface LoadedKey {
  record: SigningKeyRecord;
  publicKey: KeyObject;
  privateKey: KeyObject;
  jwk: JsonWebKey & { kid: string };
}

export interface Signer {
  kid: string;
  privateKey: KeyObject;
}

const SEAL_CONTEXT = "signing-key:";

/**
 * How long before the signing key retires a refresh already creates its successor, so a key
 * is current at every instant although refreshes run only once a minute (server.ts).
 */
const RENEW_AHEAD_MS = 10 * 60_000;

/**
 * How long a scheduled successor is published before it signs. Every replica refreshes its
 * ring more often than this, so each one knows the key before any token carries it.
 */
export const PUBLISH_AHEAD_MS = 3 * 60_000;

/**
 * The token-signing keys, shared by every replica through the database (private halves
 * sealed with the master key). The newest key whose time has come and that is not yet retired
 * signs; retired keys stay in JWKS until every token they signed has expired.
 */
export class KeyRing {
  private keys: LoadedKey[] = [];
  private lastReload = 0;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly options: KeyRingOptions,
  ) {}

  /** Loads the ring and makes sure a current signing key exists. Called at start and periodically. */
  async refresh(): Promise<void> {
    const now = this.clock.now();
    await this.reload(now);
    const renewAhead = Math.min(RENEW_AHEAD_MS, this.options.rotationMs / 2);
    const current = this.keys.filter((key) => isCurrent(key.record, now));
    if (current.length === 0) {
      await this.rotate();
    } else if (!this.keys.some((key) => isCurrent(key.record, now + renewAhead))) {
      // Published ahead, but never later than the current key retires: no instant without a signer.
      const retiring = Math.max(...current.map((key) => key.record.retireAt));
      await this.rotate(Math.min(now + Math.min(PUBLISH_AHEAD_MS, renewAhead / 2), retiring));
    }
    await this.store.deleteExpiredSigningKeys(now);
  }

  /** Creates a new key that signs from `activateAt` on (now, unless scheduled ahead). */
  async rotate(activateAt: number = this.clock.now()): Promise<string> {
    const now = this.clock.now();
    const { privateKey, publicKey } = await generateRsaKeyPair();
    const jwk = publicKey.export({ format: "jwk" });
    const kid = await calculateJwkThumbprint({ kty: "RSA", n: jwk.n!, e: jwk.e! });
    const retireAt = activateAt + this.options.rotationMs;
    await this.store.insertSigningKey({
      kid,
      activatesAt: activateAt,
      retireAt,
      expiresAt: retireAt + this.options.verifyWindowMs,
      publicJwk: JSON.stringify({
        kty: "RSA",
        use: "sig",
        kid,
        x5t: kid,
        n: jwk.n,
        e: jwk.e,
        alg: "RS256",
      }),
      privateSealed: this.box.seal(
        privateKey.export({ format: "pem", type: "pkcs8" }) as string,
        SEAL_CONTEXT + kid,
      ),
    });
    await this.reload(now);
    return kid;
  }

  /** The key that signs now. */
  signer(): Signer {
    const now = this.clock.now();
    const current = this.keys.find((key) => isCurrent(key.record, now));
    if (!current) throw new Error("no current signing key: the key ring was not refreshed");
    return { kid: current.record.kid, privateKey: current.privateKey };
  }

  /** The public key for `kid`; an unknown kid reloads the ring (at most once a second) in case another replica rotated. */
  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    const now = this.clock.now();
    const known = this.keys.find((key) => key.record.kid === kid && key.record.expiresAt > now);
    if (known || now - this.lastReload < 1000) return known?.publicKey;
    await this.reload(now);
    return this.keys.find((key) => key.record.kid === kid && key.record.expiresAt > now)?.publicKey;
  }

  /** The JWKS document: every key whose tokens may still be valid. */
  jwks(): { keys: JsonWebKey[] } {
    const now = this.clock.now();
    return { keys: this.keys.filter((key) => key.record.expiresAt > now).map((key) => key.jwk) };
  }

  private async reload(now: number): Promise<void> {
    const records = await this.store.listSigningKeys(now);
    const previous = new Map(this.keys.map((key) => [key.record.kid, key]));
    this.keys = records.map((record) => previous.get(record.kid) ?? this.load(record));
    this.lastReload = now;
  }

  private load(record: SigningKeyRecord): LoadedKey {
    const privateKey = createPrivateKey(
      this.box.open(record.privateSealed, SEAL_CONTEXT + record.kid),
    );
    return {
      record,
      privateKey,
      publicKey: createPublicKey(privateKey),
      jwk: JSON.parse(record.publicJwk) as JsonWebKey & { kid: string },
    };
  }
}

function isCurrent(record: SigningKeyRecord, now: number): boolean {
  return record.activatesAt <= now && now < record.retireAt;
}

function generateRsaKeyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ publicKey, privateKey }),
    ),
  );
}
