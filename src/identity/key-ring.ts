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
 * The token-signing keys, shared by every replica through the database (private halves
 * sealed with the master key). The newest key not yet retired signs; retired keys stay in
 * JWKS until every token they signed has expired.
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
    if (!this.keys.some((key) => isCurrent(key.record, now))) {
      await this.rotate();
    }
    await this.store.deleteExpiredSigningKeys(now);
  }

  /** Creates a new key that signs from now on. */
  async rotate(): Promise<string> {
    const now = this.clock.now();
    const { privateKey, publicKey } = await generateRsaKeyPair();
    const jwk = publicKey.export({ format: "jwk" });
    const kid = await calculateJwkThumbprint({ kty: "RSA", n: jwk.n!, e: jwk.e! });
    const retireAt = now + this.options.rotationMs;
    await this.store.insertSigningKey({
      kid,
      createdAt: now,
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
  return record.createdAt <= now && now < record.retireAt;
}

function generateRsaKeyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ publicKey, privateKey }),
    ),
  );
}
