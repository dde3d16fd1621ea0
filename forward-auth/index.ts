import { type Block, compareBlocks, isMatcher } from "../caddy/caddyfile";
import { blocksByRoot, blocksFromLabels } from "../caddy/from-labels";
import { TemplateError } from "../caddy/template";

/**
 * Whether a site runs a snippet's directives (the lab's Authentik forward auth) before anything
 * else can answer a request. It is asked of the blocks blocksFromLabels builds (from-labels.ts),
 * so a label is read as caddy-docker-proxy reads it: quoted values, `\.` escapes, `N_` orders and
 * `_N` suffixes. The policy pack (policy/rules/forward-auth.ts) and the review's view
 * (offline/view.ts) both ask here, so a site the view calls guarded is one the pack accepts.
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
 * caddy-docker-proxy skips all of them (template.ts also refuses, by name, what it does not model,
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
