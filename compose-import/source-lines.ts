import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/**
 * Where a key of the merged compose model was written. `docker stack config` prints the model
 * `docker stack deploy` deploys (files merged, variables interpolated, anchors and `<<` merges
 * resolved) but no positions; the original files, parsed with their source ranges, give them back.
 * Later files override earlier ones, so the last file that writes the deepest part of a path wins.
 */

export interface SourceFile {
  /** As the user named it (shown in the report). */
  readonly name: string;
  readonly text: string;
}

export interface Location {
  readonly file: string;
  readonly line: number;
}

export type PathSegment = string | number;

interface ParsedFile {
  readonly name: string;
  readonly document: Document;
  readonly lines: LineCounter;
}

/** `<<`, which the parser gives as a symbol when it resolves merges. */
const isMergeKey = (value: unknown): boolean => value === "<<" || (typeof value === "symbol" && value.description === "<<");

/** A YAML node's child at one segment, through aliases and `<<` merge keys. */
function child(document: Document, node: unknown, segment: PathSegment): Node | undefined {
  const resolved = isAlias(node) ? node.resolve(document) : node;
  if (isSeq(resolved)) return typeof segment === "number" ? (resolved.items[segment] as Node | undefined) : undefined;
  if (!isMap(resolved)) return undefined;
  for (const pair of resolved.items) {
    if (isScalar(pair.key) && String(pair.key.value) === String(segment)) return (pair.value as Node | null) ?? (pair.key as Node);
  }
  // Merge keys come last: a key written in the map itself wins over a merged one.
  for (const pair of resolved.items) {
    if (!isScalar(pair.key) || !isMergeKey(pair.key.value)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = child(document, source, segment);
      if (found) return found;
    }
  }
  return undefined;
}

/** The key's own line where the node is a map value (what a reader looks for), else the node's. */
function lineOf(file: ParsedFile, path: readonly PathSegment[]): { depth: number; line: number } {
  let node: unknown = file.document.contents;
  let line = 1;
  let depth = 0;
  for (const segment of path) {
    const parent = isAlias(node) ? node.resolve(file.document) : node;
    const next = child(file.document, node, segment);
    if (!next) break;
    const keyNode = isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment))?.key : undefined;
    const range = (keyNode as Node | undefined)?.range ?? next.range;
    if (range) line = file.lines.linePos(range[0]).line;
    node = next;
    depth += 1;
  }
  return { depth, line };
}

export interface SourceLines {
  /** The file and line that wrote `path` (or its deepest written parent). */
  locate(path: readonly PathSegment[]): Location;
}

export function sourceLines(files: readonly SourceFile[]): SourceLines {
  const parsed: ParsedFile[] = files.map((file) => {
    const lines = new LineCounter();
    return { name: file.name, document: parseDocument(file.text, { lineCounter: lines, merge: true, uniqueKeys: false }), lines };
  });
  return {
    locate(path) {
      let best: (Location & { depth: number }) | undefined;
      for (const file of parsed) {
        const { depth, line } = lineOf(file, path);
        // `>=`: a later file writing the same depth overrides the earlier one.
        if (depth > 0 && (best === undefined || depth >= best.depth)) best = { file: file.name, line, depth };
      }
      return best ? { file: best.file, line: best.line } : { file: parsed[0]?.name ?? "(none)", line: 1 };
    },
  };
}
