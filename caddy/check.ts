import { type Block, isGlobal, isMatcher, isSnippet, writeKey } from "./caddyfile";
import { DNS_PROVIDERS, GLOBAL_OPTIONS, HANDLER_DIRECTIVES, NESTING_DIRECTIVES, SITE_DIRECTIVES, SUBDIRECTIVES, TERMINAL_DIRECTIVES } from "./directives";
import { tokenize } from "./lexer";

/**
 * A model of the Caddyfile adapter, pure, for the checks that must run before anything is
 * registered (no Caddy exists on a laptop running `pulumi preview`). It judges what decides whether
 * caddy-docker-proxy keeps a block: directive and option names, where each may appear, imports of
 * snippets, addresses declared twice, and the subdirectives of reverse_proxy, forward_auth and tls.
 * It reports in Caddy's own words. It does not judge argument syntax; the tests hand the lab's
 * Caddyfile to the real Caddy for that (test/caddy-lab.test.ts), and prove that what this model
 * refuses, Caddy refuses (test/caddy-check.test.ts).
 */

export interface Verdict {
  /** What Caddy says, without its file and line prefix. */
  readonly message: string;
  /** The block that causes it (a directive, subdirective or option), with the labels it came from. */
  readonly at: Block;
  /** For an address declared twice, the site that declared it first. */
  readonly other?: Block;
}

type Context = "site" | "route";

function checkSubdirectives(directive: Block): Verdict | undefined {
  const name = directive.keys[0]!;
  const known = SUBDIRECTIVES.get(name);
  if (!known) return undefined;
  for (const sub of directive.children) {
    const subName = sub.keys[0] ?? "";
    // reverse_proxy defines response matchers for handle_response.
    if (name === "reverse_proxy" && subName.startsWith("@")) continue;
    if (!known.names.has(subName)) return { message: known.unknown(subName), at: sub };
    const provider = sub.keys[1];
    if (name === "tls" && subName === "dns" && provider !== undefined && !DNS_PROVIDERS.has(provider)) {
      return { message: `getting module named 'dns.providers.${provider}': module not registered: dns.providers.${provider}`, at: sub };
    }
  }
  return undefined;
}

function checkDirectives(children: readonly Block[], context: Context, snippets: ReadonlyMap<string, Block>): Verdict | undefined {
  for (const child of children) {
    const name = child.keys[0];
    if (name === undefined) return { message: "unrecognized directive: {", at: child };
    if (isMatcher(child)) continue;
    if (name === "import") {
      const snippet = snippets.get(child.keys[1] ?? "");
      if (!snippet) return { message: `File to import not found: ${child.keys[1] ?? ""}`, at: child };
      const inside = checkDirectives(snippet.children, context, snippets);
      if (inside) return inside;
      continue;
    }
    if (context === "route" && SITE_DIRECTIVES.has(name)) {
      return { message: `${name} directive returned something other than an HTTP route or subroute (only handler directives can be used in routes)`, at: child };
    }
    if (!HANDLER_DIRECTIVES.has(name) && !SITE_DIRECTIVES.has(name)) return { message: `unrecognized directive: ${name}`, at: child };
    const inner = NESTING_DIRECTIVES.has(name) ? checkDirectives(child.children, "route", snippets) : checkSubdirectives(child);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * Judges a Caddyfile's blocks as the adapter would, returning the first refusal. Snippets must be
 * defined before they are imported, which caddy-docker-proxy's sort guarantees.
 */
export function judgeCaddyfile(blocks: readonly Block[]): Verdict | undefined {
  const snippets = new Map<string, Block>();
  const addresses = new Map<string, Block>();
  for (const [index, b] of blocks.entries()) {
    if (isGlobal(b)) {
      if (index > 0) return { message: "server block without any key is global configuration, and if used, it must be first", at: b };
      for (const option of b.children) {
        if (!GLOBAL_OPTIONS.has(option.keys[0] ?? "")) return { message: `unrecognized global option: ${option.keys[0] ?? ""}`, at: option };
      }
      continue;
    }
    if (isSnippet(b)) {
      snippets.set(b.keys[0]!.slice(1, -1), b);
      continue;
    }
    for (const address of b.keys) {
      const first = addresses.get(address);
      if (first) return { message: `ambiguous site definition: ${address}`, at: b, other: first };
      addresses.set(address, b);
    }
    const verdict = checkDirectives(b.children, "site", snippets);
    if (verdict) return verdict;
  }
  return undefined;
}

/** Whether a site's handlers (through imports and nested routes) include one that answers. */
export function answersRequests(children: readonly Block[], snippets: ReadonlyMap<string, Block>): boolean {
  return children.some((child) => {
    const name = child.keys[0] ?? "";
    if (TERMINAL_DIRECTIVES.has(name)) return true;
    if (name === "import") return answersRequests(snippets.get(child.keys[1] ?? "")?.children ?? [], snippets);
    return NESTING_DIRECTIVES.has(name) && answersRequests(child.children, snippets);
  });
}

/** The snippets of a Caddyfile by name. */
export function snippetsOf(blocks: readonly Block[]): Map<string, Block> {
  return new Map(blocks.filter(isSnippet).map((b) => [b.keys[0]!.slice(1, -1), b]));
}

/**
 * Blocks whose keys do not read back as written: caddy-docker-proxy writes keys raw unless they
 * hold a space, a quote or a line break, so a `{`, a `#`, an empty argument or a tab in a label
 * value changes the structure Caddy reads.
 */
export function misreadBlocks(blocks: readonly Block[]): Block[] {
  const found: Block[] = [];
  const visit = (b: Block) => {
    const read = tokenize(b.keys.map(writeKey).join(" ")).map((token) => token.text);
    const structural = b.keys.some((key) => key === "{" || key === "}");
    if (structural || read.length !== b.keys.length || read.some((key, i) => key !== b.keys[i])) found.push(b);
    b.children.forEach(visit);
  };
  blocks.forEach(visit);
  return found;
}
