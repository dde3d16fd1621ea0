import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SharedNetworkSpec } from "../lab/networks";
import { STACK_NAMESPACE_LABEL } from "../lib/naming";
import { SWARM_TYPES } from "../lib/resource-types";

export interface OverlayNetworkArgs {
  /** The swarm network name. */
  readonly name: string;
  /** The `com.docker.stack.namespace` label `docker stack deploy` would have given it. @default no label */
  readonly namespace?: string;
  /** @default true */
  readonly attachable?: boolean;
}

/**
 * An overlay network under a fixed name. Every argument of a docker network forces a
 * replacement, and swarm refuses a second network of the same name, so the old one is deleted
 * first (with the services attached to it, which Pulumi replaces along with it).
 */
export function overlayNetwork(logicalName: string, args: OverlayNetworkArgs, parent: pulumi.Resource): docker.Network {
  return new docker.Network(
    logicalName,
    {
      name: args.name,
      driver: "overlay",
      attachable: args.attachable ?? true,
      labels: args.namespace ? [{ label: STACK_NAMESPACE_LABEL, value: args.namespace }] : undefined,
    },
    { parent, deleteBeforeReplace: true },
  );
}

export interface SharedNetworksArgs {
  readonly networks: readonly SharedNetworkSpec[];
}

/** The overlay networks several stacks join; created before, and independently of, any stack. */
export class SharedNetworks extends pulumi.ComponentResource {
  /** Network IDs by key. */
  public readonly ids: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: SharedNetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SWARM_TYPES.sharedNetworks, name, {}, opts);
    const ids: Record<string, pulumi.Output<string>> = {};
    for (const spec of args.networks) {
      ids[spec.key] = overlayNetwork(spec.name, { name: spec.name, namespace: spec.namespace }, this).id;
    }
    this.ids = ids;
    this.registerOutputs({ ids });
  }
}
