import * as onepassword from "@1password/pulumi-onepassword";
import { ConfigError, type LoadedConfig, PROJECT } from "../config";
import type { OpRef } from "../lab/model";
import { ProblemList } from "../lib/problems";
import { type FieldValues, refKey, secretValueCommand } from "../evaluation/secret-values";

/**
 * Where the lab's secret values come from. Values are read once, before any resource is
 * registered: a failed read stops the run while the plan is still empty, so it can never turn
 * into an update that deletes running services. Values are plain strings only inside this
 * process; every resource receives them wrapped in `pulumi.secret`.
 */
export interface SecretSource {
  readonly description: string;
  read(refs: readonly OpRef[]): Promise<FieldValues>;
}

export class SecretReadError extends ProblemList {
  constructor(problems: readonly string[]) {
    super("Could not read the lab's secrets", problems);
  }
}

/** Fields an item exposes: section fields by label, then the item's built-in fields. */
function itemFields(item: onepassword.GetItemResult): Map<string, string> {
  const fields = new Map<string, string>();
  const builtIn: Record<string, string | undefined> = {
    password: item.password,
    username: item.username,
    credential: item.credential,
    hostname: item.hostname,
    database: item.database,
    port: item.port,
    url: item.url,
    notes: item.noteValue,
  };
  for (const [label, value] of Object.entries(builtIn)) if (value) fields.set(label, value);
  for (const section of item.sections ?? []) {
    for (const field of section.fields ?? []) if (field.label) fields.set(field.label, field.value);
  }
  return fields;
}

function groupByItem(refs: readonly OpRef[]): Map<string, Set<string>> {
  const items = new Map<string, Set<string>>();
  for (const ref of refs) {
    const fields = items.get(ref.item) ?? new Set<string>();
    fields.add(ref.field);
    items.set(ref.item, fields);
  }
  return items;
}

/**
 * Reads from 1Password through the official provider: one vault lookup, then exactly one read per
 * distinct item, all in parallel. The program's own reads go through a service account (or a
 * Connect server outside the cluster), never through the in-cluster Connect it deploys.
 */
export class OnePasswordSource implements SecretSource {
  constructor(private readonly vault: string) {}

  get description(): string {
    return `1Password vault "${this.vault}"`;
  }

  async read(refs: readonly OpRef[]): Promise<FieldValues> {
    const items = groupByItem(refs);
    if (items.size === 0) return new Map();
    let vaultId: string;
    try {
      vaultId = (await onepassword.getVault({ name: this.vault })).uuid;
    } catch (error) {
      throw new SecretReadError([`vault "${this.vault}": ${(error as Error).message}`]);
    }
    const problems: string[] = [];
    const values = new Map<string, string>();
    await Promise.all(
      [...items].map(async ([title, wanted]) => {
        let fields: Map<string, string>;
        try {
          fields = itemFields(await onepassword.getItem({ vault: vaultId, title }));
        } catch (error) {
          problems.push(`item "${title}" in vault "${this.vault}" could not be read: ${(error as Error).message}`);
          return;
        }
        for (const field of wanted) {
          const value = fields.get(field);
          if (value === undefined) {
            problems.push(`item "${title}" has no field "${field}" (it has: ${[...fields.keys()].sort().join(", ") || "no fields"})`);
          } else {
            values.set(refKey({ item: title, field }), value);
          }
        }
      }),
    );
    if (problems.length > 0) throw new SecretReadError(problems.sort());
    return values;
  }
}

/** Values from `homelab:secretValues` (a dev swarm with no 1Password), keyed `<item>/<field>`. */
export class ConfigSecretSource implements SecretSource {
  readonly description = `Pulumi config (${PROJECT}:secretValues)`;

  constructor(private readonly configured: Readonly<Record<string, string>>) {}

  async read(refs: readonly OpRef[]): Promise<FieldValues> {
    const values = new Map<string, string>();
    const missing = new Set<string>();
    for (const ref of refs) {
      const key = refKey(ref);
      const value = this.configured[key];
      if (value === undefined) missing.add(key);
      else values.set(key, value);
    }
    if (missing.size > 0) {
      throw new ConfigError(
        [...missing].sort().map((key) => `${PROJECT}:secretValues["${key}"]: required by the lab; set it with ${secretValueCommand(key)}`),
      );
    }
    return values;
  }
}

/** The source this stack's configuration names (`homelab:secrets.source`). */
export function secretSourceFor(config: LoadedConfig): SecretSource {
  const secrets = config.homelab.secrets;
  return secrets.source === "onepassword" ? new OnePasswordSource(secrets.vault) : new ConfigSecretSource(config.homelab.secretValues ?? {});
}
