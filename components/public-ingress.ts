import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { PublicRecord, TunnelRule } from "../evaluation/ingress";
import { PUBLIC_INGRESS_TYPES } from "../lib/resource-types";

export interface PublicIngressArgs {
  /** Read from 1Password by default, so kept secret like every value from the vault. */
  readonly accountId: pulumi.Input<string>;
  /** The public zone, by id, or by name (looked up in the account). */
  readonly zone: { readonly id: string } | { readonly name: string };
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

/**
 * The public half of ingress: a remotely managed Cloudflare tunnel (its rules live in Cloudflare,
 * so cloudflared runs with only a token), its ingress rules, and one proxied CNAME per public host.
 * Everything is derived from the lab's public sites; nothing here is declared by hand.
 */
export class PublicIngress extends pulumi.ComponentResource {
  public readonly tunnelId: pulumi.Output<string>;
  /** The connector token cloudflared runs with. Secret: the provider does not mark it. */
  public readonly tunnelToken: pulumi.Output<string>;
  /** `<tunnel-id>.cfargotunnel.com`, what every public record points at. */
  public readonly tunnelHost: pulumi.Output<string>;

  constructor(name: string, args: PublicIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PUBLIC_INGRESS_TYPES.component, name, {}, opts);
    const provider = new cloudflare.Provider(`${name}-provider`, { apiToken: pulumi.secret(args.apiToken) }, { parent: this });
    const options = { parent: this, provider };

    const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      `${name}-tunnel`,
      { accountId: args.accountId, name: args.tunnelName, configSrc: "cloudflare", tunnelSecret: pulumi.secret(args.tunnelSecret) },
      { ...options, additionalSecretOutputs: ["tunnelSecret"] },
    );

    new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      `${name}-rules`,
      {
        accountId: args.accountId,
        tunnelId: tunnel.id,
        config: {
          ingresses: args.rules.map((rule) => ({
            ...(rule.hostname !== undefined ? { hostname: rule.hostname } : {}),
            service: rule.service,
            ...(rule.originRequest ? { originRequest: { ...rule.originRequest } } : {}),
          })),
        },
      },
      options,
    );

    const zoneId =
      "id" in args.zone
        ? pulumi.output(args.zone.id)
        : cloudflare.getZoneOutput({ filter: { name: args.zone.name } }, options).id;
    const tunnelHost = pulumi.interpolate`${tunnel.id}.cfargotunnel.com`;
    for (const record of args.records) {
      new cloudflare.DnsRecord(
        `${name}-record-${record.name}`,
        {
          zoneId,
          name: record.name,
          type: "CNAME",
          content: tunnelHost,
          proxied: true,
          ttl: AUTOMATIC_TTL,
          comment: `homelab ${record.owner}, through the tunnel (managed by Pulumi)`,
        },
        options,
      );
    }

    this.tunnelId = tunnel.id;
    this.tunnelHost = tunnelHost;
    this.tunnelToken = pulumi.secret(cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId: args.accountId, tunnelId: tunnel.id }, options).token);
    this.registerOutputs({ tunnelId: this.tunnelId, tunnelHost, tunnelToken: this.tunnelToken });
  }
}
