import { parseConfig } from "../config";
import { STACKS } from "../lab";
import type { StackDefinition, StackSpec } from "../lab/model";
import { labContext } from "../evaluation/evaluate-lab";
import { stackFolder } from "../evaluation/lab-files";
import { readStackConfig } from "../config/stack-file";

/**
 * Synthetic labs for the growth benchmark: the real lab plus `copies - 1` copies of its platform
 * and application stacks, each copy renamed (stack, runtime dependencies, site hosts) so the whole
 * validates and deploys like a lab `copies` times the size. The infrastructure stacks (Caddy's
 * published ports, the one ingress controller) exist once, as in any lab.
 */

function copyOf(stack: StackSpec, copy: number, copied: ReadonlySet<string>): StackSpec {
  const rename = (name: string) => (copied.has(name) ? `${name}_x${copy}` : name);
  return {
    ...stack,
    name: rename(stack.name),
    // The copy ships the original's files, from the original's folder.
    folder: stack.folder ?? stackFolder(stack),
    dependsOn: (stack.dependsOn ?? []).map(rename),
    services: stack.services.map((service) => ({
      ...service,
      // Host-mode ports are per node: a copy would collide with the original.
      ports: (service.ports ?? []).filter((port) => port.mode !== "host"),
      sites: (service.sites ?? []).map((site) => ({ ...site, host: site.host === "*" ? site.host : `${site.host}-x${copy}` })),
    })),
  };
}

/**
 * The lab with its application and platform stacks copied `copies` times under new names: a lab
 * of `copies` times the services, for the benchmark.
 */
export function syntheticLab(copies: number): StackDefinition[] {
  const context = labContext(parseConfig(readStackConfig("prod"), { purpose: "evaluate" }).homelab);
  const copyable = STACKS.filter((define) => define(context).tier !== "infrastructure");
  const copied = new Set(copyable.map((define) => define(context).name));
  const copies_ = Array.from({ length: Math.max(0, copies - 1) }, (_, index) => index + 1);
  return [...STACKS, ...copies_.flatMap((copy) => copyable.map((define): StackDefinition => (lab) => copyOf(define(lab), copy, copied)))];
}
