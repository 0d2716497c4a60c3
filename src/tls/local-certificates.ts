import "reflect-metadata";
import { webcrypto, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const DAY = 24 * 60 * 60 * 1000;
const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface LocalCertificates {
  /** The CA to trust: `NODE_EXTRA_CA_CERTS=<caPath>`. */
  caPath: string;
  certPem: string;
  keyPem: string;
}

/**
 * Makes sure the data folder holds a local CA and a server certificate covering `hostNames`.
 * The CA is created once and kept, so a client that trusts it keeps working; the server
 * certificate is re-issued when a host name is missing or it nears expiry.
 */
export async function ensureLocalCertificates(
  dataDir: string,
  hostNames: string[],
  now: number = Date.now(),
): Promise<LocalCertificates> {
  const dir = join(dataDir, "tls");
  mkdirSync(dir, { recursive: true });
  const paths = {
    ca: join(dir, "ca.pem"),
    caKey: join(dir, "ca-key.pem"),
    cert: join(dir, "server.pem"),
    key: join(dir, "server-key.pem"),
  };
  const names = ["localhost", "127.0.0.1", "::1", ...hostNames];

  if (!existsSync(paths.ca) || !existsSync(paths.caKey)) {
    const ca = await createCa(now);
    writeSecretFile(paths.caKey, ca.keyPem);
    writeFileSync(paths.ca, ca.certPem);
  }
  if (
    !existsSync(paths.cert) ||
    !existsSync(paths.key) ||
    !covers(readFileSync(paths.cert, "utf8"), names, now)
  ) {
    const server = await createServerCertificate(
      readFileSync(paths.ca, "utf8"),
      readFileSync(paths.caKey, "utf8"),
      names,
      now,
    );
    writeSecretFile(paths.key, server.keyPem);
    writeFileSync(paths.cert, server.certPem + readFileSync(paths.ca, "utf8"));
  }
  return {
    caPath: paths.ca,
    certPem: readFileSync(paths.cert, "utf8"),
    keyPem: readFileSync(paths.key, "utf8"),
  };
}

function writeSecretFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function covers(certPem: string, names: string[], now: number): boolean {
  const cert = new X509Certificate(certPem);
  if (Date.parse(cert.validTo) - now < 30 * DAY) return false;
  return names.every(
    (name) => (isIP(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined,
  );
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return webcrypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
}

const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString("hex")
    .replace(/^[89a-f]/, "1");

async function createCa(now: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=Keyless Local CA, O=Keyless",
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportKeyPem(keys.privateKey) };
}

async function createServerCertificate(
  caPem: string,
  caKeyPem: string,
  names: string[],
  now: number,
): Promise<{ certPem: string; keyPem: string }> {
  const ca = new x509.X509Certificate(caPem);
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=localhost, O=Keyless",
    issuer: ca.subject,
    notBefore: new Date(now - DAY),
    // Under the 398 days browsers accept for a server certificate.
    notAfter: new Date(now + 397 * DAY),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: await importKeyPem(caKeyPem),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) =>
          isIP(name) ? { type: "ip", value: name } : { type: "dns", value: name },
        ),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportKeyPem(keys.privateKey) };
}
