import { type HomepageEntry, INGRESS_HEALTH, type KumaMonitor, type ServiceSpec } from "../lab/model";
import type { ResolvedSite, Zones } from "./sites";

/**
 * Service labels for caddy-docker-proxy, Homepage and AutoKuma. caddy-docker-proxy in swarm
 * mode reads *service* labels, so all of these go on the service, never on its containers.
 */

/** The zones sites live in, and how Caddy is set up for them. */
export interface IngressSettings extends Zones {
  /**
   * How Caddy gets certificates: the DNS-01 challenge through Cloudflare (the lab), or Caddy's
   * internal CA (a dev swarm with no Cloudflare).
   */
  readonly tls: "cloudflare-dns" | "internal";
  /** The ACME account e-mail, a Caddy global option (set on the ingress controller). */
  readonly acmeEmail: string;
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
 * The snippet's labels, in one order Caddy keeps (the `N_` prefixes, inside the importing route):
 * first a client's own `X-Authentik-*` headers are dropped (`copy_headers` leaves a header alone
 * when Authentik sends it empty, so a forged one would pass); then the outpost's own paths (the
 * sign-in callback) go straight to Authentik; everything else is checked.
 *
 * No `trusted_proxies`: nothing in front of Caddy is a proxy it can name. The swarm's ingress mesh
 * on 80/443 is not an HTTP proxy and rewrites every client's address to a private one, so trusting
 * private ranges would pass any client's own `X-Forwarded-For` to Authentik as its identity; and
 * cloudflared shares proxy_network with every routed app. Untrusted, Caddy tells Authentik the
 * address it sees, which no client can choose (docs/ingress.md).
 */
export function forwardAuthSnippetLabels(prefix: string): Record<string, string> {
  const auth = AUTHENTIK_FORWARD_AUTH;
  return {
    [prefix]: `(${FORWARD_AUTH_SNIPPET})`,
    [`${prefix}.0_request_header`]: "-X-Authentik-*",
    [`${prefix}.1_reverse_proxy`]: `${auth.outpostPaths} ${auth.upstream}`,
    [`${prefix}.2_forward_auth`]: auth.upstream,
    [`${prefix}.2_forward_auth.uri`]: auth.uri,
    [`${prefix}.2_forward_auth.copy_headers`]: auth.copyHeaders.join(" "),
  };
}

/** Caddy answering for itself at `INGRESS_HEALTH`, with no upstream involved. */
export function ingressHealthLabels(prefix: string): Record<string, string> {
  return { [prefix]: `http://:${INGRESS_HEALTH.port}`, [`${prefix}.respond`]: `${INGRESS_HEALTH.path} 200` };
}

/**
 * Caddy's global options. caddy-docker-proxy makes a label prefix that never gets a value of its
 * own (no `caddy_N: <host>`) into the global options block; under a prefix that names a site, the
 * same label would be a directive of that site, which Caddy refuses (and the site is dropped).
 */
export function globalOptionLabels(prefix: string, ingress: Pick<IngressSettings, "acmeEmail">): Record<string, string> {
  return { [`${prefix}.email`]: ingress.acmeEmail };
}

/** The ingress controller's own labels, in the slots after its sites. */
export function ingressControllerLabels(firstIndex: number, ingress: Pick<IngressSettings, "acmeEmail">): Record<string, string> {
  return {
    ...forwardAuthSnippetLabels(siteLabelPrefix(firstIndex)),
    ...ingressHealthLabels(siteLabelPrefix(firstIndex + 1)),
    ...globalOptionLabels(siteLabelPrefix(firstIndex + 2), ingress),
  };
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

/**
 * A protected site runs as one `route`: Caddy keeps a route's handlers in the order written, so the
 * Authentik check always runs before the upstream, whatever Caddy's default directive order. The
 * site's `reverse_proxy.*` directives refine the upstream inside the route.
 */
function protectedSiteHandlers(prefix: string, site: ResolvedSite): Record<string, string> {
  const labels: Record<string, string> = { [`${prefix}.route.0_import`]: FORWARD_AUTH_SNIPPET };
  if (site.upstream !== undefined) labels[`${prefix}.route.1_reverse_proxy`] = site.upstream;
  for (const [key, value] of Object.entries(site.directives)) {
    labels[`${prefix}.route.1_${key}`] = value;
  }
  return labels;
}

function openSiteHandlers(prefix: string, site: ResolvedSite): Record<string, string> {
  const labels: Record<string, string> = {};
  if (site.upstream !== undefined) labels[`${prefix}.reverse_proxy`] = site.upstream;
  for (const [key, value] of Object.entries(site.directives)) labels[`${prefix}.${key}`] = value;
  return labels;
}

export function siteLabels(site: ResolvedSite, ingress: IngressSettings): Record<string, string> {
  const prefix = siteLabelPrefix(site.index);
  return {
    [prefix]: site.host,
    ...tlsLabels(prefix, ingress),
    ...(site.protected ? protectedSiteHandlers(prefix, site) : openSiteHandlers(prefix, site)),
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
    const prefix = `kuma.${monitor.id}.${monitor.type}`;
    for (const [setting, value] of Object.entries(monitor.settings)) labels[`${prefix}.${setting}`] = value;
    // AutoKuma reads list settings as JSON in the label's value (kuma-client's DeserializeVecLenient).
    if (monitor.acceptedStatusCodes) labels[`${prefix}.accepted_statuscodes`] = JSON.stringify(monitor.acceptedStatusCodes);
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

/** All derived service labels of one service (without the stack namespace ones), from its resolved sites. */
export function serviceLabels(owner: string, service: ServiceSpec, sites: readonly ResolvedSite[], ingress: IngressSettings): Record<string, string> {
  const firstHost = sites[0] ? `https://${sites[0].host}` : undefined;
  return mergeLabels(owner, [
    ...sites.map((site) => siteLabels(site, ingress)),
    service.role === "ingress-controller" ? ingressControllerLabels(sites.length, ingress) : {},
    service.homepage ? homepageLabels(service.homepage, firstHost) : {},
    kumaLabels(service.monitors ?? []),
    service.labels ?? {},
  ]);
}
