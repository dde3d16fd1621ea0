import type { HomepageEntry, KumaMonitor, ServiceSpec, Site } from "../lab/model";

/**
 * Service labels for caddy-docker-proxy, Homepage and AutoKuma. caddy-docker-proxy in swarm
 * mode reads *service* labels, so all of these go on the service, never on its containers.
 */

export interface IngressSettings {
  readonly domain: string;
  readonly internalDomain: string;
  /**
   * How Caddy gets certificates: the DNS-01 challenge through Cloudflare (the lab), or Caddy's
   * internal CA (a dev swarm with no Cloudflare).
   */
  readonly tls: "cloudflare-dns" | "internal";
}

/**
 * Authentik's embedded outpost, and the identity headers its Caddy guide copies onto the request
 * (capitalised as Authentik sends them, or Caddy copies empty values).
 */
export const AUTHENTIK_FORWARD_AUTH = {
  upstream: "http://authentik-server:9000",
  uri: "/outpost.goauthentik.io/auth/caddy",
  outpostPaths: "/outpost.goauthentik.io/*",
  copyHeaders: [
    "X-Authentik-Username",
    "X-Authentik-Groups",
    "X-Authentik-Entitlements",
    "X-Authentik-Email",
    "X-Authentik-Name",
    "X-Authentik-Uid",
    "X-Authentik-Jwt",
    "X-Authentik-Meta-Jwks",
    "X-Authentik-Meta-Outpost",
    "X-Authentik-Meta-Provider",
    "X-Authentik-Meta-App",
    "X-Authentik-Meta-Version",
  ],
} as const;

/** The Caddy snippet every protected site imports; defined once, on the ingress controller. */
export const FORWARD_AUTH_SNIPPET = "authentik_forward_auth";

/**
 * The snippet's labels. Its two handlers keep their order through the `0_`/`1_` prefixes: the
 * outpost's own paths (sign-in callback) go straight to Authentik, everything else is checked.
 */
export function forwardAuthSnippetLabels(prefix: string): Record<string, string> {
  const auth = AUTHENTIK_FORWARD_AUTH;
  return {
    [prefix]: `(${FORWARD_AUTH_SNIPPET})`,
    [`${prefix}.0_reverse_proxy`]: `${auth.outpostPaths} ${auth.upstream}`,
    [`${prefix}.1_forward_auth`]: auth.upstream,
    [`${prefix}.1_forward_auth.uri`]: auth.uri,
    [`${prefix}.1_forward_auth.copy_headers`]: auth.copyHeaders.join(" "),
    [`${prefix}.1_forward_auth.trusted_proxies`]: "private_ranges",
  };
}

/**
 * A site's fully qualified host: a label is completed with its zone (the public domain for public
 * sites, the internal one otherwise); a full name is taken as written.
 */
export function siteHost(site: Site, ingress: Pick<IngressSettings, "domain" | "internalDomain">): string {
  if (site.host.includes(".")) return site.host;
  const zone = site.public ? ingress.domain : ingress.internalDomain;
  return `${site.host}.${zone}`;
}

/** `caddy` for a service's first site, `caddy_1`, `caddy_2`, ... for the next ones. */
export function siteLabelPrefix(index: number): string {
  return index === 0 ? "caddy" : `caddy_${index}`;
}

export function tlsLabels(prefix: string, ingress: IngressSettings): Record<string, string> {
  return ingress.tls === "cloudflare-dns"
    ? { [`${prefix}.tls.dns`]: "cloudflare {env.CLOUDFLARE_API_TOKEN}" }
    : { [`${prefix}.tls`]: "internal" };
}

export function isProtected(site: Site): boolean {
  return (site.auth ?? { kind: "authentik" }).kind === "authentik";
}

/** The site's upstream, as `reverse_proxy` takes it. */
function upstreamOf(site: Site): string | undefined {
  if (site.port !== undefined) return `{{upstreams ${site.port}}}`;
  return site.upstream;
}

/**
 * A protected site runs as one `route`: Caddy keeps a route's handlers in the order written, so the
 * Authentik check always runs before the upstream, whatever Caddy's default directive order. The
 * site's `reverse_proxy.*` directives refine the upstream inside the route.
 */
function protectedSiteHandlers(prefix: string, site: Site): Record<string, string> {
  const labels: Record<string, string> = { [`${prefix}.route.0_import`]: FORWARD_AUTH_SNIPPET };
  const upstream = upstreamOf(site);
  if (upstream !== undefined) labels[`${prefix}.route.1_reverse_proxy`] = upstream;
  for (const [key, value] of Object.entries(site.directives ?? {})) {
    labels[`${prefix}.route.1_${key}`] = value;
  }
  return labels;
}

function openSiteHandlers(prefix: string, site: Site): Record<string, string> {
  const labels: Record<string, string> = {};
  const upstream = upstreamOf(site);
  if (upstream !== undefined) labels[`${prefix}.reverse_proxy`] = upstream;
  for (const [key, value] of Object.entries(site.directives ?? {})) labels[`${prefix}.${key}`] = value;
  return labels;
}

export function siteLabels(site: Site, index: number, ingress: IngressSettings): Record<string, string> {
  const prefix = siteLabelPrefix(index);
  return {
    [prefix]: siteHost(site, ingress),
    ...tlsLabels(prefix, ingress),
    ...(isProtected(site) ? protectedSiteHandlers(prefix, site) : openSiteHandlers(prefix, site)),
  };
}

export function homepageLabels(entry: HomepageEntry, defaultHref: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {
    "homepage.group": entry.group,
    "homepage.name": entry.name,
    "homepage.icon": entry.icon,
    "homepage.description": entry.description,
  };
  const href = entry.href ?? defaultHref;
  if (href !== undefined) labels["homepage.href"] = href;
  for (const [key, value] of Object.entries(entry.widget ?? {})) labels[`homepage.widget.${key}`] = value;
  return labels;
}

export function kumaLabels(monitors: readonly KumaMonitor[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const monitor of monitors) {
    for (const [setting, value] of Object.entries(monitor.settings)) {
      labels[`kuma.${monitor.id}.${monitor.type}.${setting}`] = value;
    }
  }
  return labels;
}

/**
 * Merges label groups, refusing a key set twice: caddy-docker-proxy would silently keep one of
 * them, which is one of its classic failure modes.
 */
export function mergeLabels(owner: string, groups: readonly Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const group of groups) {
    for (const [key, value] of Object.entries(group)) {
      if (key in merged) throw new Error(`${owner}: label "${key}" is set twice`);
      merged[key] = value;
    }
  }
  return merged;
}

/** All derived service labels of one service (without the stack namespace ones). */
export function serviceLabels(owner: string, service: ServiceSpec, ingress: IngressSettings): Record<string, string> {
  const sites = service.sites ?? [];
  const firstHost = sites[0] ? `https://${siteHost(sites[0], ingress)}` : undefined;
  return mergeLabels(owner, [
    ...sites.map((site, index) => siteLabels(site, index, ingress)),
    // The ingress controller defines the forward-auth snippet, in the first slot after its sites.
    service.role === "ingress-controller" ? forwardAuthSnippetLabels(siteLabelPrefix(sites.length)) : {},
    service.homepage ? homepageLabels(service.homepage, firstHost) : {},
    kumaLabels(service.monitors ?? []),
    service.labels ?? {},
  ]);
}
