import type { DeploymentView, UpstreamConfig } from "../model.js";

/**
 * Memoises `resolve` per version of a deployment: the account catalog builds new views whenever a
 * deployment's resource changes, so a view's `upstream` object stands for one version. Upstream
 * URLs are parsed and secrets opened once per version, not once per call.
 */
export function perDeploymentVersion<T>(
  resolve: (deployment: DeploymentView) => T,
): (deployment: DeploymentView) => T {
  const resolved = new WeakMap<UpstreamConfig, T>();
  return (deployment) => {
    let value = resolved.get(deployment.upstream);
    if (value === undefined) {
      value = resolve(deployment);
      resolved.set(deployment.upstream, value);
    }
    return value;
  };
}
