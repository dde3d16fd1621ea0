import { TIERS } from "../lab/model";
import type { EvaluatedLab, StackPlan } from "../evaluation/evaluate-lab";
import { swarmName } from "../lib/naming";
import { type Diagram, MermaidIds, mermaidBlock, nameList, pages, parts, titled } from "./mermaid";

/**
 * The network pictures: an overview of which shared networks join which stacks, and one diagram
 * per stack of its services, its own networks and the shared ones it touches. Services of a stack
 * that join the same networks share one box, so lines do not multiply with the services; a
 * subject too big for one diagram is drawn as several (mermaid.ts holds the bound).
 */

/** A box on the left and the networks it joins (swarm names). */
interface Subject {
  readonly key: string;
  readonly label: string;
  readonly networks: readonly string[];
}

interface NetworkNode {
  readonly name: string;
  readonly label: string;
}

/** What a group of subjects draws: their boxes, the networks they join, a line for each join. */
const size = (group: readonly Subject[], extra = 0) => ({
  nodes: group.length + new Set(group.flatMap((subject) => subject.networks)).size + extra,
  edges: group.reduce((sum, subject) => sum + subject.networks.length, 0),
});

/**
 * Left-to-right: the subjects in a first column (inside `frame` when given), the networks they
 * join in a second, in the order given. The width is two columns whatever the lab's size; more
 * subjects make the diagram taller.
 */
function joinDiagram(subjects: readonly Subject[], networks: readonly NetworkNode[], frame?: { key: string; label: string }): string[] {
  const ids = new MermaidIds();
  const used = networks.filter((network) => subjects.some((subject) => subject.networks.includes(network.name)));
  const box = (subject: Subject) => `${ids.id("box", subject.key)}["${subject.label}"]`;
  const lines = ["flowchart LR"];
  if (frame) lines.push(`    subgraph ${ids.id("frame", frame.key)}["${frame.label}"]`);
  for (const subject of subjects) lines.push(`${frame ? "        " : "    "}${box(subject)}`);
  if (frame) lines.push("    end");
  for (const network of used) lines.push(`    ${ids.id("net", network.name)}("${network.label}")`);
  for (const subject of subjects) {
    for (const network of subject.networks) lines.push(`    ${ids.id("box", subject.key)} --- ${ids.id("net", network)}`);
  }
  return mermaidBlock(lines);
}

/** Every network by swarm name, labelled with its name over its purpose. */
function networkNodes(lab: EvaluatedLab): NetworkNode[] {
  return [
    ...lab.sharedNetworks.map((network) => ({ name: network.name, label: titled(network.name, network.purpose) })),
    ...lab.stacks.flatMap((stack) => (stack.spec.networks ?? []).map((network) => ({ name: swarmName(stack.name, network.key), label: titled(swarmName(stack.name, network.key), network.purpose) }))),
  ];
}

/** The shared networks a stack's services join, in the order the lab lists them. */
export function sharedNetworksOf(lab: EvaluatedLab, stack: StackPlan): string[] {
  const joined = new Set(stack.services.flatMap((plan) => plan.networks.map((attachment) => attachment.name)));
  return lab.sharedNetworks.map((network) => network.name).filter((name) => joined.has(name));
}

/** Stacks and the shared networks that join them; not every service. One diagram, or one per tier when that is too much. */
export function overviewDiagrams(lab: EvaluatedLab): Diagram[] {
  const subject = (stack: StackPlan): Subject => ({ key: stack.name, label: titled(stack.name, stack.spec.tier), networks: sharedNetworksOf(lab, stack) });
  const nodes = networkNodes(lab);
  const all = lab.stacks.map(subject);
  if (pages(all, (group) => size(group), (one) => one.key).length === 1) return [{ lines: joinDiagram(all, nodes) }];
  return TIERS.flatMap((tier) => {
    const stacks = all.filter((_, index) => lab.stacks[index]!.spec.tier === tier);
    if (stacks.length === 0) return [];
    const diagrams = pages(stacks, (group) => size(group), (one) => one.key).map((page) => joinDiagram(page, nodes));
    return parts(`The ${tier} stacks`, diagrams).map((diagram) => ({ caption: diagram.caption ?? `The ${tier} stacks`, lines: diagram.lines }));
  });
}

/** One stack: its services (those joining the same networks in one box), its own networks, the shared ones it touches. */
export function stackDiagrams(lab: EvaluatedLab, stack: StackPlan): Diagram[] {
  const groups = new Map<string, { names: string[]; networks: string[] }>();
  for (const plan of stack.services) {
    const networks = plan.networks.map((attachment) => attachment.name);
    const key = [...networks].sort().join("\0");
    const group = groups.get(key) ?? { names: [], networks };
    group.names.push(plan.name);
    groups.set(key, group);
  }
  const subjects: Subject[] = [...groups.values()].map((group) => ({ key: group.names[0]!, label: nameList(group.names), networks: group.networks }));
  const frame = { key: stack.name, label: titled(stack.name, stack.spec.tier) };
  // The stack's own networks first, then the shared ones.
  const own = new Set((stack.spec.networks ?? []).map((network) => swarmName(stack.name, network.key)));
  const nodes = networkNodes(lab).sort((a, b) => Number(own.has(b.name)) - Number(own.has(a.name)));
  // The frame is a box of its own for the reader's eye, so it counts.
  const diagrams = pages(subjects, (group) => size(group, 1), (subject) => `${stack.name}/${subject.key}`).map((page) => joinDiagram(page, nodes, frame));
  return parts(`The services of ${stack.name}`, diagrams);
}
