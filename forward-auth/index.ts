import { Auth, type Site, type SiteAuth, type StackSpec } from "../lab/model";
import { type Block, compareBlocks, isMatcher } from "../caddy/caddyfile";
import { blocksByRoot, blocksFromLabels } from "../caddy/from-labels";
import { TemplateError } from "../caddy/template";

/**
 * The lab's forward auth through Authentik, in one module: the outpost's constants and the
 * service that serves them, the snippet the ingress controller defines and every protected site
 * imports, the handlers of a protected site, the default (a site is protected unless it opts out
 * with a reason), the off switch (`homelab:forwardAuth`), and the judge the policy pack and the
 * review ask whether a site runs the snippet first. The lab validation's forward-auth rules ask
 * here for the same facts.
 */

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

/** The service the snippet calls (`http://authentik-server:9000` → `authentik-server`). */
export const FORWARD_AUTH_SERVICE = new URL(AUTHENTIK_FORWARD_AUTH.upstream).hostname;

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

/**
 * A protected site runs as one `route`: Caddy keeps a route's handlers in the order written, so the
 * Authentik check always runs before the upstream, whatever Caddy's default directive order. The
 * site's `reverse_proxy.*` directives refine the upstream inside the route.
 */
export function protectedSiteHandlers(prefix: string, site: { readonly upstream?: string; readonly directives: Readonly<Record<string, string>> }): Record<string, string> {
  const labels: Record<string, string> = { [`${prefix}.route.0_import`]: FORWARD_AUTH_SNIPPET };
  if (site.upstream !== undefined) labels[`${prefix}.route.1_reverse_proxy`] = site.upstream;
  for (const [key, value] of Object.entries(site.directives)) {
    labels[`${prefix}.route.1_${key}`] = value;
  }
  return labels;
}

/** Forward auth through Authentik unless the site opts out. */
export function authOf(site: Site): SiteAuth {
  return site.auth ?? Auth.authentik;
}

/** Whether the site is behind Authentik's forward auth (the default). */
export function isProtected(site: Site): boolean {
  return authOf(site).kind === "authentik";
}

/**
 * `homelab:forwardAuth.enabled: false`: every site that asks for Authentik is served without it,
 * each carrying the configured reason so the render shows why. Never for a public site: that
 * would put a sign-in-less application on the internet. `setting` is the config key that turned it
 * off (`homelab:forwardAuth`), named in the reason and the problems.
 */
export function withoutForwardAuth(stacks: readonly StackSpec[], reason: string, problems: string[], setting: string): StackSpec[] {
  const open = Auth.none(`forward auth is off in this stack of the program (${setting}): ${reason.trim()}`);
  return stacks.map((stack) => ({
    ...stack,
    services: stack.services.map((service) => ({
      ...service,
      sites: service.sites?.map((site, index) => {
        if (!isProtected(site)) return site;
        if (site.public) problems.push(`${setting}.enabled: false would serve the public site ${stack.name}/${service.name} sites[${index}] (${site.host}) without sign-in`);
        return { ...site, auth: open };
      }),
    })),
  }));
}

/**
 * Whether a site runs a snippet's directives (the lab's Authentik forward auth) before anything
 * else can answer a request. It is asked of the blocks blocksFromLabels builds (caddy/from-labels.ts),
 * so a label is read as caddy-docker-proxy reads it: quoted values, `\.` escapes, `N_` orders and
 * `_N` suffixes. The policy pack (policy/rules/forward-auth.ts) and the review's view
 * (review/view-builder.ts) both ask here, so a site the view calls guarded is one the pack accepts.
 */

const importsSnippet = (directive: Block, snippet: string): boolean => directive.keys[0] === "import" && directive.keys[1] === snippet;

/** Site-level directives Caddy runs before `route` that can answer a request themselves. */
const HANDLERS_BEFORE_ROUTE: ReadonlySet<string> = new Set(["handle", "handle_path"]);

/**
 * True when the site imports the snippet for every request: at its top level (Caddy sorts the
 * imported directives with the site's own and orders `forward_auth` before `handle`, `route` and
 * `reverse_proxy`), or as the first handler of its first `route` when no route has a matcher (Caddy
 * runs routes with matchers before those without, and keeps the written order among the others)
 * and no `handle` block, which Caddy runs before `route`, can answer first. A route's handlers run
 * in the order caddy-docker-proxy writes them: its sort (compareBlocks), `N_` first.
 */
export function runsSnippetFirst(site: Block, snippet: string): boolean {
  const directives = site.children;
  if (directives.some((directive) => importsSnippet(directive, snippet))) return true;
  if (directives.some((directive) => HANDLERS_BEFORE_ROUTE.has(directive.keys[0] ?? ""))) return false;
  const routes = directives.filter((directive) => directive.keys[0] === "route");
  if (routes.some((route) => route.keys.length > 1)) return false;
  const [first] = [...routes].sort(compareBlocks);
  // Matcher definitions (`@name`) inside the route are not handlers.
  const [handler] = (first?.children ?? []).filter((child) => !isMatcher(child)).sort(compareBlocks);
  return handler !== undefined && importsSnippet(handler, snippet);
}

/**
 * One service's Caddy blocks by root label (`caddy`, `caddy_1`), or the template error for which
 * caddy-docker-proxy skips all of them (caddy/template.ts also refuses, by name, what it does not model,
 * so an unjudged label never passes as judged). Built without upstreams: `{{upstreams}}` expands to
 * nothing, and where a site proxies to does not decide whether it runs the snippet first.
 */
export function caddyRootsOf(service: string, labels: Readonly<Record<string, string>>): { readonly roots: ReadonlyMap<string, Block> } | { readonly unreadable: string } {
  try {
    return { roots: blocksByRoot(blocksFromLabels(service, labels, { upstreams: [] })) };
  } catch (error) {
    if (error instanceof TemplateError) return { unreadable: error.message };
    throw error;
  }
}
