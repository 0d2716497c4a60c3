/**
 * The official `@azure/arm-cognitiveservices` client pointed at a test Keyless the way users
 * point it (`endpoint`), recording every request it sends with the response's status and body
 * as they came over the wire, so tests can count round trips and check bodies against the spec.
 */
import { CognitiveServicesManagementClient } from "@azure/arm-cognitiveservices";
import type { TokenCredential } from "@azure/identity";
import type { TestKeyless } from "./keyless.js";

/** What the recorder reads of a pipeline response. */
interface WireResponse {
  status: number;
  bodyAsText?: string | null;
}

export interface RecordedExchange {
  method: string;
  url: string;
  status: number;
  /** The response body as sent, parsed; undefined when empty. */
  body: unknown;
}

export interface RecordedCognitiveServicesClient {
  client: CognitiveServicesManagementClient;
  /** Every request the client sent, in order, with its response. */
  exchanges: RecordedExchange[];
}

/** `new CognitiveServicesManagementClient(credential, subscriptionId, { endpoint })`, recording. */
export function cognitiveServicesClient(
  keyless: TestKeyless,
  credential: TokenCredential,
): RecordedCognitiveServicesClient {
  const exchanges: RecordedExchange[] = [];
  const client = new CognitiveServicesManagementClient(credential, keyless.env.subscriptionId, {
    endpoint: keyless.httpsUrl,
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "recordExchanges",
          async sendRequest(request, next) {
            const record = (response: WireResponse) => {
              const text = response.bodyAsText ?? "";
              exchanges.push({
                method: request.method,
                url: request.url,
                status: response.status,
                body: text === "" ? undefined : JSON.parse(text),
              });
            };
            try {
              const response = await next(request);
              record(response);
              return response;
            } catch (error) {
              // An error status comes back as a RestError thrown by the deserialization policy.
              const response = (error as { response?: WireResponse }).response;
              if (response) record(response);
              throw error;
            }
          },
        },
      },
    ],
  });
  return { client, exchanges };
}

/** Runs `call` and returns what it resolved to with the exchanges it caused. */
export async function recorded<T>(
  recorder: RecordedCognitiveServicesClient,
  call: (client: CognitiveServicesManagementClient) => Promise<T>,
): Promise<{ result: T; exchanges: RecordedExchange[] }> {
  const start = recorder.exchanges.length;
  const result = await call(recorder.client);
  return { result, exchanges: recorder.exchanges.slice(start) };
}
