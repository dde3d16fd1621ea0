import { type Block, block, type LabelSource, UNORDERED } from "./caddyfile";
import { lex } from "./lexer";
import { expandTemplate, type TemplateContext } from "./template";

/**
 * Service labels to Caddyfile blocks, as caddy-docker-proxy's FromLabels does
 * (caddyfile/fromlabels.go, generator/labels.go):
 * - only labels named `caddy` or `caddy_<N>` and their `.`-children count; `caddy_<N>` is a root
 *   of its own, which is how one service declares several sites or snippets;
 * - a root's value becomes its keys: a host opens a site, `(name)` a snippet, and a root that is
 *   never given a value (`caddy_9.email` alone) is the global options block;
 * - each dot nests one level; `\.` is a literal dot in a name;
 * - `N_name` orders siblings (unordered ones sort last), and `name_N` keeps two siblings of the same
 *   name apart, instead of merging them;
 * - the value is a template (`{{upstreams PORT}}`), then split into arguments like Caddyfile tokens.
 */

/** `parent.N_name_M`: the parent path, the order N and the name without its `_M` suffix. */
const LABEL_PATH = /^(?:(.+)\.)?(?:(\d+)_)?([^.]+?)(?:_(\d+))?$/;
/** The root a Caddy label belongs to: `caddy` or `caddy_<N>`, followed by a dot or nothing. */
const CADDY_LABEL = /^caddy(_\d+)?(?=\.|$)/;
const ESCAPED_DOT = "\u0000";

export const isCaddyLabel = (key: string): boolean => CADDY_LABEL.test(key);

/** The root of a Caddy label (`caddy_1` for `caddy_1.route.0_import`), undefined for any other label. */
export const caddyLabelRoot = (key: string): string | undefined => CADDY_LABEL.exec(key)?.[0];

function parsePath(path: string): { parent: string; order: number; name: string } {
  const match = LABEL_PATH.exec(path.split("\\.").join(ESCAPED_DOT));
  if (!match) return { parent: "", order: UNORDERED, name: path };
  return {
    parent: (match[1] ?? "").split(ESCAPED_DOT).join("\\."),
    order: match[2] !== undefined ? Number(match[2]) : UNORDERED,
    name: match[3]!.split(ESCAPED_DOT).join("."),
  };
}

/** A label value's arguments, split as the Caddyfile lexer splits tokens (a `#` starts a comment). */
export function labelArguments(text: string): { args: string[]; comment: boolean } {
  const { tokens, comment } = lex(text);
  return { args: tokens.map((token) => token.text), comment };
}

/**
 * The blocks one service's labels produce. Labels are read in key order, which only decides ties
 * that caddy-docker-proxy leaves to Go's map order. Throws a TemplateError for a value whose
 * template fails: caddy-docker-proxy then skips every Caddy label of that service. Labels whose
 * value loses text to a `#` comment are added to `commented`.
 */
export function blocksFromLabels(service: string, labels: Readonly<Record<string, string>>, ctx: TemplateContext, commented: LabelSource[] = []): Block[] {
  const root: Block[] = [];
  const byPath = new Map<string, Block>();
  const blockAt = (path: string, source: LabelSource): Block => {
    const existing = byPath.get(path);
    if (existing) return existing;
    const { parent, order, name } = parsePath(path);
    const created = block([], order, [source]);
    if (parent !== "") {
      created.keys.push(name);
      blockAt(parent, source).children.push(created);
    } else {
      root.push(created);
    }
    byPath.set(path, created);
    return created;
  };
  for (const key of Object.keys(labels).filter(isCaddyLabel).sort()) {
    const source = { service, label: key };
    const target = blockAt(key, source);
    if (!target.sources.some((known) => known.label === key)) target.sources.unshift(source);
    const { args, comment } = labelArguments(expandTemplate(labels[key]!, ctx));
    if (comment) commented.push(source);
    target.keys.push(...args);
  }
  return root;
}

/**
 * The top-level blocks of blocksFromLabels by the root label that opened each (`caddy`, `caddy_1`):
 * every label of a root lands in that root's block, so any of its sources names the root.
 */
export function blocksByRoot(blocks: readonly Block[]): Map<string, Block> {
  const byRoot = new Map<string, Block>();
  for (const b of blocks) {
    const root = caddyLabelRoot(b.sources[0]?.label ?? "");
    if (root !== undefined) byRoot.set(root, b);
  }
  return byRoot;
}
