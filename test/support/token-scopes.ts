/**
 * The scopes the SDK tests request, with the `aud` a v1 token for each carries: the scope
 * without `/.default`, as Entra (and Keyless) issue it for these first-party resources.
 */
export const tokenScopes = [
  {
    scope: "https://cognitiveservices.azure.com/.default",
    audience: "https://cognitiveservices.azure.com",
  },
  { scope: "https://management.azure.com/.default", audience: "https://management.azure.com" },
] as const;
