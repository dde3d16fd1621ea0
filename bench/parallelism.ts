import { STACK_REFERENCE_TYPE } from "../lib/resource-types";
import { type OfflineRun, runOffline, waitsToConverge } from "../offline/run";
import { type RegisteredResource } from "../lib/registered";
import { urnKey } from "../live/desired";
import { median } from "./stats";

/**
 * Deploy parallelism: the program registered under the mock monitor with every create taking a
 * fixed latency, and every service created with convergence taking a further convergence wait
 * (the provider waits for its tasks to run: evaluation/rollout.ts), against the ideal (the dependency
 * graph's longest path, each create weighted by its wait) and against the stack-by-stack
 * sequential deploy the running lab uses (Komodo deploys one stack after another). Also lists
 * every dependency edge that crosses stacks, with the reason it exists.
 */

export interface ParallelismFigures {
  readonly latencyMs: number;
  readonly convergeMs: number;
  /** Services created with convergence (each waits `convergeMs` more). */
  readonly converging: number;
  readonly resources: number;
  readonly depth: number;
  readonly idealSeconds: number;
  readonly simulatedSeconds: number;
  readonly sequentialSeconds: number;
  readonly crossStackEdges: readonly { from: string; to: string; reason: string }[];
  readonly unexplainedEdges: readonly { from: string; to: string }[];
}

const isComponent = (resource: RegisteredResource) => resource.type.startsWith("homelab:");
/** Providers are configured in-process and the self-reference is a read: neither is a create. */
const isCreate = (resource: RegisteredResource) =>
  !isComponent(resource) && !resource.type.startsWith("pulumi:providers:") && resource.type !== STACK_REFERENCE_TYPE;

/** Weighted as the mock monitor delays it (offline/run.ts). */
const converges = (resource: RegisteredResource) => waitsToConverge(resource.type, resource.inputs);

/** The longest chain of creates, each weighted by `weight`, counting only resources the engine actually creates. */
function depthOf(resources: readonly RegisteredResource[], weight: (resource: RegisteredResource) => number = () => 1): number {
  const custom = new Map(resources.filter(isCreate).map((resource) => [resource.urn, resource]));
  const memo = new Map<string, number>();
  const depth = (urn: string): number => {
    const known = memo.get(urn);
    if (known !== undefined) return known;
    const resource = custom.get(urn)!;
    const value = weight(resource) + Math.max(0, ...resource.dependencies.filter((dependency) => custom.has(dependency)).map(depth));
    memo.set(urn, value);
    return value;
  };
  return Math.max(0, ...[...custom.keys()].map(depth));
}

/** Which deploy unit a resource belongs to: its stack, the shared networks, or ingress. */
function unitOf(resource: RegisteredResource, byUrn: ReadonlyMap<string, RegisteredResource>): string {
  if (isComponent(resource)) return urnKey(resource.urn).split("::")[1] ?? resource.name;
  const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
  return parent ? unitOf(parent, byUrn) : "program";
}

async function timed(latencyMs: number, convergeMs: number): Promise<{ run: OfflineRun; seconds: number }> {
  const started = process.hrtime.bigint();
  const run = await runOffline({ stack: "prod", latencyMs, convergeMs });
  return { run, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** `convergeMs` defaults to twice the create latency: starting tasks takes longer than an API call. */
export async function benchParallelism(latencyMs = 1000, runs = 3, convergeMs = 2 * latencyMs): Promise<ParallelismFigures> {
  await timed(0, 0); // warm: module loading and the dynamic provider's code serialization
  // Each sample: the run with latency minus the same run without, so evaluation work cancels out.
  const samples: number[] = [];
  let slow: { run: OfflineRun; seconds: number } | undefined;
  for (let sample = 0; sample < runs; sample++) {
    const base = await timed(0, 0);
    slow = await timed(latencyMs, convergeMs);
    samples.push(slow.seconds - base.seconds);
  }
  const simulatedSeconds = median(samples);
  const { run } = slow!;
  const byUrn = new Map(run.resources.map((resource) => [resource.urn, resource]));
  const weight = (resource: RegisteredResource) => latencyMs + (converges(resource) ? convergeMs : 0);
  const depth = depthOf(run.resources);
  const idealMs = depthOf(run.resources, weight);

  const units = new Map<string, RegisteredResource[]>();
  for (const resource of run.resources.filter(isCreate)) {
    const unit = unitOf(resource, byUrn);
    units.set(unit, [...(units.get(unit) ?? []), resource]);
  }
  const sequentialMs = [...units.values()].reduce((sum, members) => sum + depthOf(members, weight), 0);

  const stackNeeds = new Map(run.lab.stacks.map((stack) => [stack.name, new Set(stack.spec.dependsOn ?? [])]));
  const crossStackEdges: { from: string; to: string; reason: string }[] = [];
  const unexplainedEdges: { from: string; to: string }[] = [];
  for (const resource of run.resources.filter((candidate) => !isComponent(candidate))) {
    const from = unitOf(resource, byUrn);
    for (const dependency of resource.dependencies) {
      const target = byUrn.get(dependency);
      if (!target) continue;
      const to = unitOf(target, byUrn);
      if (to === from) continue;
      const edge = `${resource.name} -> ${target.name}`;
      if (to === "shared-networks") crossStackEdges.push({ from, to, reason: `${edge}: attaches to a shared network` });
      else if (to === "public-ingress" && target.type.startsWith("cloudflare:")) crossStackEdges.push({ from, to, reason: `${edge}: the tunnel token` });
      else if (stackNeeds.get(from)?.has(to)) crossStackEdges.push({ from, to, reason: `${edge}: ${from} needs ${to} at runtime (dependsOn)` });
      else unexplainedEdges.push({ from, to: `${to} (${edge})` });
    }
  }
  const dedupe = <T>(list: T[]) => [...new Map(list.map((item) => [JSON.stringify(item), item])).values()];
  return {
    latencyMs,
    convergeMs,
    converging: run.resources.filter(converges).length,
    resources: run.resources.filter(isCreate).length,
    depth,
    idealSeconds: idealMs / 1000,
    simulatedSeconds,
    sequentialSeconds: sequentialMs / 1000,
    crossStackEdges: dedupe(crossStackEdges.map((edge) => ({ from: edge.from, to: edge.to, reason: edge.reason.split(":").slice(1).join(":").trim() }))),
    unexplainedEdges: dedupe(unexplainedEdges),
  };
}
