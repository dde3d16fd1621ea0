import * as pulumi from "@pulumi/pulumi";
import { type HomelabConfig, type LoadedConfig, loadConfig } from "./config";
import { InternalDns } from "./components/internal-dns";
import { previousInventory } from "./components/previous-deployment";
import { PublicIngress } from "./components/public-ingress";
import { ConfigSecretSource, OnePasswordSource, type SecretSource } from "./components/secret-source";
import { SharedNetworks } from "./components/shared-networks";
import { SwarmStack } from "./components/swarm-stack";
import { STACKS } from "./lab";
import type { OpRef, Removal, StackDefinition, StackSpec } from "./lab/model";
import { REMOVED } from "./lab/removed";
import { type Inventory, inventoryOf, unmarkedRemovals } from "./lib/deletion-safety";
import { type EvaluatedLab, evaluateLab, type ImageOptions } from "./lib/evaluate-lab";
import { LabError } from "./lib/validate-lab";
import { type FieldValues, refKey, refsOf } from "./lib/secret-values";

/**
 * The composition root: configuration → lab declaration → secret values → resources. Everything
 * that can fail (config, the declaration, the secret reads) happens before the first resource is
 * registered.
 */

export interface LabOutputs {
  /** Swarm service names by stack, for review in `pulumi stack output`. */
  readonly stacks: Record<string, string[]>;
  readonly secretSource: string;
  /** What deletion safety compares the next run against (see lib/deletion-safety.ts). */
  readonly inventory: Inventory;
  /** Hosts by where they are served, for review. */
  readonly ingress: {
    readonly public: string[];
    readonly internal: string[];
    readonly internalDns: "unifi" | "not managed";
    readonly tunnelId?: pulumi.Output<string>;
  };
}

/** `"<item>/<field>"` from config, as a reference. */
function fieldRef(written: string): OpRef {
  const [item = "", field = ""] = written.split("/", 2);
  return { kind: "op", item, field };
}

/** The 1Password fields the program itself needs to manage Cloudflare and UniFi. */
export function programRefs(config: HomelabConfig): OpRef[] {
  const refs: OpRef[] = [];
  if (config.cloudflare.enabled) {
    refs.push(fieldRef(config.cloudflare.apiTokenField), fieldRef(config.cloudflare.tunnelSecretField));
    if (config.cloudflare.accountId === undefined) refs.push(fieldRef(config.cloudflare.accountIdField));
  }
  if (config.unifi) {
    refs.push(fieldRef(config.unifi.apiKeyField));
    if (config.unifi.caCertField !== undefined) refs.push(fieldRef(config.unifi.caCertField));
  }
  return refs;
}

/** Checks the fields the program reads for itself, naming the field, never showing the value. */
function checkProgramFields(config: HomelabConfig, values: FieldValues): void {
  const problems: string[] = [];
  if (config.cloudflare.enabled) {
    const field = config.cloudflare.tunnelSecretField;
    const secret = values.get(field) ?? "";
    const bytes = Buffer.from(secret, "base64");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secret.trim()) || bytes.length < 32) {
      problems.push(`1Password field ${field}: expected base64 of at least 32 random bytes (e.g. \`openssl rand -base64 32\`), got ${bytes.length} bytes`);
    }
    if (config.cloudflare.accountId === undefined && !/^[0-9a-f]{32}$/.test(values.get(config.cloudflare.accountIdField) ?? "")) {
      problems.push(`1Password field ${config.cloudflare.accountIdField}: expected the 32-character hex Cloudflare account id`);
    }
  }
  if (problems.length > 0) throw new LabError(problems);
}

/** A service that needs the tunnel token while Cloudflare is off would never start: say so now. */
function checkProgramSecrets(lab: EvaluatedLab, config: HomelabConfig): void {
  const problems: string[] = [];
  for (const stack of lab.stacks) {
    for (const service of stack.services) {
      for (const [name, value] of Object.entries(service.secretEnv ?? {})) {
        if (value.kind === "program" && value.name === "cloudflare-tunnel-token" && !config.cloudflare.enabled) {
          problems.push(`${stack.name}/${service.name}: secretEnv.${name}: the tunnel token needs homelab:cloudflare.enabled`);
        }
      }
    }
  }
  if (problems.length > 0) throw new LabError(problems);
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
  /** @default lab/removed.ts */
  readonly removed?: readonly Removal[];
  /** @default the stack's own last `inventory` output */
  readonly previousInventory?: () => Promise<Inventory | undefined>;
  /** @default the committed lock, and a tag-only image missing from it refused */
  readonly images?: ImageOptions;
}

