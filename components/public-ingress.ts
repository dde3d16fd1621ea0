import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { PublicRecord, TunnelRule } from "../evaluation/ingress";
import { tunnelName } from "../lib/naming";
import { PUBLIC_INGRESS_TYPES } from "../lib/resource-types";

export interface PublicIngressArgs {
  /** Read from 1Password by default, so kept secret like every value from the vault. */
  readonly accountId: pulumi.Input<string>;
  /** The public zone, by id, or by name (looked up in the account). */
  readonly zone: { readonly id: string } | { readonly name: string };
  /** The tunnel's name before the suffix that changes with a replacement (lib/naming.ts `tunnelName`). */
  readonly tunnelName: string;
  /** The token the program manages Cloudflare with (secret). */
  readonly apiToken: pulumi.Input<string>;
  /** Base64 of at least 32 random bytes (secret). */
  readonly tunnelSecret: pulumi.Input<string>;
  /** One rule per public host, the catch-all last (evaluation/ingress.ts). */
  readonly rules: readonly TunnelRule[];
  readonly records: readonly PublicRecord[];
}

/** `proxied` records must use Cloudflare's automatic TTL, which the API spells 1. */
export const AUTOMATIC_TTL = 1;

/** Remotely managed: the rules live in Cloudflare and cloudflared runs with only a token. */
const CONFIG_SRC = "cloudflare";

/**
 * The public half of ingress: a remotely managed Cloudflare tunnel (its rules live in Cloudflare,
 * so cloudflared runs with only a token), its ingress rules, and one proxied CNAME per public host.
 * Everything is derived from the lab's public sites; nothing here is declared by hand.
 *
 * Made by `PublicIngress.create`, which reads as its steps: the provider, the zone's id (a lookup
 * by name, awaited first, so a failed lookup stops the program before anything exists in
 * Cloudflare), then the tunnel, its rules and its records.
 */
export class PublicIngress extends pulumi.ComponentResource {
  private readonly provider: cloudflare.Provider;
  private tunnel: cloudflare.ZeroTrustTunnelCloudflared | undefined;
  private host: pulumi.Output<string> | undefined;
  private token: pulumi.Output<string> | undefined;

  static async create(name: string, args: PublicIngressArgs, opts?: pulumi.ComponentResourceOptions): Promise<PublicIngress> {
    const ingress = new PublicIngress(name, args, opts);
    const zoneId = "id" in args.zone ? args.zone.id : await lookUpZone(args.zone.name, ingress.options());
    ingress.createTunnel(name, args);
    ingress.createRules(name, args);
    ingress.createRecords(name, args, zoneId);
    ingress.registerOutputs({ tunnelId: ingress.tunnelId, tunnelHost: ingress.tunnelHost, tunnelToken: ingress.tunnelToken });
    return ingress;
  }

  private constructor(name: string, args: PublicIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PUBLIC_INGRESS_TYPES.component, name, {}, opts);
    this.provider = new cloudflare.Provider(`${name}-provider`, { apiToken: pulumi.secret(args.apiToken) }, { parent: this });
  }

  public get tunnelId(): pulumi.Output<string> {
    return this.tunnel!.id;
  }

  /** `<tunnel-id>.cfargotunnel.com`, what every public record points at. */
  public get tunnelHost(): pulumi.Output<string> {
    return this.host!;
  }

  /** The connector token cloudflared runs with. Secret: the provider does not mark it. */
  public get tunnelToken(): pulumi.Output<string> {
    return this.token!;
  }

  private options(): { parent: pulumi.Resource; provider: cloudflare.Provider } {
    return { parent: this, provider: this.provider };
  }

  private createTunnel(name: string, args: PublicIngressArgs): void {
    // The name changes whenever the tunnel is replaced, so the default create-first order works:
    // the new tunnel, its rules and records, cloudflared moved to its token (a new token is a new
    // swarm secret, so the service is updated), and only then the old tunnel deleted. The suffix is
    // a digest of the account id, which is not secret on its own.
    const tunnelNameOutput = pulumi.unsecret(pulumi.output(args.accountId).apply((accountId) => tunnelName(args.tunnelName, accountId, CONFIG_SRC)));
    this.tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      `${name}-tunnel`,
      { accountId: args.accountId, name: tunnelNameOutput, configSrc: CONFIG_SRC, tunnelSecret: pulumi.secret(args.tunnelSecret) },
      { ...this.options(), additionalSecretOutputs: ["tunnelSecret"], deleteBeforeReplace: false },
    );
    this.host = pulumi.interpolate`${this.tunnel.id}.cfargotunnel.com`;
    const token = cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId: args.accountId, tunnelId: this.tunnel.id }, this.options()).token;
    this.token = pulumi.secret(token);
  }

  private createRules(name: string, args: PublicIngressArgs): void {
    new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      `${name}-rules`,
      {
        accountId: args.accountId,
        tunnelId: this.tunnelId,
        config: {
          ingresses: args.rules.map((rule) => ({
            ...(rule.hostname !== undefined ? { hostname: rule.hostname } : {}),
            service: rule.service,
            ...(rule.originRequest ? { originRequest: { ...rule.originRequest } } : {}),
          })),
        },
      },
      this.options(),
    );
  }

  private createRecords(name: string, args: PublicIngressArgs, zoneId: string): void {
    for (const record of args.records) {
      new cloudflare.DnsRecord(
        `${name}-record-${record.name}`,
        {
          zoneId,
          name: record.name,
          type: "CNAME",
          content: this.tunnelHost,
          proxied: true,
          ttl: AUTOMATIC_TTL,
          comment: `homelab ${record.owner}, through the tunnel (managed by Pulumi)`,
        },
        this.options(),
      );
    }
  }
}

/**
 * The zone's id by its name. The provider's lookup fails unless exactly one zone of that name is
 * on the first page it reads (terraform-provider-cloudflare v5, internal/services/zone/
 * data_source.go: "failed to find exactly one result"), so a failure says how to skip it.
 */
async function lookUpZone(zone: string, options: pulumi.InvokeOptions): Promise<string> {
  try {
    return (await cloudflare.getZone({ filter: { name: zone } }, options)).id;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
    throw new Error(`homelab:cloudflare.zoneId: looking up the zone "${zone}" by name failed (${reason}); set homelab:cloudflare.zoneId to the zone's id (its Overview page in the Cloudflare dashboard), which needs no lookup`);
  }
}
