export type { ArmResourceRecord, ArmResourceStore } from "./store.js";
export type { ControlPlaneDeps } from "./control-plane-deps.js";
export { createControlPlane } from "./create-control-plane.js";
export { registerControlPlaneRoutes } from "./routes.js";
export { rbacAccessChecker } from "./rbac-access-checker.js";
export { SUBSCRIPTION_TYPE, RESOURCE_GROUP_TYPE } from "./providers/microsoft-resources.js";
