import { stringify } from "yaml";
import { tableCell as cell } from "../lib/markdown";

/**
 * Adopting the internal DNS records a UniFi console already has: which of the lab's records exist
 * there (matched by domain, as DNS compares names), the `homelab:unifi.adopt` entries that make the
 * first `up` take them over instead of refusing to create a second record, and what the console
 * holds that the lab does not declare. Pure: the console's policies arrive as data, read-only.
 */

/** A DNS policy as the console lists it (any type). */
export interface ConsoleRecord {
  readonly id: string;
  readonly type: string;
  readonly domain: string;
  /** A CNAME's target, an A record's address, ... */
  readonly value?: string;
  readonly enabled: boolean;
}

/** An internal record the program declares. */
export interface DeclaredRecord {
  readonly name: string;
  readonly target: string;
}

export interface UnifiAdoptionPlan {
  /** Declared records the console has as one CNAME: adopted by id. `retargeted`: the `up` changes its target. */
  readonly adopt: readonly { readonly name: string; readonly id: string; readonly liveTarget: string; readonly retargeted: boolean }[];
  /** Declared records the console holds in a form a CNAME cannot take over: they block the `up`. */
  readonly blocked: readonly { readonly name: string; readonly records: readonly ConsoleRecord[]; readonly reason: string }[];
  /** Declared records the console lacks: the `up` creates them. */
  readonly created: readonly string[];
  /** Records on the console the lab does not declare: left alone, listed for review. */
  readonly undeclared: readonly ConsoleRecord[];
  /** `homelab:unifi.adopt` as it should be: what config had, plus every adopted id. */
  readonly adoptEntries: Readonly<Record<string, string>>;
}

const sameName = (a: string, b: string) => a.replace(/\.$/, "").toLowerCase() === b.replace(/\.$/, "").toLowerCase();

export function planUnifiAdoption(declared: readonly DeclaredRecord[], existing: readonly ConsoleRecord[], configured: Readonly<Record<string, string>> = {}): UnifiAdoptionPlan {
  const adopt: UnifiAdoptionPlan["adopt"][number][] = [];
  const blocked: UnifiAdoptionPlan["blocked"][number][] = [];
  const created: string[] = [];
  for (const record of declared) {
    const matches = existing.filter((candidate) => sameName(candidate.domain, record.name));
    const only = matches[0];
    if (matches.length === 0) created.push(record.name);
    else if (matches.length > 1) blocked.push({ name: record.name, records: matches, reason: `${matches.length} records hold this name; delete all but one in the console (two CNAMEs for one name stop the gateway's DNS and DHCP)` });
    else if (only && only.type !== "CNAME_RECORD") blocked.push({ name: record.name, records: matches, reason: `the console has it as ${only.type}, which a CNAME cannot take over; delete it in the console first` });
    else if (only) adopt.push({ name: record.name, id: only.id, liveTarget: only.value ?? "", retargeted: !sameName(only.value ?? "", record.target) });
  }
  const undeclared = existing.filter((candidate) => !declared.some((record) => sameName(record.name, candidate.domain)));
  const adoptEntries = Object.fromEntries(
    [...Object.entries(configured).filter(([name]) => !adopt.some((entry) => entry.name === name)), ...adopt.map((entry) => [entry.name, entry.id] as const)].sort(([a], [b]) => a.localeCompare(b)),
  );
  return { adopt, blocked, created: created.sort(), undeclared, adoptEntries };
}

/**
 * The `homelab:unifi` block for `Pulumi.<stack>.yaml` with the adoption entries, the other keys as
 * configured: it replaces the block there.
 */
export function unifiConfigBlock(configured: Readonly<Record<string, unknown>>, plan: UnifiAdoptionPlan, stack: string): string {
  const block = { ...configured, ...(Object.keys(plan.adoptEntries).length > 0 ? { adopt: plan.adoptEntries } : {}) };
  return `# homelab:unifi for Pulumi.${stack}.yaml, with the records the console already has adopted by id\n# (written by npm run adopt; replace the block under config: with it)\n${stringify({ "homelab:unifi": block })}`;
}

/** The adoption report's UniFi section. */
export function unifiAdoptMarkdown(plan: UnifiAdoptionPlan, context: { console: string; site: string; version: string; configFile: string }): string[] {
  const lines = [`## UniFi DNS records (\`${context.console}\`, site \`${context.site}\`, Network ${context.version}; read only)`, ""];
  lines.push(
    `\`${context.configFile}\` is the \`homelab:unifi\` block with ${plan.adopt.length} record${plan.adopt.length === 1 ? "" : "s"} adopted: put it in the stack's config before the first \`up\`, which otherwise refuses at preview to create a name the console already has. Or set each entry:`,
    "",
  );
  lines.push("```sh", ...plan.adopt.map((entry) => `pulumi config set --path 'homelab:unifi.adopt["${entry.name}"]' ${entry.id}`), "```", "");
  lines.push("| record | console id | now points at | the `up` |", "|---|---|---|---|");
  for (const entry of plan.adopt) lines.push(`| \`${cell(entry.name)}\` | \`${entry.id}\` | ${cell(entry.liveTarget)} | ${entry.retargeted ? "adopts it and changes its target" : "adopts it unchanged"} |`);
  for (const name of plan.created) lines.push(`| \`${cell(name)}\` | | (not on the console) | creates it |`);
  lines.push("");
  if (plan.blocked.length > 0) {
    lines.push(`**Blocking the first \`up\` (${plan.blocked.length}).** Fix these in the console first:`, "");
    for (const entry of plan.blocked) lines.push(`- \`${entry.name}\`: ${entry.reason} (${entry.records.map((record) => `${record.type} ${record.id}`).join(", ")})`);
    lines.push("");
  }
  lines.push(`**On the console, not declared (${plan.undeclared.length}).** The program leaves these alone; remove them in the console once nothing needs them, or declare their sites.`, "");
  for (const record of plan.undeclared) lines.push(`- \`${record.domain}\`: ${record.type}${record.value ? ` → ${record.value}` : ""}${record.enabled ? "" : " (disabled)"}, id \`${record.id}\``);
  lines.push("");
  return lines;
}
