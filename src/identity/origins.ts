/**
 * The https origins Keyless answers on. Discovery documents and issuers follow the origin a
 * client used (MSAL rejects an issuer on another host), but only origins Keyless knows as its
 * own are honoured: a forged Host header falls back to the canonical origin.
 */
export class Origins {
  private port = 0;
  /** Computed once per port: every token request and verification consults it. */
  private own: string[] = [];

  constructor(
    private readonly hostNames: string[],
    private readonly publicUrl?: string,
  ) {
    this.setHttpsPort(0);
  }

  /** Set once the HTTPS listener knows its port. */
  setHttpsPort(port: number): void {
    this.port = port;
    const names = ["localhost", "127.0.0.1", "[::1]", ...this.hostNames];
    const origins = names.flatMap((name) =>
      port === 443 ? [`https://${name}`, `https://${name}:443`] : [`https://${name}:${port}`],
    );
    this.own = this.publicUrl ? [this.publicUrl, ...origins] : origins;
  }

  get httpsPort(): number {
    return this.port;
  }

  /** The origin printed and used where no request tells which one the client used. */
  canonical(): string {
    return this.publicUrl ?? `https://localhost:${this.port}`;
  }

  /** Every origin Keyless accepts as its own (issuers, assertion audiences, ARM audiences). */
  all(): readonly string[] {
    return this.own;
  }

  /** The origin for a request's Host header, if it is one of ours; else the canonical one. */
  fromHost(host: string | undefined): string {
    if (this.publicUrl || !host) return this.canonical();
    const candidate = `https://${host.toLowerCase()}`;
    return this.all().includes(candidate) ? candidate : this.canonical();
  }

  isOwn(origin: string): boolean {
    const normalized = origin.replace(/\/+$/, "").toLowerCase();
    return this.all().some((own) => own.toLowerCase() === normalized);
  }
}

export const issuerV1 = (origin: string, tenantId: string): string => `${origin}/${tenantId}/`;
export const issuerV2 = (origin: string, tenantId: string): string => `${origin}/${tenantId}/v2.0`;
