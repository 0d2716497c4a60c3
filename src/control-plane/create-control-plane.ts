import type { AccessTokenVerifier } from "../identity/index.js";
import { armAuthenticator } from "./arm-caller.js";
import type { ArmOperation } from "./arm-operation.js";
import { ArmPipeline } from "./arm-pipeline.js";
import { ArmRouter } from "./arm-router.js";
import type { ControlPlaneDeps } from "./control-plane-deps.js";
import type { ActivityLogStore } from "./store.js";
import { microsoftAuthorization } from "./providers/microsoft-authorization/index.js";
import { microsoftCognitiveServices } from "./providers/microsoft-cognitiveservices/index.js";
import { microsoftResources } from "./providers/microsoft-resources.js";
import { keylessAudit } from "./providers/keyless-audit.js";

/** The resource providers Keyless serves; adding one is a file and a line here. */
const providers: ArmOperation<ControlPlaneDeps>[][] = [
  microsoftResources,
  microsoftAuthorization,
  microsoftCognitiveServices,
  keylessAudit,
];

export interface ControlPlaneSettings {
  verifier: AccessTokenVerifier;
  /** Keyless's own origins: ARM clients given `endpoint` ask for tokens with this audience. */
  ownOrigins: () => readonly string[];
  activity: ActivityLogStore;
  /** See `ArmPipelineParts.afterWrite`. */
  afterWrite?: () => Promise<unknown>;
}

/** The ARM front end, wired: routes every request through the pipeline. */
export function createControlPlane(
  settings: ControlPlaneSettings,
  deps: ControlPlaneDeps,
): ArmPipeline<ControlPlaneDeps> {
  const authenticator = armAuthenticator(settings.verifier, settings.ownOrigins, () =>
    Math.floor(deps.clock.now() / 1000),
  );
  return new ArmPipeline({
    router: new ArmRouter(providers.flat()),
    authenticator,
    access: deps.access,
    deps,
    activity: settings.activity,
    now: () => deps.clock.now(),
    ...(settings.afterWrite && { afterWrite: settings.afterWrite }),
  });
}
