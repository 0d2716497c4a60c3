/** The data plane: what other parts may import. */
export type * from "./model.js";
export { AccountCatalog, type AccountCatalogSources } from "./account-catalog.js";
export { DataPlane, type DataPlaneDeps } from "./data-plane.js";
export { dataPlaneEdge, type DataPlaneEdge } from "./routes.js";
export {
  createUpstreams,
  closeUpstreams,
  upstreamKeyContext,
  type UpstreamOptions,
  type UpstreamRegistry,
} from "./upstreams/index.js";
