import type { AddressInfo } from "node:net";
import type { Config } from "./config/index.js";
import { buildServer, type KeylessServer, type ServerDeps } from "./server.js";

export interface RunningKeyless {
  server: KeylessServer;
  /** Where clients reach every surface, e.g. https://localhost:8443. */
  httpsUrl: string;
  /** The managed-identity listener, e.g. http://127.0.0.1:8080. */
  httpUrl: string;
}

const portOf = (address: string | AddressInfo | null, fallback: number): number =>
  typeof address === "object" && address !== null ? address.port : fallback;

/** Builds Keyless and opens both listeners; port 0 picks free ports, which the URLs report. */
export async function startKeyless(config: Config, deps: ServerDeps = {}): Promise<RunningKeyless> {
  const server = await buildServer(config, deps);
  try {
    await server.https.listen({ host: config.httpsHost, port: config.httpsPort });
    const httpsPort = portOf(server.https.server.address(), config.httpsPort);
    server.identity.origins.setHttpsPort(httpsPort);
    await server.managedIdentity.listen({ host: config.httpHost, port: config.httpPort });
    const httpPort = portOf(server.managedIdentity.server.address(), config.httpPort);
    server.startBackgroundWork();
    const httpHost = config.httpHost.includes(":") ? `[${config.httpHost}]` : config.httpHost;
    return {
      server,
      httpsUrl: config.publicUrl ?? `https://localhost:${httpsPort}`,
      httpUrl: `http://${httpHost}:${httpPort}`,
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
