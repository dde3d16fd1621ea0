import type { ServiceSpec, StackSpec } from "../lab/model";
import { internalTarget, type ResolvedSite, type Zones } from "./sites";

/**
 * Ingress from one declaration. Each site a service declares (resolved once, evaluation/sites.ts) is a
 * route; from the routes this module derives everything outside the service that must agree with
 * its Caddy labels: the internal DNS records, and for public hosts the tunnel's ingress rules and
 * the Cloudflare records. Pure, so the render, the tests and the components share one answer. The
 * rules the routes must follow (zones, one owner per host, the ingress controller) are lab
 * validation's (evaluation/validation/sites.ts).
 */

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
  /** Every site of the lab, resolved (evaluation/sites.ts): what Caddy serves. */
  readonly routes: readonly ResolvedSite[];
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
export function tunnelOrigin(controller: string, zones: Pick<Zones, "internalDomain">): Omit<TunnelRule, "hostname"> {
  return {
    service: `https://${controller}:443`,
    originRequest: { noTlsVerify: true, originServerName: `tunnel.${zones.internalDomain}` },
  };
}

/** The services that take the `ingress-controller` role (Caddy). */
export function ingressControllers(stacks: readonly StackSpec[]): ServiceSpec[] {
  return stacks.flatMap((stack) => stack.services.filter((service) => service.role === "ingress-controller"));
}

/**
 * Everything the routes imply: each site's record (evaluation/sites.ts decides which, or why none), and
 * for each public host a tunnel rule to the ingress controller (`controller`, its alias), then the
 * catch-all. Validation has made sure a lab with public sites has its controller.
 */
export function planIngress(routes: readonly ResolvedSite[], zones: Zones, controller: string | undefined): IngressPlan {
  const internalRecords = routes.flatMap((route) => (route.record.kind === "internal" ? [{ name: route.host, target: route.record.target, owner: route.owner }] : []));
  const publicRoutes = routes.filter((route) => route.record.kind === "public");
  const origin = controller === undefined ? undefined : tunnelOrigin(controller, zones);
  const tunnelRules: TunnelRule[] = [...(origin ? publicRoutes.map((route) => ({ hostname: route.host, ...origin })) : []), TUNNEL_CATCH_ALL];
  return {
    routes,
    internalRecords,
    publicRecords: publicRoutes.map((route) => ({ name: route.host, owner: route.owner })),
    tunnelRules,
    internalTarget: internalTarget(zones),
  };
}
