import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ProgramSecretName } from "../lab/model";
import type { StackPlan } from "../evaluation/evaluate-lab";
import { contentAddressedName, logicalName, swarmName } from "../lib/naming";
import { SWARM_TYPES } from "../lib/resource-types";
import { type FieldValues, renderEnvFile, renderSecretValue } from "../evaluation/secret-values";
import type { SecretContent, ServicePlan } from "../evaluation/service-plan";
import { SERVICE_IGNORE_CHANGES, toServiceArgs } from "./service-args";
import { overlayNetwork } from "./shared-networks";

export interface SwarmStackArgs {
  /** The stack as evaluated: its declaration and its services' plans (evaluation/evaluate-lab.ts). */
  readonly stack: StackPlan;
  /** IDs of the shared networks, by key. */
  readonly sharedNetworkIds: Readonly<Record<string, pulumi.Input<string>>>;
  /** The lab's secret values, read once for the whole program. */
  readonly secretValues: FieldValues;
  /** Secrets the program produces while it runs (the tunnel token), by name. @default none */
  readonly programSecrets?: Readonly<Partial<Record<ProgramSecretName, pulumi.Output<string>>>>;
  /**
   * Stacks whose services must run before this stack's services are created. Every replicated
   * service converges (evaluation/rollout.ts), so "depends on" means "is up", not just "was submitted".
   * @default none
   */
  readonly runtimeDependencies?: readonly pulumi.Resource[];
}

function render(content: SecretContent, values: FieldValues): Buffer {
  return content.kind === "env-file" ? renderEnvFile(content.variables, values) : renderSecretValue(content.value, values);
}

/**
 * One swarm stack, as `docker stack deploy` would have made it: its own overlay networks, and for
 * each service the swarm secrets and configs it mounts and the service itself.
 */
export class SwarmStack extends pulumi.ComponentResource {
  /** Swarm service IDs by short name. */
  public readonly serviceIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** IDs of the stack's own networks, by key. */
  public readonly networkIds: Readonly<Record<string, pulumi.Output<string>>>;

  private readonly args: SwarmStackArgs;
  private readonly programSecrets: Readonly<Partial<Record<ProgramSecretName, pulumi.Output<string>>>>;

  constructor(name: string, args: SwarmStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SWARM_TYPES.stack, name, {}, opts);
    this.args = args;
    this.programSecrets = args.programSecrets ?? {};

    const networkIds = this.createNetworks();
    this.createPublishedSecrets();
    const serviceIds = Object.fromEntries(args.stack.services.map((plan) => [plan.name, this.createService(plan, networkIds)]));

    this.serviceIds = serviceIds;
    this.networkIds = networkIds;
    this.registerOutputs({ serviceIds, networkIds });
  }

  /** The stack's own overlay networks, `<stack>_<key>`, by key. */
  private createNetworks(): Record<string, pulumi.Output<string>> {
    const { spec } = this.args.stack;
    const networkIds: Record<string, pulumi.Output<string>> = {};
    for (const network of spec.networks ?? []) {
      const networkName = swarmName(spec.name, network.key);
      networkIds[network.key] = overlayNetwork(networkName, { name: networkName, namespace: spec.name, attachable: network.attachable }, this).id;
    }
    return networkIds;
  }

  /** The secrets the stack publishes for others to mount (no service of its own mounts them). */
  private createPublishedSecrets(): void {
    const { spec } = this.args.stack;
    for (const published of spec.publishedSecrets ?? []) {
      this.secret(logicalName(spec.name, published.name), published.name, { kind: "value", value: published.value });
    }
  }

  /** One service: the secrets and configs it mounts, then the service itself; its ID. */
  private createService(plan: ServicePlan, networkIds: Readonly<Record<string, pulumi.Output<string>>>): pulumi.Output<string> {
    const secrets = this.createServiceSecrets(plan);
    const configs = this.createServiceConfigs(plan);
    const serviceArgs = toServiceArgs(plan, {
      networkId: (key) => networkIds[key] ?? this.args.sharedNetworkIds[key]!,
      secret: (key) => ({ id: secrets.get(key)!.id, name: secrets.get(key)!.name }),
      config: (key) => ({ id: configs.get(key)!.id, name: configs.get(key)!.name }),
    });
    const service = new docker.Service(
      plan.swarmName,
      serviceArgs,
      {
        parent: this,
        ignoreChanges: [...SERVICE_IGNORE_CHANGES],
        // The name is fixed (adoption keeps `<stack>_<service>`) and swarm names are unique, so
        // a replacement must delete the old service before creating the new one.
        deleteBeforeReplace: true,
        // State lives on the node: deleting or replacing the service is never a side effect;
        // it takes `pulumi state unprotect` first (docs/deletion-safety.md).
        protect: plan.stateful,
        dependsOn: [...(this.args.runtimeDependencies ?? [])],
      },
    );
    return service.id;
  }

  /** The swarm secrets a service mounts, by mount key. */
  private createServiceSecrets(plan: ServicePlan): Map<string, docker.Secret> {
    return new Map(plan.secrets.map((mount) => [mount.key, this.secret(logicalName(plan.stack, plan.name, mount.key), mount.identity, mount.content)]));
  }

  /** The swarm configs a service mounts (named after their content, as secrets are), by mount key. */
  private createServiceConfigs(plan: ServicePlan): Map<string, docker.ServiceConfig> {
    return new Map(
      plan.configs.map((mount) => {
        const config = new docker.ServiceConfig(
          logicalName(plan.stack, plan.name, "config", mount.key),
          { name: contentAddressedName(mount.identity, mount.content), data: Buffer.from(mount.content, "utf8").toString("base64") },
          { parent: this },
        );
        return [mount.key, config] as const;
      }),
    );
  }

  /**
   * The same, for a value known only while the program runs. The name is derived inside an apply
   * and unmarked: it carries a digest of the value, never the value.
   */
  private programSecret(logical: string, identity: string, secretName: ProgramSecretName): docker.Secret {
    const value = this.programSecrets[secretName];
    if (value === undefined) throw new Error(`${identity}: the program secret "${secretName}" is not produced in this stack of the program`);
    const bytes = value.apply((text) => Buffer.from(text, "utf8"));
    return new docker.Secret(
      logical,
      { name: pulumi.unsecret(bytes.apply((raw) => contentAddressedName(identity, raw))), data: pulumi.secret(bytes.apply((raw) => raw.toString("base64"))) },
      { parent: this, additionalSecretOutputs: ["data"] },
    );
  }

  /**
   * A swarm secret named after its content: a rotated value gets a new name, is created beside the
   * old one, the service rolls over to it, and the old one is deleted last.
   */
  private secret(logical: string, identity: string, content: SecretContent): docker.Secret {
    if (content.kind === "value" && content.value.kind === "program") {
      return this.programSecret(logical, identity, content.value.name);
    }
    const bytes = render(content, this.args.secretValues);
    return new docker.Secret(
      logical,
      { name: contentAddressedName(identity, bytes), data: pulumi.secret(bytes.toString("base64")) },
      { parent: this, additionalSecretOutputs: ["data"] },
    );
  }
}
