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

/** The forward-auth check every protected site gets: Authentik's embedded outpost. */
export const AUTHENTIK_FORWARD_AUTH = {
  upstream: "http://authentik-server:9000",
  uri: "/outpost.goauthentik.io/auth/caddy",
  copyHeaders: ["X-Authentik-Username", "X-Authentik-Groups", "X-Authentik-Email", "X-Authentik-Name", "X-Authentik-Uid"],
} as const;

export function siteHost(site: Site, ingress: IngressSettings): string {
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

/** The one helper for Authentik forward auth; every protected site gets exactly this block. */
export function forwardAuthLabels(prefix: string): Record<string, string> {
  return {
    [`${prefix}.forward_auth`]: AUTHENTIK_FORWARD_AUTH.upstream,
    [`${prefix}.forward_auth.uri`]: AUTHENTIK_FORWARD_AUTH.uri,
    [`${prefix}.forward_auth.copy_headers`]: AUTHENTIK_FORWARD_AUTH.copyHeaders.join(" "),
  };
}

export function siteLabels(site: Site, index: number, ingress: IngressSettings): Record<string, string> {
  const prefix = siteLabelPrefix(index);
  const labels: Record<string, string> = { [prefix]: siteHost(site, ingress) };
  if (site.port !== undefined) labels[`${prefix}.reverse_proxy`] = `{{upstreams ${site.port}}}`;
  else if (site.upstream !== undefined) labels[`${prefix}.reverse_proxy`] = site.upstream;
  Object.assign(labels, tlsLabels(prefix, ingress));
  if ((site.auth ?? { kind: "authentik" }).kind === "authentik") Object.assign(labels, forwardAuthLabels(prefix));
  for (const [key, value] of Object.entries(site.directives ?? {})) labels[`${prefix}.${key}`] = value;
  return labels;
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
    service.homepage ? homepageLabels(service.homepage, firstHost) : {},
    kumaLabels(service.monitors ?? []),
    service.labels ?? {},
  ]);
}
