import type { ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { permissionOperations } from "./permissions.js";
import { roleAssignmentOperations } from "./role-assignments.js";
import { roleDefinitionOperations } from "./role-definitions.js";

export const microsoftAuthorization: ArmOperation<ControlPlaneDeps>[] = [
  ...roleDefinitionOperations,
  ...roleAssignmentOperations,
  ...permissionOperations,
];
