import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import type { PinnedProcess, PinnedProcesses } from "../support/pinned-processes.js";

export interface NginxProxy {
  /** The master; the worker is its child and inherits its pinning. */
  process: PinnedProcess;
  httpsUrl: string;
  version: string;
}

export interface NginxInput {
  /** The nginx executable ({@link findNginx}). */
  binary: string;
  /** A fresh folder for the configuration, logs and temporary files; removed by the caller. */
  dir: string;
  upstreamPort: number;
  /** PEM files: the server certificate chain and its private key. */
  certFile: string;
  keyFile: string;
  /** Idle connections to the upstream kept open (nginx's `keepalive`). */
  upstreamConnections: number;
}

/** nginx on PATH, or Debian's `/usr/sbin/nginx`, which a non-root user's PATH lacks. */
export function findNginx(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  return existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : undefined;
}

/** `nginx version: nginx/1.22.1` → `1.22.1`. */
export function nginxVersion(binary: string): string {
  // nginx -v prints to stderr.
  const { stderr } = spawnSync(binary, ["-v"], { encoding: "utf8" });
  return stderr.match(/nginx\/(\S+)/)?.[1] ?? stderr.trim();
}

/**
 * nginx as an HTTPS reverse proxy: one worker, Keyless's certificate, the same path mapping as
 * the Node floor (`…/deployments/{name}/{operation}` → `/v1/{operation}`), HTTP/1.1 with
 * kept-alive connections to the upstream. No limit on requests per connection on either side
 * (nginx closes a kept-alive connection after 1,000 requests by default; Node never does), no
 * access log. The upstream's `X-Accel-Buffering: no` streams SSE through unbuffered.
 */
export function nginxConfig(input: NginxInput, port: number): string {
  const dir = input.dir;
  return `worker_processes 1;
error_log ${join(dir, "error.log")} warn;
pid ${join(dir, "nginx.pid")};
events {
  worker_connections 1024;
}
http {
  access_log off;
  client_body_temp_path ${join(dir, "client-body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  upstream bench_upstream {
    server 127.0.0.1:${input.upstreamPort};
    keepalive ${input.upstreamConnections};
    keepalive_requests 1000000000;
    keepalive_timeout 75s;
  }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${input.certFile};
    ssl_certificate_key ${input.keyFile};
    keepalive_timeout 75s;
    keepalive_requests 1000000000;
    location / {
      return 404;
    }
    location ~ ^/accounts/[^/]+/openai/deployments/[^/]+/ {
      # The trailing "?" drops the caller's query (api-version), as Keyless and the Node floor do.
      rewrite ^/accounts/[^/]+/openai/deployments/[^/]+/(.+)$ /v1/$1? break;
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** A port the kernel just handed out and took back: free unless someone takes it meanwhile. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** `nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'` pinned to `cpus`, once it accepts connections. */
export async function startNginx(
  processes: PinnedProcesses,
  cpus: string,
  input: NginxInput,
): Promise<NginxProxy> {
  mkdirSync(input.dir, { recursive: true });
  const port = await freePort();
  const conf = join(input.dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(input, port));
  const nginx = processes.start("nginx", cpus, input.binary, [
    "-p",
    input.dir,
    "-c",
    conf,
    "-g",
    "daemon off;",
  ]);
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (nginx.child.exitCode !== null)
      throw new Error(`nginx exited with ${nginx.child.exitCode}:\n${nginx.output()}`);
    if (Date.now() > deadline) throw new Error(`nginx did not listen in 10 s:\n${nginx.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    process: nginx,
    httpsUrl: `https://127.0.0.1:${port}`,
    version: nginxVersion(input.binary),
  };
}

/** The PIDs whose parent is `pid` (nginx's workers), from /proc. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // After the command name in parentheses: state, then the parent's PID.
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // the process ended while the folder was read
    }
  }
  return children;
}
