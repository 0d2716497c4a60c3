export type * from "./model.js";
export type { DirectoryStore, SigningKeyStore, ManagedIdentitySelector } from "./store.js";
export {
  createIdentity,
  safeEqual,
  type Identity,
  type IdentitySettings,
} from "./create-identity.js";
export { registerIdentityRoutes, registerManagedIdentityRoutes } from "./routes.js";
export type { Directory } from "./directory.js";
export type {
  AccessTokenVerifier,
  VerificationResult,
  TokenRejection,
} from "./access-token-verifier.js";
export { issuerV1, issuerV2 } from "./origins.js";
