import { type StackSpec, TIERS } from "../../lab/model";
import type { SharedNetworkSpec } from "../../lab/networks";
import { stackOrder } from "../stack-order";
import { checkService } from "./service";

/**
 * Lab rules across stacks: names, tiers, networks that would shadow shared ones, services declared
 * twice, routing-mesh ports published twice, and runtime dependencies (known, not on a later tier,
 * no cycle). Each service's own fields are checked by ./service.ts.
 */

const NAME = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

/**
 * Adds a problem for each bad stack name or tier, stack or service declared twice, network that
 * shadows a shared one, ingress port published twice, unknown or later-tier dependency and
 * dependency cycle; each service is checked too.
 */
export function checkStacks(stacks: readonly StackSpec[], shared: readonly SharedNetworkSpec[], problems: string[]): void {
  const sharedKeys = new Set(shared.map((network) => network.key));
  const stackNames = new Set<string>();
  const ingressPorts = new Map<number, string>();
  const tierOf = new Map(stacks.map((stack) => [stack.name, stack.tier]));

  for (const stack of stacks) {
    if (!NAME.test(stack.name)) problems.push(`${stack.name}: name: expected lower-case letters, digits, '_' and '-'`);
    if (stackNames.has(stack.name)) problems.push(`${stack.name}: stack is declared twice`);
    stackNames.add(stack.name);
    if (!TIERS.includes(stack.tier)) problems.push(`${stack.name}: tier: expected one of ${TIERS.join(", ")}, got "${stack.tier}"`);
    for (const network of stack.networks ?? []) {
      if (sharedKeys.has(network.key)) problems.push(`${stack.name}: networks: "${network.key}" would shadow the shared network of that key`);
    }
    const serviceNames = new Set<string>();
    for (const service of stack.services) {
      if (serviceNames.has(service.name)) problems.push(`${stack.name}/${service.name}: service is declared twice in the stack`);
      serviceNames.add(service.name);
      checkService(stack, service, sharedKeys, problems);
      for (const port of service.ports ?? []) {
        if (port.mode !== "ingress") continue;
        const previous = ingressPorts.get(port.published);
        if (previous) problems.push(`${stack.name}/${service.name}: ports: ingress port ${port.published} is already published by ${previous}`);
        else ingressPorts.set(port.published, `${stack.name}/${service.name}`);
      }
    }
    for (const dependency of stack.dependsOn ?? []) {
      const tier = tierOf.get(dependency);
      if (tier === undefined) problems.push(`${stack.name}: dependsOn: unknown stack "${dependency}"`);
      else if (TIERS.indexOf(tier) > TIERS.indexOf(stack.tier)) problems.push(`${stack.name}: dependsOn: "${dependency}" is in a later tier (${tier})`);
    }
  }
  const { cycle } = stackOrder(stacks);
  if (cycle) problems.push(`${cycle[0]}: dependsOn: stacks depend on each other in a cycle: ${cycle.join(" -> ")}`);
}
