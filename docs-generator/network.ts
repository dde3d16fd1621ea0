import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import { swarmName } from "../lib/naming";
import { allPlans, code, type DocsOptions, document, markdownText, NONE, owner, plural, table } from "./document";
import { shown } from "./mermaid";
import { overviewDiagrams, stackDiagrams } from "./network-diagrams";

/** The network pictures (an overview, then one per stack) and the inventory: every overlay network, who joins it, and why it exists. */

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
  const perStack = lab.stacks.flatMap((stack) => [
    `### ${code(stack.name)}`,
    "",
    `${markdownText(stack.spec.description)}.`,
    "",
    ...shown(stackDiagrams(lab, stack)),
  ]);
  const body = [
    "## Overview",
    "",
    "All inter-service communication uses Docker Swarm overlay networks. The shared (external) networks, on the right, are created by the program once, before any stack, and join the stacks on the left; each stack's own networks are named `<stack>_<key>`. On every network it joins, a service answers to its short name (the alias `docker stack deploy` gives it).",
    "",
    ...shown(overviewDiagrams(lab)),
    "## Stacks",
    "",
    "Each stack's services (inside its frame), its own networks and the shared networks it touches. Services that join the same networks share a box.",
    "",
    ...perStack,
    "## Network Inventory",
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
