export { ensureLocalCertificates, type LocalCertificates } from "./local-certificates.js";
export { createClientCertificate } from "./client-certificate.js";
