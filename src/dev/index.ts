export { wellKnown } from "./well-known.js";
export { seedDevEnvironment } from "./seed-dev-environment.js";
export { devEnvironment, type DevEnvironment, type Listeners } from "./dev-environment.js";
export { seedDevControlPlane } from "./seed-dev-control-plane.js";
