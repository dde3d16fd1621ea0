import { type Block, CaddyfileSyntaxError, type LabelSource, cloneBlocks, marshal, mergeBlocks, parseCaddyfile, sortBlocks } from "./caddyfile";
import { blocksFromLabels } from "./from-labels";
import { TemplateError } from "./template";

/**
 * The whole Caddyfile caddy-docker-proxy builds from every service's labels
 * (generator/generator.go): each service's blocks are merged into one tree, the global options
 * block is written first, and then (with its default `process-caddyfile`) the text is read back
 * and handed to Caddy block by block; a block Caddy cannot adapt is dropped and logged, and the
 * rest is served. That is the failure mode this module exists to expose.
 */

export interface ServiceCaddyLabels {
  /** Names the service in messages (`<stack>/<service>`). */
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The service's task addresses on the ingress network, which `{{upstreams}}` expands to. */
  readonly upstreams: readonly string[];
}

export interface GeneratedCaddyfile {
  /** The merged tree, sorted as written, each block with the labels it came from. */
  readonly blocks: Block[];
  readonly text: string;
  /** Services whose Caddy labels caddy-docker-proxy skips whole (a template error), with the error. */
  readonly skipped: readonly { readonly service: string; readonly error: string }[];
  /** Labels whose value lost text to a `#`, which the label lexer reads as a comment. */
  readonly commented: readonly LabelSource[];
}

/**
 * The Caddyfile caddy-docker-proxy builds from these services' labels, merged as it merges them,
 * with the services whose labels it would skip and why.
 */
export function generateCaddyfile(services: readonly ServiceCaddyLabels[]): GeneratedCaddyfile {
  const blocks: Block[] = [];
  const skipped: { service: string; error: string }[] = [];
  const commented: LabelSource[] = [];
  for (const service of services) {
    try {
      mergeBlocks(blocks, blocksFromLabels(service.service, service.labels, { upstreams: service.upstreams }, commented));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      skipped.push({ service: service.service, error: error.message });
    }
  }
  // Global blocks are written first, then the rest; Marshal's own sort puts them first as well.
  const text = marshal(blocks);
  return { blocks, text, skipped, commented };
}

/**
 * What Caddy (or this program's model of it) says about a Caddyfile: undefined when it adapts.
 * `at` is the block that causes the refusal and `other` a block it conflicts with, when known.
 */
export type Judge = (blocks: readonly Block[]) => { readonly message: string; readonly at?: Block; readonly other?: Block } | undefined;

export interface Dropped {
  readonly block: Block;
  readonly message: string;
  /** The block inside it that caused the error, when the judge can tell. */
  readonly at?: Block;
  /** An accepted block it conflicts with (the same address). */
  readonly other?: Block;
}

export interface ProcessedCaddyfile {
  readonly kept: Block[];
  readonly dropped: readonly Dropped[];
  readonly text: string;
  /** The text could not be read at all (unbalanced braces): caddy-docker-proxy then serves nothing. */
  readonly invalid?: string;
}

/**
 * caddy-docker-proxy's Process: with the blocks sorted, each is added to what was accepted so far
 * and the whole adapted again; if that fails, the block is removed and the next one tried.
 */
export function processBlocks(input: readonly Block[], judge: Judge): ProcessedCaddyfile {
  const sorted = cloneBlocks(input);
  sortBlocks(sorted);
  const kept: Block[] = [];
  const dropped: Dropped[] = [];
  for (const candidate of sorted) {
    kept.push(candidate);
    const verdict = judge(kept);
    if (verdict !== undefined) {
      kept.pop();
      dropped.push({ block: candidate, message: verdict.message, ...(verdict.at ? { at: verdict.at } : {}), ...(verdict.other ? { other: verdict.other } : {}) });
    }
  }
  return { kept, dropped, text: marshal(cloneBlocks(kept)) };
}

/** The same, starting from text (an empty text stays empty, as in caddy-docker-proxy). */
export function processCaddyfile(text: string, judge: Judge): ProcessedCaddyfile {
  if (text.length === 0) return { kept: [], dropped: [], text };
  let blocks: Block[];
  try {
    blocks = parseCaddyfile(text);
  } catch (error) {
    if (error instanceof CaddyfileSyntaxError) return { kept: [], dropped: [], text: "", invalid: error.message };
    throw error;
  }
  return processBlocks(blocks, judge);
}

