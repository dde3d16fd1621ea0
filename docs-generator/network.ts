import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import { swarmName } from "../lib/naming";
import { allPlans, code, type DocsOptions, document, markdownText, NONE, owner, plural, table } from "./document";

/** The network map (Mermaid) and inventory: every overlay network, who joins it, and why it exists. */

interface NetworkRow {
  readonly name: string;
  readonly key: string;
  readonly shared: boolean;
  readonly attachable: boolean;
  readonly purpose: string;
  /** The owning stack, for a stack's own network. */
  readonly stack?: string;
}

function networkRows(lab: EvaluatedLab): NetworkRow[] {
  return [
    ...lab.sharedNetworks.map((network) => ({ name: network.name, key: network.key, shared: true, attachable: true, purpose: network.purpose })),
    ...lab.stacks.flatMap((stack) =>
      (stack.spec.networks ?? []).map((network) => ({
        name: swarmName(stack.name, network.key),
        key: network.key,
        shared: false,
        attachable: network.attachable ?? true,
        purpose: network.purpose,
        stack: stack.name,
      })),
    ),
  ];
}

/** Services attached to a network (by swarm network name), grouped by stack in declaration order. */
function attachedByStack(lab: EvaluatedLab, networkName: string): { stack: string; services: string[] }[] {
  const groups: { stack: string; services: string[] }[] = [];
  for (const stack of lab.stacks) {
    const services = stack.services
      .filter((plan) => plan.networks.some((attachment) => attachment.name === networkName))
      .map((plan) => plan.name);
    if (services.length > 0) groups.push({ stack: stack.name, services });
  }
  return groups;
}

/** Mermaid node ids: letters, digits and `_`, unique, stable for a given input order. */
class MermaidIds {
  private readonly used = new Set<string>();
  private readonly ids = new Map<string, string>();

  id(kind: string, key: string): string {
    const existing = this.ids.get(`${kind}\0${key}`);
    if (existing !== undefined) return existing;
    const base = `${kind}_${key.replace(/[^A-Za-z0-9]+/g, "_")}`;
    let candidate = base;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${base}_${n}`;
    this.used.add(candidate);
    this.ids.set(`${kind}\0${key}`, candidate);
    return candidate;
  }
}

/** Text inside a quoted Mermaid label. */
function mermaidText(text: string): string {
  return text.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function networkMap(lab: EvaluatedLab): string[] {
  const ids = new MermaidIds();
  const rows = networkRows(lab);
  const lines = ["```mermaid", "flowchart TB"];
  lines.push('    subgraph external["External Networks (shared)"]');
  for (const network of rows.filter((row) => row.shared)) {
    lines.push(`        ${ids.id("net", network.name)}["${mermaidText(network.name)}<br/><i>${mermaidText(network.purpose)}</i>"]`);
  }
  lines.push("    end");
  const own = rows.filter((row) => !row.shared);
  if (own.length > 0) {
    lines.push("");
    lines.push('    subgraph internal["Internal Networks (stack-scoped)"]');
    for (const network of own) lines.push(`        ${ids.id("net", network.name)}["${mermaidText(network.name)}"]`);
    lines.push("    end");
  }
  for (const stack of lab.stacks) {
    const plans = stack.services;
    lines.push("");
    lines.push(`    subgraph ${ids.id("stack", stack.name)}["${mermaidText(`${stack.name} (${stack.spec.tier})`)}"]`);
    for (const plan of plans) lines.push(`        ${ids.id("svc", owner(plan))}["${mermaidText(plan.name)}"]`);
    lines.push("    end");
    for (const plan of plans) {
      for (const attachment of plan.networks) lines.push(`    ${ids.id("svc", owner(plan))} --- ${ids.id("net", attachment.name)}`);
    }
  }
  lines.push("```");
  return lines;
}

/**
 * docs/network.md: the overlay network map (a diagram) and the inventory of networks and their
 * services, with real swarm names.
 */
export function renderNetworkDoc(lab: EvaluatedLab, options: DocsOptions): string {
  const rows = networkRows(lab);
  const services = allPlans(lab);
  const inventory = table(
    ["Network", "Type", "Stacks Connected (services)", "Purpose"],
    rows.map((network) => {
      const attached = attachedByStack(lab, network.name);
      const type = `${network.shared ? "external" : "internal"} overlay${network.attachable ? "" : ", not attachable"}`;
      const key = network.key === network.name ? "" : ` (key ${code(network.key)})`;
      const connected = attached.length > 0 ? attached.map((group) => `${code(group.stack)} (${group.services.join(", ")})`).join(", ") : `${NONE} (no service of this program)`;
      return [`${code(network.name)}${key}`, type, connected, markdownText(network.purpose)];
    }),
  );
  const detached = services.filter((plan) => plan.networks.length === 0);
  const body = [
    "## Overlay Network Map",
    "",
    "All inter-service communication uses Docker Swarm overlay networks. The shared (external) networks are created by the program once, before any stack; each stack's own networks are named `<stack>_<key>`. On every network it joins, a service answers to its short name (the alias `docker stack deploy` gives it).",
    "",
    ...networkMap(lab),
    "",
    "### Network Inventory",
    "",
    ...inventory,
    ...(detached.length > 0
      ? ["", `Services on no overlay network: ${detached.map((plan) => code(owner(plan))).join(", ")}.`]
      : []),
  ];
  const intro = [
    `${plural(lab.sharedNetworks.length, "shared network")}, ${plural(rows.length - lab.sharedNetworks.length, "stack network")}, ${plural(services.length, "service")} in ${plural(lab.stacks.length, "stack")}.`,
  ];
  return document("Network Architecture", intro, body, options);
}
