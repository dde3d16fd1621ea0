import type { EvaluatedLab } from "../lib/evaluate-lab";
import { STACK_NAMESPACE_LABEL } from "../lib/naming";
import type { RegisteredResource } from "./run";

/**
 * The desired state for review, read back from what the program registered (so it shows what
 * Pulumi would be asked to create), annotated with the declaration's intent (auth reasons).
 * Secret values are never part of it: secrets appear by swarm name and mount path only.
 */

export interface ServiceView {
  readonly name: string;
  readonly swarmName: string;
  readonly image: string;
  readonly replicas: number | "global";
  readonly networks: readonly { readonly name: string; readonly aliases: readonly string[] }[];
  readonly sites: readonly { readonly host: string; readonly public: boolean; readonly auth: string }[];
  readonly placement: readonly string[];
  readonly secrets: readonly { readonly name: string; readonly target: string }[];
  readonly configs: readonly { readonly name: string; readonly target: string }[];
  readonly ports: readonly string[];
}

export interface StackView {
  readonly name: string;
  readonly tier: string;
  readonly description: string;
  readonly networks: readonly string[];
  readonly dependsOn: readonly string[];
  readonly services: readonly ServiceView[];
}

export interface LabView {
  readonly stack: string;
  readonly secretSource: string;
  readonly sharedNetworks: readonly { readonly name: string; readonly purpose: string }[];
  readonly stacks: readonly StackView[];
  readonly counts: Readonly<Record<string, number>>;
}

type Loose = Record<string, any>;

function labelsOf(inputs: Loose): Record<string, string> {
  return Object.fromEntries(((inputs.labels ?? []) as Loose[]).map((entry) => [entry.label, entry.value]));
}

export function buildView(stackName: string, secretSource: string, lab: EvaluatedLab, resources: readonly RegisteredResource[]): LabView {
  const byType = (type: string) => resources.filter((resource) => resource.type === type);
  const services = byType("docker:index/service:Service");
  const counts: Record<string, number> = {};
  for (const resource of resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;

  const stacks: StackView[] = lab.stacks.map((stack) => {
    const plans = lab.plans.get(stack.name) ?? [];
    const order = (resource: RegisteredResource) => plans.findIndex((plan) => plan.swarmName === resource.inputs.name);
    const registered = services
      .filter((service) => labelsOf(service.inputs)[STACK_NAMESPACE_LABEL] === stack.name)
      .sort((a, b) => order(a) - order(b));
    return {
      name: stack.name,
      tier: stack.tier,
      description: stack.description,
      networks: (stack.networks ?? []).map((network) => `${stack.name}_${network.key}`),
      dependsOn: stack.dependsOn ?? [],
      services: registered.map((resource): ServiceView => {
        const inputs = resource.inputs as Loose;
        const labels = labelsOf(inputs);
        const plan = plans.find((candidate) => candidate.swarmName === inputs.name);
        const container = (inputs.taskSpec?.containerSpec ?? {}) as Loose;
        const mode = inputs.mode as Loose;
        return {
          name: plan?.name ?? String(inputs.name),
          swarmName: String(inputs.name),
          image: String(container.image),
          replicas: mode?.global ? "global" : Number(mode?.replicated?.replicas ?? 1),
          networks: ((inputs.taskSpec?.networksAdvanceds ?? []) as Loose[]).map((network) => ({ name: String(network.id), aliases: network.aliases ?? [] })),
          sites: (plan?.sites ?? []).map((site, index) => {
            const prefix = index === 0 ? "caddy" : `caddy_${index}`;
            const guarded = labels[`${prefix}.forward_auth`] !== undefined;
            return {
              host: labels[prefix] ?? site.host,
              public: site.public,
              auth: guarded ? "authentik" : site.auth.kind === "authentik" ? "MISSING" : `${site.auth.kind}: ${site.auth.reason}`,
            };
          }),
          placement: (inputs.taskSpec?.placement?.constraints ?? []) as string[],
          secrets: ((container.secrets ?? []) as Loose[]).map((secret) => ({ name: String(secret.secretName), target: String(secret.fileName) })),
          configs: ((container.configs ?? []) as Loose[]).map((config) => ({ name: String(config.configName), target: String(config.fileName) })),
          ports: ((inputs.endpointSpec?.ports ?? []) as Loose[]).map((port) => `${port.publishedPort}:${port.targetPort}/${port.protocol ?? "tcp"} (${port.publishMode})`),
        };
      }),
    };
  });

  return {
    stack: stackName,
    secretSource,
    sharedNetworks: lab.sharedNetworks.map((network) => ({ name: network.name, purpose: network.purpose })),
    stacks,
    counts,
  };
}
