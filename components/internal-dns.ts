import * as pulumi from "@pulumi/pulumi";
import type { InternalRecord } from "../evaluation/ingress";
import { INTERNAL_DNS_TYPES } from "../lib/resource-types";
import { UnifiDnsRecord } from "../providers/unifi/record";

export interface InternalDnsArgs {
  readonly apiUrl: string;
  readonly site: string;
  /** The Network integration API key (secret). */
  readonly apiKey: pulumi.Input<string>;
  /** The console's CA (PEM). @default the system's trust store (or the explicit opt-out below) */
  readonly caCert?: pulumi.Input<string>;
  readonly insecureSkipVerify: boolean;
  readonly ttlSeconds: number;
  readonly records: readonly InternalRecord[];
  /**
   * Records that already exist on the gateway, by name: adopted by policy id. (Pulumi's `import`
   * option cannot reach a dynamic provider: the engine's import read carries no provider code.)
   * @default none: every record is created
   */
  readonly adopt?: Readonly<Record<string, string>>;
}

/**
 * The LAN half of ingress: one CNAME per internal host on the UniFi gateway, every one pointing at
 * the storage node, where Caddy answers. Derived from the lab's sites like the public half.
 */
export class InternalDns extends pulumi.ComponentResource {
  /** Record names, for review in `pulumi stack output`. */
  public readonly names: string[];

  constructor(name: string, args: InternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(INTERNAL_DNS_TYPES.component, name, {}, opts);
    for (const record of args.records) {
      const adoptId = args.adopt?.[record.name];
      new UnifiDnsRecord(
        `${name}-${record.name}`,
        {
          apiUrl: args.apiUrl,
          site: args.site,
          apiKey: pulumi.secret(args.apiKey),
          ...(args.caCert !== undefined ? { caCert: pulumi.secret(args.caCert) } : {}),
          insecureSkipVerify: args.insecureSkipVerify,
          name: record.name,
          target: record.target,
          ttlSeconds: args.ttlSeconds,
          ...(adoptId !== undefined ? { adoptPolicyId: adoptId } : {}),
        },
        { parent: this },
      );
    }
    this.names = args.records.map((record) => record.name);
    this.registerOutputs({ names: this.names });
  }
}
