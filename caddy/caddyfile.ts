import { tokenize } from "./lexer";

/**
 * The Caddyfile as caddy-docker-proxy holds it (caddyfile/caddyfile.go): a tree of blocks, each a
 * list of keys (`reverse_proxy /api backend:80`) with optional children. A block with no keys is
 * the global options block, `(name)` a snippet, `@name` a matcher; everything else is a site at
 * the top level and a directive or subdirective below it. This module reads and writes that tree
 * exactly as caddy-docker-proxy does (Unmarshal, Marshal with its sort order, Merge), so that what
 * the tests hand to Caddy is what caddy-docker-proxy would hand it.
 */

/** The service and label that produced a block, for messages that name the label to fix. */
export interface LabelSource {
  readonly service: string;
  /** The label key, e.g. `caddy_1.route.1_reverse_proxy`. */
  readonly label: string;
}

export interface Block {
  keys: string[];
  children: Block[];
  /** The `N_` order prefix of its label, or the position it was read at; unordered blocks sort last. */
  order: number;
  sources: LabelSource[];
}

/** Go's math.MaxInt32, the order of a label without an `N_` prefix. */
export const UNORDERED = 2147483647;

/** A new block with these keys, sort order and the labels it came from, with no children yet. */
export function block(keys: string[] = [], order = UNORDERED, sources: LabelSource[] = []): Block {
  return { keys, children: [], order, sources };
}

export const isGlobal = (b: Block): boolean => b.keys.length === 0;
export const isSnippet = (b: Block): boolean => b.keys.length === 1 && b.keys[0]!.startsWith("(") && b.keys[0]!.endsWith(")");
export const isMatcher = (b: Block): boolean => b.keys.length > 0 && b.keys[0]!.startsWith("@");

/** caddy-docker-proxy's order: global options, snippets, matchers, then by `N_`, keys, children. */
export function compareBlocks(a: Block, b: Block): number {
  for (const kind of [isGlobal, isSnippet, isMatcher]) {
    if (kind(a) !== kind(b)) return kind(a) ? -1 : 1;
  }
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  for (let i = 0; i < Math.min(a.keys.length, b.keys.length); i++) {
    // Go compares strings byte-wise; so does `<` on JavaScript strings for the ASCII labels use.
    if (a.keys[i] !== b.keys[i]) return a.keys[i]! < b.keys[i]! ? -1 : 1;
  }
  if (a.keys.length !== b.keys.length) return a.keys.length < b.keys.length ? -1 : 1;
  for (let i = 0; i < Math.min(a.children.length, b.children.length); i++) {
    const inner = compareBlocks(a.children[i]!, b.children[i]!);
    if (inner !== 0) return inner;
  }
  if (a.children.length !== b.children.length) return a.children.length < b.children.length ? -1 : 1;
  return 0;
}

/** Sorts children first, then the list itself (stable, as Go's sort.SliceStable). */
export function sortBlocks(blocks: Block[]): void {
  for (const child of blocks) sortBlocks(child.children);
  blocks.sort(compareBlocks);
}

/** One key as Marshal writes it. */
export function writeKey(key: string): string {
  // Marshal's quoting: backticks for a line break or a quote, double quotes for a space only.
  if (/[\n"]/.test(key)) return `\`${key.replace(/`/g, "\\`")}\``;
  if (key.includes(" ")) return `"${key.replace(/"/g, '\\"')}"`;
  return key;
}

function write(blocks: readonly Block[], level: number, out: string[]): void {
  for (const b of blocks) {
    let line = "\t".repeat(level) + b.keys.map(writeKey).join(" ");
    if (b.children.length > 0) {
      line += `${b.keys.length > 0 ? " " : ""}{\n`;
      out.push(line);
      write(b.children, level + 1, out);
      out.push(`${"\t".repeat(level)}}\n`);
    } else {
      out.push(`${line}\n`);
    }
  }
}

/** The Caddyfile text of a list of blocks, sorted in place first as Marshal does. */
export function marshal(blocks: Block[]): string {
  sortBlocks(blocks);
  const out: string[] = [];
  write(blocks, 0, out);
  return out.join("");
}

export class CaddyfileSyntaxError extends Error {}

/**
 * Reads a Caddyfile into blocks (Unmarshal): every line starts a block, `{` opens its children,
 * `}` closes them. A block's order is its position, so a later sort keeps the written order.
 */
export function parseCaddyfile(text: string): Block[] {
  const root: Block[] = [];
  const stack: Block[][] = [root];
  let newBlock = true;
  let tokenLine = -1;
  let current: Block | undefined;
  for (const token of tokenize(text)) {
    if (token.line !== tokenLine) {
      if (tokenLine !== -1) newBlock = true;
      tokenLine = token.line;
    }
    if (token.text === "}") {
      if (stack.length === 1) throw new CaddyfileSyntaxError(`Unexpected token '}' at line ${token.line}`);
      stack.pop();
      continue;
    }
    if (newBlock) {
      const parent = stack[stack.length - 1]!;
      current = block([], parent.length);
      parent.push(current);
      newBlock = false;
    }
    if (token.text === "{") {
      stack.push(current!.children);
    } else {
      current!.keys.push(token.text);
      // A token spanning lines (a backtick string) ends on a later line, which is still its block.
      tokenLine += (token.text.match(/\n/g) ?? []).length;
    }
  }
  return root;
}

const isMatcherToken = (value: string): boolean => value === "*" || value.startsWith("/") || value.startsWith("@");

/** `reverse_proxy`'s matcher argument, `*` when it has none. */
function matcherOf(b: Block): string {
  return b.keys.length > 1 && isMatcherToken(b.keys[1]!) ? b.keys[1]! : "*";
}

const sameKeys = (a: Block, b: Block): boolean => a.keys.length === b.keys.length && a.keys.every((key, i) => key === b.keys[i]);

/**
 * Merges `incoming` into `into` (Merge): a block with the same keys merges its children, so two
 * services naming the same site build one site; a `reverse_proxy` or `php_fastcgi` with the same
 * matcher gains the other's upstreams; anything else is appended.
 */
export function mergeBlocks(into: Block[], incoming: readonly Block[]): void {
  outer: for (const b of incoming) {
    const first = b.keys[0] ?? "";
    for (const a of into.filter((candidate) => (candidate.keys[0] ?? "") === first)) {
      if ((first === "reverse_proxy" || first === "php_fastcgi") && matcherOf(a) === matcherOf(b)) {
        b.keys.slice(1).forEach((key, index) => {
          if (index > 0 || !isMatcherToken(key)) a.keys.push(key);
        });
        a.sources.push(...b.sources);
        mergeBlocks(a.children, b.children);
        continue outer;
      }
      if (sameKeys(a, b)) {
        a.sources.push(...b.sources);
        mergeBlocks(a.children, b.children);
        continue outer;
      }
    }
    into.push(b);
  }
}

/** A deep copy, so that sorting or merging one tree never changes another. */
export function cloneBlocks(blocks: readonly Block[]): Block[] {
  return blocks.map((b) => ({ keys: [...b.keys], children: cloneBlocks(b.children), order: b.order, sources: [...b.sources] }));
}
