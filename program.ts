import { type LoadedConfig, loadConfig } from "./config";
import { ConfigSecretSource, OnePasswordSource, type SecretSource } from "./components/secret-source";
import { SharedNetworks } from "./components/shared-networks";
import { SwarmStack } from "./components/swarm-stack";
import { STACKS } from "./lab";
import type { OpRef, StackDefinition, StackSpec } from "./lab/model";
import { type EvaluatedLab, evaluateLab } from "./lib/evaluate-lab";
import { refKey, refsOf } from "./lib/secret-values";

/**
 * The composition root: configuration → lab declaration → secret values → resources. Everything
 * that can fail (config, the declaration, the secret reads) happens before the first resource is
 * registered.
 */

export interface LabOutputs {
  /** Swarm service names by stack, for review in `pulumi stack output`. */
  readonly stacks: Record<string, string[]>;
  readonly secretSource: string;
}

/** Every 1Password field the deployed lab needs, each once (with its `decode`, if any). */
export function secretRefs(lab: EvaluatedLab): OpRef[] {
  const refs = new Map<string, OpRef>();
  const add = (ref: OpRef) => {
    if (!refs.has(refKey(ref))) refs.set(refKey(ref), ref);
  };
  for (const stack of lab.stacks) {
    for (const published of stack.publishedSecrets ?? []) refsOf(published.value).forEach(add);
    for (const plan of lab.plans.get(stack.name) ?? []) {
      for (const mount of plan.secrets) {
        const values = mount.content.kind === "env-file" ? Object.values(mount.content.variables) : [mount.content.value];
        values.flatMap(refsOf).forEach(add);
      }
    }
  }
  return [...refs.values()].sort((a, b) => refKey(a).localeCompare(refKey(b)));
}

export function secretSourceFor(config: LoadedConfig): SecretSource {
  const secrets = config.homelab.secrets;
  return secrets.source === "onepassword" ? new OnePasswordSource(secrets.vault) : new ConfigSecretSource(config.homelab.secretValues ?? {});
}

/** Stacks in an order where each comes after the stacks it depends on (declaration order otherwise). */
function dependencyOrder(stacks: readonly StackSpec[]): StackSpec[] {
  const ordered: StackSpec[] = [];
  const placed = new Set<string>();
  const visit = (stack: StackSpec, path: readonly string[]) => {
    if (placed.has(stack.name)) return;
    if (path.includes(stack.name)) throw new Error(`stacks depend on each other in a cycle: ${[...path, stack.name].join(" -> ")}`);
    for (const dependency of stack.dependsOn ?? []) {
      const other = stacks.find((candidate) => candidate.name === dependency);
      if (other) visit(other, [...path, stack.name]);
    }
    placed.add(stack.name);
    ordered.push(stack);
  };
  for (const stack of stacks) visit(stack, []);
  return ordered;
}

export interface DeployOptions {
  readonly config?: LoadedConfig;
  readonly definitions?: readonly StackDefinition[];
  readonly secretSource?: SecretSource;
}

export async function deployLab(options: DeployOptions = {}): Promise<LabOutputs> {
  const config = options.config ?? loadConfig();
  const lab = evaluateLab(config.homelab, options.definitions ?? STACKS);
  const source = options.secretSource ?? secretSourceFor(config);
  const secretValues = await source.read(secretRefs(lab));

  const ordered = dependencyOrder(lab.stacks);

  // Nothing is registered above this line.
  const shared = new SharedNetworks("shared-networks", { networks: lab.sharedNetworks });
  const components = new Map<string, SwarmStack>();
  for (const spec of ordered) {
    components.set(
      spec.name,
      new SwarmStack(spec.name, {
        spec,
        plans: lab.plans.get(spec.name) ?? [],
        sharedNetworkIds: shared.ids,
        secretValues,
        runtimeDependencies: (spec.dependsOn ?? []).flatMap((name) => components.get(name) ?? []),
        awaitConvergence: lab.stacks.some((other) => other.dependsOn?.includes(spec.name)),
      }),
    );
  }

  return {
    stacks: Object.fromEntries(lab.stacks.map((stack) => [stack.name, (lab.plans.get(stack.name) ?? []).map((plan) => plan.swarmName)])),
    secretSource: source.description,
  };
}

