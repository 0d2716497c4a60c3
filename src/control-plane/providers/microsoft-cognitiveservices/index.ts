import type { ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { accountOperations } from "./accounts.js";
import { deploymentOperations } from "./deployments.js";
import { modelOperations } from "./models.js";

export const microsoftCognitiveServices: ArmOperation<ControlPlaneDeps>[] = [
  ...accountOperations,
  ...deploymentOperations,
  ...modelOperations,
];
