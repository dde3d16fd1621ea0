import type { StackSpec } from "../../lab/model";
import { type Block, isGlobal, isSnippet, type LabelSource } from "../../caddy/caddyfile";
import { answersRequests, judgeCaddyfile, misreadBlocks, snippetsOf } from "../../caddy/check";
import { generateCaddyfile, processBlocks, type ServiceCaddyLabels } from "../../caddy/generate";
import { ingressControllers } from "../ingress";
import { ingressControllerLabels, type IngressSettings, serviceLabels } from "../labels";
import { resolveSites } from "../sites";

/**
 * Lab validation: the Caddyfile caddy-docker-proxy would build from every service's labels, judged
 * before anything is registered. A label that makes it skip a service, misread a value, drop a
 * block, or serve a site that answers nothing is a problem naming the service, the label and what
 * Caddy says. Pure: the judge is this program's model of Caddy's adapter (caddy/check.ts),
 * which the tests hold to the real Caddy.
 */

/** Stands in for the ingress controller when this selection of stacks does not deploy it. */
const ABSENT_CONTROLLER = "(the ingress controller's labels, not in this selection)";

function describe(b: Block): string {
  if (isGlobal(b)) return "the global options block";
  if (isSnippet(b)) return `the snippet ${b.keys[0]}`;
  return `the site ${b.keys.join(" ")}`;
}

function labelOf(source: LabelSource): string {
  return `${source.service}: labels: "${source.label}"`;
}

/**
 * Builds the Caddyfile the lab's labels make and adds a problem for each block caddy-docker-proxy
 * or Caddy would drop or refuse, naming the service.
 */
export function checkCaddyLabels(stacks: readonly StackSpec[], ingress: IngressSettings, problems: string[]): void {
  const found = new Set<string>();
  const services: ServiceCaddyLabels[] = [];
  for (const stack of stacks) {
    for (const service of stack.services) {
      const owner = `${stack.name}/${service.name}`;
      try {
        // No tasks exist yet: `{{upstreams}}` expands to the service's alias, a valid address.
        services.push({ service: owner, labels: serviceLabels(owner, service, resolveSites(stack.name, service, ingress), ingress), upstreams: [service.name] });
      } catch (error) {
        found.add((error as Error).message);
      }
    }
  }
  // Protected sites import the controller's snippet; judge them against it even when this
  // selection leaves the controller out (it is then deployed by another selection).
  if (ingressControllers(stacks).length === 0) services.push({ service: ABSENT_CONTROLLER, labels: ingressControllerLabels(0, ingress), upstreams: [] });

  const generated = generateCaddyfile(services);
  for (const { service, error } of generated.skipped) found.add(`${service}: labels: caddy-docker-proxy skips every Caddy label of this service (${error})`);
  for (const source of generated.commented) {
    found.add(`${labelOf(source)}: a "#" in the value starts a comment for caddy-docker-proxy, which drops the rest of it; quote the value`);
  }
  for (const b of misreadBlocks(generated.blocks)) {
    for (const source of b.sources) {
      found.add(`${labelOf(source)}: written as ${JSON.stringify(b.keys)}, Caddy reads it as something else (a "{" or "}", a leading "#", a tab or an empty argument in a value)`);
    }
  }
  const { kept, dropped } = processBlocks(generated.blocks, judgeCaddyfile);
  for (const drop of dropped) {
    const also = drop.other ? `; first declared by ${drop.other.sources.map((source) => `${source.service} "${source.label}"`).join(", ")}` : "";
    for (const source of (drop.at ?? drop.block).sources) {
      found.add(`${labelOf(source)}: caddy-docker-proxy would drop ${describe(drop.block)} (Caddy: ${drop.message}${also})`);
    }
  }
  const snippets = snippetsOf(kept);
  for (const site of kept.filter((b) => !isGlobal(b) && !isSnippet(b))) {
    if (answersRequests(site.children, snippets)) continue;
    for (const source of site.sources) {
      found.add(`${labelOf(source)}: ${describe(site)} has no handler that answers (reverse_proxy, respond, redir, file_server, ...); Caddy would answer every request with an empty 200`);
    }
  }
  problems.push(...found);
}
