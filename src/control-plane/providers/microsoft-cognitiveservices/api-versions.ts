/** Stable Microsoft.CognitiveServices versions (arm-cognitiveservices 8.1 sends 2025-09-01). */
export const COGNITIVE_SERVICES_VERSIONS = [
  "2023-05-01",
  "2024-10-01",
  "2025-06-01",
  "2025-09-01",
  "2025-12-01",
] as const;

export const ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts";
export const DEPLOYMENT_TYPE = "Microsoft.CognitiveServices/accounts/deployments";
