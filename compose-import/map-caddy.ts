import { Auth, type Site } from "../lab/model";
import { caddyLabelRoot } from "../caddy/from-labels";
import { type IngressSettings, siteLabels } from "../evaluation/labels";
import { resolveSite } from "../evaluation/sites";

/**
 * caddy-docker-proxy labels read back as the lab's sites. A label root (`caddy`, `caddy_1`, ...)
 * becomes a site when it says what a site can say: one host in the lab's zones, `reverse_proxy`
 * to `{{upstreams PORT}}` or one `host:port`, forward auth by importing (or being) a snippet that
 * runs `forward_auth`, and `reverse_proxy.*` refinements; open sites may carry other directives.
 * Anything else stays a raw label, judged by lab validation like any other. Pure.
 */

/** What became of one label root. */
export type CaddyRoot =
  | { readonly kind: "site"; readonly root: string; readonly site: Site; readonly matchesDerived: boolean }
  /** A snippet that runs forward auth: the lab's ingress controller defines its own. */
  | { readonly kind: "forward-auth-snippet"; readonly root: string }
  /** Global options (a root that names no site): derived from config in the lab. */
  | { readonly kind: "global-options"; readonly root: string }
  | { readonly kind: "raw"; readonly root: string; readonly why: string };

export interface CaddyImport {
  readonly roots: readonly CaddyRoot[];
  /** The labels that are not Caddy's, and the Caddy roots kept raw. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The label keys of each root, relative to it (`""` is the root's own value). */
function groups(labels: Readonly<Record<string, string>>): Map<string, Map<string, string>> {
  const byRoot = new Map<string, Map<string, string>>();
  for (const [key, value] of Object.entries(labels)) {
    const root = caddyLabelRoot(key);
    if (root === undefined) continue;
    const group = byRoot.get(root) ?? new Map<string, string>();
    group.set(key === root ? "" : key.slice(root.length + 1), value);
    byRoot.set(root, group);
  }
  return byRoot;
}

/** Snippet names (without parentheses) whose definition runs `forward_auth`, across all services. */
export function forwardAuthSnippets(labelsOfEachService: readonly Readonly<Record<string, string>>[]): Set<string> {
  const names = new Set<string>();
  for (const labels of labelsOfEachService) {
    for (const group of groups(labels).values()) {
      const name = /^\((.+)\)$/.exec(group.get("") ?? "")?.[1];
      if (name !== undefined && [...group.keys()].some((key) => /(^|\.)(\d+_)?forward_auth$/.test(key))) names.add(name);
    }
  }
  return names;
}

const UPSTREAMS = /^\{\{\s*upstreams\s+(\d+)\s*\}\}$/;

/** The host relative to its zone where it is one label deep (`web`), else as written. */
function siteHostOf(address: string, zones: Pick<IngressSettings, "domain" | "internalDomain">): { host: string; public: boolean } | undefined {
  for (const [zone, isPublic] of [[zones.internalDomain, false], [zones.domain, true]] as const) {
    if (!address.endsWith(`.${zone}`)) continue;
    const label = address.slice(0, -zone.length - 1);
    return { host: label.includes(".") ? address : label, public: isPublic };
  }
  return undefined;
}

function readRoot(root: string, group: ReadonlyMap<string, string>, snippets: ReadonlySet<string>, ingress: IngressSettings, reasonForOpen: string): CaddyRoot {
  const address = group.get("");
  if (address === undefined) return { kind: "global-options", root };
  if (/^\(.+\)$/.test(address)) {
    return snippets.has(address.slice(1, -1)) ? { kind: "forward-auth-snippet", root } : { kind: "raw", root, why: "a snippet other than forward auth" };
  }
  const zoned = /\s|,/.test(address) ? undefined : siteHostOf(address, ingress);
  if (!zoned) return { kind: "raw", root, why: `"${address}" is not one host in ${ingress.internalDomain} or ${ingress.domain}` };

  let upstream: string | undefined;
  let forwardAuth = false;
  const directives: Record<string, string> = {};
  for (const [key, value] of group) {
    if (key === "") continue;
    // The route the lab writes, and the plain forms people write by hand.
    const relative = key.replace(/^route\.\d+_/, "");
    if (/^tls(\.|$)/.test(key)) continue; // derived from config (DNS-01 or the internal CA)
    if (relative === "import" && snippets.has(value)) forwardAuth = true;
    else if (relative === "reverse_proxy") upstream = value;
    else if (/^forward_auth(\.|$)/.test(relative)) forwardAuth = true;
    else if (key.startsWith("route.")) return { kind: "raw", root, why: `its route holds "${key}", which a site cannot say` };
    else if (relative === "import") return { kind: "raw", root, why: `it imports "${value}", a snippet these files do not define as forward auth` };
    else directives[key] = value;
  }
  const port = upstream === undefined ? undefined : UPSTREAMS.exec(upstream)?.[1];
  if (upstream !== undefined && port === undefined && /\s/.test(upstream)) return { kind: "raw", root, why: `reverse_proxy "${upstream}" is not {{upstreams PORT}} or one host:port` };
  if (forwardAuth && Object.keys(directives).some((key) => !key.startsWith("reverse_proxy."))) {
    return { kind: "raw", root, why: "a site behind forward auth may only refine its upstream (reverse_proxy.*)" };
  }
  const site: Site = {
    host: zoned.host,
    ...(zoned.public ? { public: true } : {}),
    ...(port !== undefined ? { port: Number(port) } : upstream !== undefined ? { upstream } : {}),
    ...(forwardAuth ? {} : { auth: Auth.none(reasonForOpen) }),
    ...(Object.keys(directives).length > 0 ? { directives } : {}),
  };
  return { kind: "site", root, site, matchesDerived: false };
}

/**
 * The sites and remaining labels of one service. `matchesDerived` says whether the lab derives
 * exactly the labels the compose file wrote (under these settings), so drift will show nothing.
 */
export function importCaddyLabels(
  stack: string,
  service: string,
  labels: Readonly<Record<string, string>>,
  snippets: ReadonlySet<string>,
  ingress: IngressSettings,
  reasonForOpen: string,
): CaddyImport {
  const byRoot = groups(labels);
  const roots = [...byRoot].map(([root, group]) => readRoot(root, group, snippets, ingress, reasonForOpen));
  const kept = new Set(roots.filter((root) => root.kind === "raw").map((root) => root.root));
  const remaining = Object.fromEntries(Object.entries(labels).filter(([key]) => {
    const root = caddyLabelRoot(key);
    return root === undefined || kept.has(root);
  }));
  const sites = roots.flatMap((root) => (root.kind === "site" ? [root] : []));
  const derived: Record<string, string> = {};
  sites.forEach((root, index) => Object.assign(derived, siteLabels(resolveSite(stack, service, root.site, index, ingress), ingress)));
  const written = Object.fromEntries(Object.entries(labels).filter(([key]) => sites.some((root) => caddyLabelRoot(key) === root.root)));
  const same = JSON.stringify(Object.entries(derived).sort()) === JSON.stringify(Object.entries(written).sort());
  return { roots: roots.map((root) => (root.kind === "site" ? { ...root, matchesDerived: same } : root)), labels: remaining };
}
