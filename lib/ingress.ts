import type { ServiceSpec, StackSpec } from "../lab/model";
import { siteHost } from "./labels";
import { LabError } from "./validate-lab";

/**
 * Ingress from one declaration. Each site a service declares (host, public or not, auth mode) is a
 * route; from the routes this module derives everything outside the service that must agree with
 * its Caddy labels: the internal DNS records, and for public hosts the tunnel's ingress rules and
 * the Cloudflare records. Pure, so the render, the tests and the components share one answer.
 */

export interface IngressZones {
  /** The public zone (Cloudflare), e.g. `hypyr.space`. */
  readonly domain: string;
  /** The LAN zone (UniFi), e.g. `in.hypyr.space`. */
  readonly internalDomain: string;
  /** The node whose name every internal record points at (`<node>.<internalDomain>`). */
  readonly storageNode: string;
}

export interface Route {
  /** `<stack>/<service>`, for messages and the render. */
  readonly owner: string;
  readonly stack: string;
  readonly service: string;
  /** Index of the site among the service's sites (its Caddy label is `caddy` or `caddy_<index>`). */
  readonly index: number;
  /** Fully qualified. */
  readonly host: string;
  readonly public: boolean;
  readonly auth: "authentik" | "own" | "none";
  /** A zone-wide catch-all (`*`): a Caddy site, but no record and no tunnel rule. */
  readonly wildcard: boolean;
}

/** A LAN record: `name` CNAME `target`. */
export interface InternalRecord {
  readonly name: string;
  readonly target: string;
  readonly owner: string;
}

/** A proxied Cloudflare CNAME to the tunnel. */
export interface PublicRecord {
  readonly name: string;
  readonly owner: string;
}

export interface TunnelRule {
  /** Absent on the catch-all, which must come last. */
  readonly hostname?: string;
  readonly service: string;
  readonly originRequest?: { readonly noTlsVerify: boolean; readonly originServerName: string };
}

export interface IngressPlan {
  readonly routes: readonly Route[];
  readonly internalRecords: readonly InternalRecord[];
  readonly publicRecords: readonly PublicRecord[];
  /** One rule per public host, then the catch-all (alone when nothing is public). */
  readonly tunnelRules: readonly TunnelRule[];
  /** `<storageNode>.<internalDomain>`. */
  readonly internalTarget: string;
}

/** What the tunnel answers for any host it was not given: nothing reaches Caddy by accident. */
export const TUNNEL_CATCH_ALL: TunnelRule = { service: "http_status:404" };

/**
 * The running lab's tunnel-to-Caddy hop: HTTPS to Caddy's overlay alias, presenting an internal
 * name Caddy holds a certificate for (its `*.<internalDomain>` site). Verification is off as in the
 * running lab: the hop never leaves the overlay network.
 */
export function tunnelOrigin(controller: string, zones: IngressZones): Omit<TunnelRule, "hostname"> {
  return {
    service: `https://${controller}:443`,
    originRequest: { noTlsVerify: true, originServerName: `tunnel.${zones.internalDomain}` },
  };
}

function inZone(host: string, zone: string): boolean {
  return host.endsWith(`.${zone}`);
}

/** Every site of every service, as a route, checking each host's zone and uniqueness. */
export function collectRoutes(stacks: readonly StackSpec[], zones: IngressZones): Route[] {
  const problems: string[] = [];
  const routes: Route[] = [];
  const owners = new Map<string, string>();
  for (const stack of stacks) {
    for (const service of stack.services) {
      for (const [index, site] of (service.sites ?? []).entries()) {
        const owner = `${stack.name}/${service.name}`;
        const host = siteHost(site, zones);
        const isPublic = site.public ?? false;
        const field = `${owner}: sites[${index}].host`;
        const wildcard = host.startsWith("*.");
        if (isPublic && (!inZone(host, zones.domain) || inZone(host, zones.internalDomain))) {
          problems.push(`${field}: public host "${host}" is outside the public zone ${zones.domain} (or inside the internal zone ${zones.internalDomain})`);
        }
        if (!isPublic && !inZone(host, zones.internalDomain)) {
          problems.push(`${field}: internal host "${host}" is outside the internal zone ${zones.internalDomain}; mark the site public or use a name in that zone`);
        }
        if (isPublic && wildcard) {
          problems.push(`${field}: a public wildcard would put every name of ${zones.domain} on the tunnel; declare each public host`);
        }
        const previous = owners.get(host);
        if (previous !== undefined) {
          problems.push(`${field}: host "${host}" is declared by both ${previous} and ${owner}`);
        } else {
          owners.set(host, owner);
        }
        routes.push({
          owner,
          stack: stack.name,
          service: service.name,
          index,
          host,
          public: isPublic,
          auth: site.auth?.kind ?? "authentik",
          wildcard,
        });
      }
    }
  }
  if (problems.length > 0) throw new LabError(problems);
  return routes;
}

/** The services that take the `ingress-controller` role (Caddy). */
export function ingressControllers(stacks: readonly StackSpec[]): ServiceSpec[] {
  return stacks.flatMap((stack) => stack.services.filter((service) => service.role === "ingress-controller"));
}

/**
 * Everything the routes imply. Internal records: every concrete internal host except the target
 * itself (the node's own name is its address record, kept by the gateway). Public hosts: one
 * proxied record and one tunnel rule each, to the ingress controller, then the catch-all.
 */
export function planIngress(stacks: readonly StackSpec[], zones: IngressZones): IngressPlan {
  const routes = collectRoutes(stacks, zones);
  const internalTarget = `${zones.storageNode}.${zones.internalDomain}`;
  const concrete = routes.filter((route) => !route.wildcard);
  const internalRecords = concrete
    .filter((route) => !route.public && route.host !== internalTarget)
    .map((route) => ({ name: route.host, target: internalTarget, owner: route.owner }));
  const publicRoutes = concrete.filter((route) => route.public);
  const publicRecords = publicRoutes.map((route) => ({ name: route.host, owner: route.owner }));

  const controllers = ingressControllers(stacks);
  if (controllers.length > 1) {
    throw new LabError([`role: "ingress-controller" is taken by ${controllers.length} services (${controllers.map((c) => c.name).join(", ")}); expected one`]);
  }
  const controller = controllers[0];
  if (publicRoutes.length > 0 && controller === undefined) {
    throw new LabError([`${publicRoutes[0]!.owner}: a public site needs the ingress controller (the Caddy service, role "ingress-controller") in this stack of the program`]);
  }
  const tunnelRules: TunnelRule[] = [
    ...publicRoutes.map((route) => ({ hostname: route.host, ...tunnelOrigin(controller!.name, zones) })),
    TUNNEL_CATCH_ALL,
  ];
  return { routes, internalRecords, publicRecords, tunnelRules, internalTarget };
}