/** Stops the run when a deployed stack or stateful service would be deleted without being marked. */
function checkDeletions(lab: EvaluatedLab, config: HomelabConfig, previous: Inventory | undefined, removed: readonly Removal[]): void {
  const disabled = new Set(Object.entries(config.services ?? {}).flatMap(([key, override]) => (override.enabled === false ? [key] : [])));
  const problems = unmarkedRemovals(previous, inventoryOf(lab), removed, disabled);
  if (problems.length > 0) throw new LabError(problems);
}

export async function deployLab(options: DeployOptions = {}): Promise<LabOutputs> {
  const config = options.config ?? loadConfig();
  const lab = evaluateLab(config.homelab, options.definitions ?? STACKS, undefined, { unlocked: "refuse", ...options.images });
  checkProgramSecrets(lab, config.homelab);
  const source = options.secretSource ?? secretSourceFor(config);
  // The two reads before the first create run side by side: the secrets, and the last
  // deployment's inventory (a read-only reference to this stack).
  const [secretValues, previous] = await Promise.all([
    source.read([...secretRefs(lab), ...programRefs(config.homelab)]),
    (options.previousInventory ?? previousInventory)(),
  ]);
  checkProgramFields(config.homelab, secretValues);
  checkDeletions(lab, config.homelab, previous, options.removed ?? REMOVED);
  const field = (written: string) => secretValues.get(written)!;

  const ordered = dependencyOrder(lab.stacks);
  const { cloudflare, unifi } = config.homelab;

  // Nothing is registered above this line.
  const publicIngress = cloudflare.enabled
    ? new PublicIngress("public-ingress", {
        accountId: cloudflare.accountId ?? pulumi.secret(field(cloudflare.accountIdField)),
        zone: cloudflare.zoneId !== undefined ? { id: cloudflare.zoneId } : { name: cloudflare.zone ?? config.homelab.domain },
        tunnelName: cloudflare.tunnelName,
        apiToken: pulumi.secret(field(cloudflare.apiTokenField)),
        tunnelSecret: pulumi.secret(field(cloudflare.tunnelSecretField)),
        rules: lab.ingressPlan.tunnelRules,
        records: lab.ingressPlan.publicRecords,
      })
    : undefined;
  if (unifi) {
    new InternalDns("internal-dns", {
      apiUrl: unifi.apiUrl,
      site: unifi.site,
      apiKey: pulumi.secret(field(unifi.apiKeyField)),
      ...(unifi.caCertField !== undefined ? { caCert: field(unifi.caCertField) } : {}),
      insecureSkipVerify: unifi.insecureSkipVerify,
      ttlSeconds: unifi.ttlSeconds,
      records: lab.ingressPlan.internalRecords,
      ...(unifi.adopt ? { adopt: unifi.adopt } : {}),
    });
  }
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
        programSecrets: publicIngress ? { "cloudflare-tunnel-token": publicIngress.tunnelToken } : {},
        runtimeDependencies: (spec.dependsOn ?? []).flatMap((name) => components.get(name) ?? []),
      }),
    );
  }

  return {
    stacks: Object.fromEntries(lab.stacks.map((stack) => [stack.name, (lab.plans.get(stack.name) ?? []).map((plan) => plan.swarmName)])),
    secretSource: source.description,
    inventory: inventoryOf(lab),
    ingress: {
      public: lab.ingressPlan.publicRecords.map((record) => record.name),
      internal: lab.ingressPlan.internalRecords.map((record) => record.name),
      internalDns: unifi ? "unifi" : "not managed",
      ...(publicIngress ? { tunnelId: publicIngress.tunnelId } : {}),
    },
  };
}

