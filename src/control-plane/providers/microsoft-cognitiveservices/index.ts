import type { ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { accountKeyOperations } from "./account-key-operations.js";
import { accountOperations } from "./accounts.js";
import { deploymentOperations } from "./deployments.js";
import { modelOperations } from "./models.js";

export const microsoftCognitiveServices: ArmOperation<ControlPlaneDeps>[] = [
  ...accountOperations,
  ...accountKeyOperations,
  ...deploymentOperations,
  ...modelOperations,
];
