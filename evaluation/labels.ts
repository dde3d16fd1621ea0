import { type HomepageEntry, INGRESS_HEALTH, type KumaMonitor, type ServiceSpec } from "../lab/model";
import { forwardAuthSnippetLabels, protectedSiteHandlers } from "../forward-auth";
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

/**
 * How a site gets its certificate: the DNS-01 challenge through Cloudflare, or Caddy's internal
 * CA.
 */
export function tlsLabels(prefix: string, ingress: IngressSettings): Record<string, string> {
  return ingress.tls === "cloudflare-dns"
    ? { [`${prefix}.tls.dns`]: "cloudflare {env.CLOUDFLARE_API_TOKEN}" }
    : { [`${prefix}.tls`]: "internal" };
}

function openSiteHandlers(prefix: string, site: ResolvedSite): Record<string, string> {
  const labels: Record<string, string> = {};
  if (site.upstream !== undefined) labels[`${prefix}.reverse_proxy`] = site.upstream;
  for (const [key, value] of Object.entries(site.directives)) labels[`${prefix}.${key}`] = value;
  return labels;
}

/**
 * One resolved site's caddy-docker-proxy labels under its prefix: host, TLS, and its handlers
 * (behind forward auth or open).
 */
export function siteLabels(site: ResolvedSite, ingress: IngressSettings): Record<string, string> {
  const prefix = siteLabelPrefix(site.index);
  return {
    [prefix]: site.host,
    ...tlsLabels(prefix, ingress),
    ...(site.protected ? protectedSiteHandlers(prefix, site) : openSiteHandlers(prefix, site)),
  };
}

/** A Homepage entry as `homepage.*` labels; its link defaults to the service's first site. */
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

/** AutoKuma's `kuma.<id>.<type>.<setting>` labels for these monitors. */
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
