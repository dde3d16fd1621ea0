import type { EvaluatedLab, StackPlan } from "../evaluation/evaluate-lab";
import { contentValues } from "../evaluation/service-plan";
import { code, type DocsOptions, document, plural, table } from "./document";
import { MermaidIds, mermaidBlock, pages, parts, shown, titled } from "./mermaid";

/**
 * The order a bootstrap `pulumi up` follows on an empty swarm, drawn from the lab: what waits for
 * nothing, which stacks wait for which (`dependsOn`) and why (the services that reach the other
 * stack on one of its networks), what waits for the Cloudflare tunnel, and which stacks reach
 * another's services without waiting for them.
 */

/** The Cloudflare tunnel, as a step of the order: cloudflared's token is produced by it. */
const TUNNEL = "the Cloudflare tunnel";

export interface Wait {
  /** The stack that waits (or reaches without waiting). */
  readonly stack: string;
  /** What it waits for: a stack's name, or TUNNEL. */
  readonly on: string;
  /** `waits`: created after `on`; `reaches`: uses `on`'s services without waiting for them. */
  readonly kind: "waits" | "reaches";
  readonly because: string;
}

/** Which services of `stack` join the shared networks `owner` is attributed to, in words (`grafana reaches ... on ...`), if any. */
function reaching(lab: EvaluatedLab, stack: StackPlan, owner: string): string | undefined {
  const networks = lab.sharedNetworks.filter((network) => network.namespace === owner).map((network) => network.name);
  const parts = networks.flatMap((network) => {
    const services = stack.services.filter((plan) => plan.networks.some((attachment) => attachment.name === network)).map((plan) => plan.name);
    return services.length > 0 ? [`${services.join(", ")} ${services.length === 1 ? "reaches" : "reach"} ${code(owner)}'s services on ${code(network)}`] : [];
  });
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/** Every wait of the lab, in its stack order. */
export function waitsOf(lab: EvaluatedLab): Wait[] {
  const names = new Set(lab.stacks.map((stack) => stack.name));
  return lab.stacks.flatMap((stack): Wait[] => {
    const dependsOn = stack.spec.dependsOn ?? [];
    const declared = dependsOn.filter((name) => names.has(name)).map((on) => {
      const services = reaching(lab, stack, on);
      return { stack: stack.name, on, kind: "waits" as const, because: services ?? `declared in its \`dependsOn\`` };
    });
    const reaches = lab.stacks
      .filter((other) => other.name !== stack.name && !dependsOn.includes(other.name))
      .flatMap((other) => {
        const services = reaching(lab, stack, other.name);
        return services ? [{ stack: stack.name, on: other.name, kind: "reaches" as const, because: `${services}, without waiting for them` }] : [];
      });
    const tunnel = stack.services.filter((plan) => plan.secrets.some((mount) => contentValues(mount.content).some((value) => value.kind === "program" && value.name === "cloudflare-tunnel-token")));
    const token = tunnel.length > 0 ? [{ stack: stack.name, on: TUNNEL, kind: "waits" as const, because: `${tunnel.map((plan) => plan.name).join(", ")} mounts the tunnel's token, which the tunnel produces` }] : [];
    return [...token, ...declared, ...reaches];
  });
}

/** The waits no chain of other waits already implies (`c` after `b` after `a` needs no `c` after `a`). */
function direct(waits: readonly Wait[]): Wait[] {
  const after = (stack: string): string[] => waits.filter((wait) => wait.stack === stack).map((wait) => wait.on);
  /** Everything `stack` waits for, directly or through others. */
  const upstream = (stack: string): Set<string> => {
    const found = new Set<string>();
    const walk = (from: string) => {
      for (const next of after(from)) {
        if (found.has(next)) continue;
        found.add(next);
        walk(next);
      }
    };
    walk(stack);
    return found;
  };
  return waits.filter((wait) => !after(wait.stack).some((other) => other !== wait.on && upstream(other).has(wait.on)));
}

/** The first step, then each stack that waits after what it waits for; the stacks nothing concerns in one box. */
function diagram(waits: readonly Wait[], alone: readonly string[]): string[] {
  const ids = new MermaidIds();
  const id = (name: string) => ids.id(name === TUNNEL ? "tunnel" : "stack", name);
  const tunnel = waits.some((wait) => wait.on === TUNNEL);
  const lines = [
    "flowchart LR",
    `    subgraph first["${titled("First, in parallel")}"]`,
    `        objects["${titled("Networks, secrets, configs", "the shared networks; each stack's own networks, secrets and configs")}"]`,
    ...(tunnel ? [`        ${id(TUNNEL)}["${titled("Cloudflare tunnel", "and its public records")}"]`] : []),
    "    end",
  ];
  const stacks = [...new Set(waits.flatMap((wait) => [wait.on, wait.stack]))].filter((name) => name !== TUNNEL);
  for (const name of stacks) lines.push(`    ${id(name)}["${titled(name)}"]`);
  if (alone.length > 0) lines.push(`    alone["${titled(`${plural(alone.length, "stack")} waiting for nothing`, alone.join(", "))}"]`);
  // Everything that waits for nothing starts once the first step is done.
  const waiting = new Set(waits.map((wait) => wait.stack));
  for (const name of stacks) if (!waiting.has(name)) lines.push(`    objects --> ${id(name)}`);
  if (alone.length > 0) lines.push("    objects --> alone");
  for (const wait of waits) lines.push(`    ${id(wait.on)} --> ${id(wait.stack)}`);
  return mermaidBlock(lines);
}

export function renderBootstrapDoc(lab: EvaluatedLab, options: DocsOptions): string {
  const all = waitsOf(lab);
  // The picture shows who waits, each wait once: not one another wait implies (the table has
  // them all), nor who uses another stack without waiting.
  const waits = direct(all.filter((wait) => wait.kind === "waits"));
  const involved = new Set(waits.flatMap((wait) => [wait.stack, wait.on]));
  const alone = lab.stacks.map((stack) => stack.name).filter((name) => !involved.has(name));
  // Boxes: the first step's frame and its box (and the tunnel's), the stacks of the page's waits,
  // the others' box; lines: each wait, and one from the first step to each stack that starts there.
  const size = (group: readonly Wait[]) => {
    const stacks = new Set(group.flatMap((wait) => [wait.stack, wait.on]));
    return { nodes: 3 + stacks.size, edges: 1 + group.length + stacks.size };
  };
  const diagrams = waits.length === 0 ? [diagram([], alone)] : pages(waits, size, (wait) => `${wait.stack} → ${wait.on}`).map((page, index) => diagram(page, index === 0 ? alone : []));
  const body = [
    "## The Order",
    "",
    "An arrow points from what comes first to what waits for it. The stacks that wait for nothing start as soon as the first step is done; the table below says why each wait is there, and which stacks use another's services without waiting for them (their services retry until those answer).",
    "",
    ...shown(parts("The order", diagrams)),
    "## Why Each Waits",
    "",
    ...table(
      ["Stack", "After", "Why"],
      all.map((wait) => {
        const on = wait.on === TUNNEL ? wait.on : code(wait.on);
        return [code(wait.stack), wait.kind === "waits" ? on : `uses ${on}, does not wait`, wait.because];
      }),
    ),
  ];
  const intro = [
    `One \`pulumi up\` on an empty swarm creates everything in this order. A stack that waits for another has its services created once that stack's services have converged (each replica running, and healthy where it has a health check); what waits for the Cloudflare tunnel is the service that mounts its token. ${plural(waits.length, "wait")} in the picture, ${plural(alone.length, "stack")} waiting for nothing.`,
  ];
  return document("Bootstrap Order", intro, body, options);
}

