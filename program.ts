import * as pulumi from "@pulumi/pulumi";
import { type LoadedConfig, loadConfig } from "./config";
import { InternalDns } from "./components/internal-dns";
import { previousInventory } from "./components/previous-deployment";
import { PublicIngress } from "./components/public-ingress";
import { type SecretSource, secretSourceFor } from "./components/secret-source";
import { SharedNetworks } from "./components/shared-networks";
import { SwarmStack } from "./components/swarm-stack";
import { STACKS } from "./lab";
import type { Removal, StackDefinition } from "./lab/model";
import { REMOVED } from "./lab/removed";
import { checkDeletions, type Inventory, inventoryOf } from "./evaluation/deletion-safety";
import { evaluateLab, type ImageOptions } from "./evaluation/evaluate-lab";
import { checkProgramFields, fieldsToRead } from "./evaluation/program-fields";

/**
 * The composition root: configuration → lab declaration → secret values → resources. Everything
 * that can fail (config, the declaration, the secret reads, deletion safety) happens before the
 * first resource is registered.
 */

export interface LabOutputs {
  /** Swarm service names by stack, for review in `pulumi stack output`. */
  readonly stacks: Record<string, string[]>;
  readonly secretSource: string;
  /** What deletion safety compares the next run against (see evaluation/deletion-safety.ts). */
  readonly inventory: Inventory;
  /** Hosts by where they are served, for review. */
  readonly ingress: {
    readonly public: string[];
    readonly internal: string[];
    readonly internalDns: "unifi" | "not managed";
    readonly tunnelId?: pulumi.Output<string>;
  };
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

/**
 * The program: loads and validates the config, evaluates the lab, reads its secrets once, checks
 * deletion safety, then constructs every resource; its outputs.
 */
export async function deployLab(options: DeployOptions = {}): Promise<LabOutputs> {
  const config = options.config ?? loadConfig();
  const { cloudflare, unifi } = config.homelab;
  const lab = evaluateLab(config.homelab, options.definitions ?? STACKS, undefined, { unlocked: "refuse", ...options.images });
  const source = options.secretSource ?? secretSourceFor(config);
  // The two reads before the first create run side by side: the secrets, and the last
  // deployment's inventory (a read-only reference to this stack).
  const [secretValues, previous] = await Promise.all([source.read(fieldsToRead(lab, config.homelab)), (options.previousInventory ?? previousInventory)()]);
  checkProgramFields(config.homelab, secretValues);
  checkDeletions(lab, config.homelab.services ?? {}, previous, options.removed ?? REMOVED);
  const field = (written: string) => secretValues.get(written)!;

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
  // In dependency order, so each stack can wait for the stacks it needs.
  const components = new Map<string, SwarmStack>();
  for (const stack of lab.stacks) {
    const component = new SwarmStack(stack.name, {
      stack,
      sharedNetworkIds: shared.ids,
      secretValues,
      programSecrets: publicIngress ? { "cloudflare-tunnel-token": publicIngress.tunnelToken } : {},
      runtimeDependencies: (stack.spec.dependsOn ?? []).flatMap((name) => components.get(name) ?? []),
    });
    components.set(stack.name, component);
  }

  return {
    stacks: Object.fromEntries(lab.stacks.map((stack) => [stack.name, stack.services.map((plan) => plan.swarmName)])),
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
