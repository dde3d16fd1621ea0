import type { StackSpec } from "../../lab/model";
import { ingressControllers } from "../ingress";
import { resolveLabSites, type Zones } from "../sites";

/**
 * Lab rules for where sites live: each host in its zone and declared once, no public wildcard, and
 * the one ingress controller (Caddy) that public hosts reach through the tunnel.
 */

function inZone(host: string, zone: string): boolean {
  return host.endsWith(`.${zone}`);
}

/**
 * Adds a problem for each host outside its zone, each public wildcard, each host served twice, and
 * an ingress-controller role taken by other than one service.
 */
export function checkSites(stacks: readonly StackSpec[], zones: Zones, problems: string[]): void {
  const owners = new Map<string, string>();
  const sites = resolveLabSites(stacks, zones);
  for (const site of sites) {
    const field = `${site.owner}: sites[${site.index}].host`;
    if (site.public && (!inZone(site.host, zones.domain) || inZone(site.host, zones.internalDomain))) {
      problems.push(`${field}: public host "${site.host}" is outside the public zone ${zones.domain} (or inside the internal zone ${zones.internalDomain})`);
    }
    if (!site.public && !inZone(site.host, zones.internalDomain)) {
      problems.push(`${field}: internal host "${site.host}" is outside the internal zone ${zones.internalDomain}; mark the site public or use a name in that zone`);
    }
    if (site.public && site.wildcard) {
      problems.push(`${field}: a public wildcard would put every name of ${zones.domain} on the tunnel; declare each public host`);
    }
    const previous = owners.get(site.host);
    if (previous !== undefined) problems.push(`${field}: host "${site.host}" is declared by both ${previous} and ${site.owner}`);
    else owners.set(site.host, site.owner);
  }

  const controllers = ingressControllers(stacks);
  if (controllers.length > 1) {
    problems.push(`role: "ingress-controller" is taken by ${controllers.length} services (${controllers.map((c) => c.name).join(", ")}); expected one`);
  }
  const firstPublic = sites.find((site) => site.public);
  if (firstPublic && controllers.length === 0) {
    problems.push(`${firstPublic.owner}: a public site needs the ingress controller (the Caddy service, role "ingress-controller") in this stack of the program`);
  }
}
