import { createPublicKey } from "node:crypto";
import { oauthErrors } from "../errors.js";
import { verifySignature } from "../jwt.js";
import type { ClientCertificate } from "../model.js";
import { assertionTimeValid, type ClientCredentialKind } from "./client-credential-kind.js";

/**
 * A JWT the client signed with a registered certificate's key: msal-node sends PS256 with
 * `x5t#S256`, MSAL Python RS256 with a (padded) SHA-1 `x5t`.
 */
export const certificateAssertion: ClientCredentialKind = {
  name: "certificate",
  presentedIn: (credential) => credential.assertion?.payload.iss === credential.clientId,
  async verify(credential, application, { store, clock, skewSeconds }) {
    const jwt = credential.assertion!;
    if (jwt.payload.sub !== credential.clientId) throw oauthErrors.assertionClientMismatch();
    const certificate = findCertificate(
      await store.listClientCertificates(application.appId),
      jwt.header,
    );
    if (!certificate) throw oauthErrors.certificateNotRegistered();
    if (!verifySignature(jwt, createPublicKey(certificate.publicKeyPem), ["RS256", "PS256"])) {
      throw oauthErrors.assertionSignatureInvalid();
    }
    if (
      !assertionTimeValid(jwt.payload, clock.now(), skewSeconds) ||
      clock.now() > certificate.notAfter
    ) {
      throw oauthErrors.assertionTimeInvalid();
    }
    const audience = typeof jwt.payload.aud === "string" ? jwt.payload.aud : "";
    if (
      !credential.tokenEndpoints.some(
        (endpoint) => endpoint.toLowerCase() === audience.toLowerCase(),
      )
    ) {
      throw oauthErrors.assertionAudienceInvalid(audience);
    }
    return "certificate";
  },
};

function thumbprintHex(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return Buffer.from(value.replace(/=+$/, ""), "base64url").toString("hex").toUpperCase();
}

function findCertificate(
  certificates: ClientCertificate[],
  header: { x5t?: unknown; "x5t#S256"?: unknown },
): ClientCertificate | undefined {
  const sha256 = thumbprintHex(header["x5t#S256"]);
  const sha1 = thumbprintHex(header.x5t);
  return certificates.find(
    (certificate) =>
      (sha256 !== undefined && certificate.thumbprintSha256 === sha256) ||
      (sha1 !== undefined && certificate.thumbprintSha1 === sha1),
  );
}
