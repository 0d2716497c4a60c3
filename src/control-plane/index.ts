export type {
  ArmResourceRecord,
  ArmResourceStore,
  AccountKeyStore,
  SealedAccountKeys,
  ActivityLogEntry,
  ActivityLogStore,
} from "./store.js";
export type { ControlPlaneDeps } from "./control-plane-deps.js";
export { createControlPlane } from "./create-control-plane.js";
export { registerControlPlaneRoutes } from "./routes.js";
export { rbacAccessChecker } from "./rbac-access-checker.js";
export { SUBSCRIPTION_TYPE, RESOURCE_GROUP_TYPE } from "./providers/microsoft-resources.js";
export {
  generateAccountKey,
  keyContext,
} from "./providers/microsoft-cognitiveservices/account-keys.js";
export {
  ACCOUNT_TYPE,
  DEPLOYMENT_TYPE,
} from "./providers/microsoft-cognitiveservices/api-versions.js";
export { nextRecord } from "./resource-record.js";
