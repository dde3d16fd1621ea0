import { authOf } from "../forward-auth";
import { type ServiceSpec, type Site, type SiteAuth, type StackSpec } from "../lab/model";

/**
 * A declared site, resolved by one function: its full host, who authenticates its visitors (and
 * why, when it is not Authentik), what Caddy forwards it to, and the DNS record it gets or why it
 * gets none. The Caddy labels, the ingress plan (records, tunnel rules), lab validation, the docs
 * and the render all call `resolveSites`/`resolveLabSites`; none of them works a site out on its
 * own. (Each calls it for itself: resolving is pure and cheap, so passing the result around would
 * buy nothing.)
 */

/** The zones sites live in, and the node every internal record points at. */
export interface Zones {
  /** The public zone (Cloudflare), e.g. `hypyr.space`. */
  readonly domain: string;
  /** The LAN zone (UniFi), e.g. `in.hypyr.space`. */
  readonly internalDomain: string;
  /** The node whose name every internal record points at (`<node>.<internalDomain>`). */
  readonly storageNode: string;
}

/**
 * The record a site's host gets: a LAN CNAME to the storage node, a proxied Cloudflare CNAME to the
 * tunnel, or none, because the host is the zone's catch-all or the node's own name (its address
 * record, which the gateway keeps).
 */
export type SiteRecord =
  | { readonly kind: "internal"; readonly target: string }
  | { readonly kind: "public" }
  | { readonly kind: "none"; readonly because: "catch-all" | "node-name" };

export interface ResolvedSite {
  readonly stack: string;
  readonly service: string;
  /** `<stack>/<service>`, for messages and reports. */
  readonly owner: string;
  /** Position among the service's sites; its Caddy label prefix is `siteLabelPrefix(index)`. */
  readonly index: number;
  /** Fully qualified. */
  readonly host: string;
  readonly public: boolean;
  /** With its reason when it is not Authentik. */
  readonly auth: SiteAuth;
  /** Behind Authentik's forward auth. */
  readonly protected: boolean;
  /** What `reverse_proxy` is given: `{{upstreams PORT}}`, a literal `host:port`, or nothing. */
  readonly upstream: string | undefined;
  /** The port of the service's own tasks the site forwards to, when it declares one. */
  readonly port: number | undefined;
  /** Further directives under the site, keyed relative to it. */
  readonly directives: Readonly<Record<string, string>>;
  /** The zone's catch-all (`*`): a Caddy site, but no record and no tunnel rule. */
  readonly wildcard: boolean;
  readonly record: SiteRecord;
}

/**
 * A label is completed with its zone (the public domain for public sites, the internal one
 * otherwise); a full name is taken as written.
 */
export function siteHost(site: Site, zones: Pick<Zones, "domain" | "internalDomain">): string {
  if (site.host.includes(".")) return site.host;
  return `${site.host}.${site.public ? zones.domain : zones.internalDomain}`;
}

/** `<storageNode>.<internalDomain>`: the target of every internal record. */
export function internalTarget(zones: Pick<Zones, "storageNode" | "internalDomain">): string {
  return `${zones.storageNode}.${zones.internalDomain}`;
}

function recordOf(host: string, isPublic: boolean, zones: Zones): SiteRecord {
  if (host.startsWith("*.")) return { kind: "none", because: "catch-all" };
  if (isPublic) return { kind: "public" };
  const target = internalTarget(zones);
  return host === target ? { kind: "none", because: "node-name" } : { kind: "internal", target };
}

/**
 * One site resolved once: its host in its zone, its auth, its upstream and its DNS record (or why
 * it has none).
 */
export function resolveSite(stack: string, service: string, site: Site, index: number, zones: Zones): ResolvedSite {
  const host = siteHost(site, zones);
  const isPublic = site.public ?? false;
  const auth = authOf(site);
  return {
    stack,
    service,
    owner: `${stack}/${service}`,
    index,
    host,
    public: isPublic,
    auth,
    protected: auth.kind === "authentik",
    upstream: site.port !== undefined ? `{{upstreams ${site.port}}}` : site.upstream,
    port: site.port,
    directives: site.directives ?? {},
    wildcard: host.startsWith("*."),
    record: recordOf(host, isPublic, zones),
  };
}

/** A service's sites, in declaration order. */
export function resolveSites(stack: string, service: ServiceSpec, zones: Zones): ResolvedSite[] {
  return (service.sites ?? []).map((site, index) => resolveSite(stack, service.name, site, index, zones));
}

/** Every site of every service of these stacks, in declaration order. */
export function resolveLabSites(stacks: readonly StackSpec[], zones: Zones): ResolvedSite[] {
  return stacks.flatMap((stack) => stack.services.flatMap((service) => resolveSites(stack.name, service, zones)));
}
