import type { ArmOperation } from "../../arm-operation.js";
import type { ControlPlaneDeps } from "../../control-plane-deps.js";
import { armErrors } from "../../errors.js";
import { onAccount, requireAccount } from "./accounts.js";
import { COGNITIVE_SERVICES_VERSIONS } from "./api-versions.js";

interface CatalogueModel {
  format: string;
  name: string;
  version: string;
  capabilities: Record<string, string>;
}

/** The models the simulated upstream serves (any deployment may also forward to a real upstream). */
const catalogue: CatalogueModel[] = [
  {
    format: "OpenAI",
    name: "gpt-4o",
    version: "2024-08-06",
    capabilities: { chatCompletion: "true" },
  },
  {
    format: "OpenAI",
    name: "gpt-4o-mini",
    version: "2024-07-18",
    capabilities: { chatCompletion: "true" },
  },
  {
    format: "OpenAI",
    name: "text-embedding-3-small",
    version: "1",
    capabilities: { embeddings: "true" },
  },
  { format: "Microsoft", name: "Phi-4", version: "7", capabilities: { chatCompletion: "true" } },
  {
    format: "Meta",
    name: "Llama-3.3-70B-Instruct",
    version: "4",
    capabilities: { chatCompletion: "true" },
  },
];

function modelBody(model: CatalogueModel) {
  return {
    kind: "AIServices",
    skuName: "S0",
    model: {
      format: model.format,
      name: model.name,
      version: model.version,
      isDefaultVersion: true,
      lifecycleStatus: "GenerallyAvailable",
      capabilities: model.capabilities,
      skus: [
        {
          name: "Standard",
          usageName: `${model.format}.Standard.${model.name}`,
          capacity: { default: 10, maximum: 1000 },
        },
        {
          name: "GlobalStandard",
          usageName: `${model.format}.GlobalStandard.${model.name}`,
          capacity: { default: 10, maximum: 1000 },
        },
      ],
      maxCapacity: 1000,
      deprecation: {},
    },
  };
}

const common = {
  resourceType: "Microsoft.CognitiveServices/models",
  apiVersions: COGNITIVE_SERVICES_VERSIONS,
} as const;

export const modelOperations: ArmOperation<ControlPlaneDeps>[] = [
  {
    ...common,
    id: "Models_List",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.CognitiveServices/locations/{location}/models",
    permission: (c) => ({
      action: "Microsoft.CognitiveServices/locations/models/read",
      scope: `/subscriptions/${c.params.subscriptionId}`,
    }),
    async handle(context, deps) {
      if (!(await deps.resources.getResource(`/subscriptions/${context.params.subscriptionId}`))) {
        throw armErrors.subscriptionNotFound(context.params.subscriptionId!);
      }
      return { status: 200, body: { value: catalogue.map(modelBody) } };
    },
  },
  {
    ...common,
    id: "Accounts_ListModels",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.CognitiveServices/accounts/{accountName}/models",
    permission: onAccount("Microsoft.CognitiveServices/accounts/models/read"),
    async handle(context, deps) {
      await requireAccount(context, deps);
      return { status: 200, body: { value: catalogue.map((model) => modelBody(model).model) } };
    },
  },
];
