import { readdirSync } from "node:fs";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { EMPTY_LOCK, type ImageLock, readImageLock, writeImageLock } from "./image-lock";
import { taggedName } from "./image-ref";
import { PROJECT_DIR } from "../lib/project-dir";
import { readStackConfig } from "../config/stack-file";
import { type ResolveOptions, resolveDigest } from "./registry-client";

/**
 * `npm run images`: which tags the lab deploys, what the registries serve for them now, and the
 * lock rewritten whole from that, or compared with it.
 */

/** A tag the lab deploys without a digest of its own, and the services that use it. */
export interface LabImage {
  readonly reference: string;
  readonly usedBy: readonly string[];
}

/** The stacks of the program, from the `Pulumi.<stack>.yaml` files beside it. */
export function stackNames(projectDir: string = PROJECT_DIR): string[] {
  return readdirSync(projectDir)
    .flatMap((file) => /^Pulumi\.([\w-]+)\.yaml$/.exec(file)?.[1] ?? [])
    .sort();
}

/**
 * Every tag-only image any stack of the program deploys (its per-service `image` overrides
 * included), except services declared `unpinned`. Read from the stack files alone: no secret,
 * no registry.
 */
export function labImages(stacks: readonly string[] = stackNames(), definitions: readonly StackDefinition[] = STACKS): LabImage[] {
  const usedBy = new Map<string, { reference: string; services: Set<string> }>();
  for (const stack of stacks) {
    // Which images a stack uses does not depend on its credentials. Against an empty lock, the
    // lab's own rule lists every image that needs a digest from it.
    const lab = evaluateLab(parseConfig(readStackConfig(stack), { purpose: "evaluate" }).homelab, definitions, undefined, { lock: EMPTY_LOCK });
    for (const { service, image } of lab.unlockedImages) {
      const key = taggedName(image);
      const entry = usedBy.get(key) ?? { reference: key, services: new Set<string>() };
      entry.services.add(service);
      usedBy.set(key, entry);
    }
  }
  return [...usedBy.values()].map((entry) => ({ reference: entry.reference, usedBy: [...entry.services].sort() })).sort((a, b) => a.reference.localeCompare(b.reference));
}

export interface LockChange {
  readonly reference: string;
  readonly kind: "added" | "changed" | "removed";
  readonly from?: string;
  readonly to?: string;
}

export interface LockRun {
  /** The lock the registries serve now (only complete when `failures` is empty). */
  readonly lock: ImageLock;
  readonly changes: readonly LockChange[];
  readonly failures: readonly { reference: string; message: string }[];
}

/** Resolves every image (a few at a time), reporting each on `progress`, and compares with `current`. */
export async function resolveLock(images: readonly string[], current: ImageLock, options: ResolveOptions & { progress?: (line: string) => void; concurrency?: number } = {}): Promise<LockRun> {
  const progress = options.progress ?? (() => undefined);
  const resolved = new Map<string, string>();
  const failures: { reference: string; message: string }[] = [];
  const queue = [...new Set(images.map((image) => taggedName(image)))].sort();
  const worker = async () => {
    for (let reference = queue.shift(); reference !== undefined; reference = queue.shift()) {
      try {
        const digest = await resolveDigest(reference, options);
        resolved.set(reference, digest);
        const before = current.images.get(reference);
        progress(`${reference}: ${digest}${before === undefined ? " (new)" : before === digest ? "" : ` (was ${before})`}`);
      } catch (error) {
        failures.push({ reference, message: (error as Error).message });
        progress(`failed: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));

  const lock: ImageLock = { images: new Map([...resolved].sort(([a], [b]) => a.localeCompare(b))) };
  const changes: LockChange[] = [];
  for (const [reference, digest] of lock.images) {
    const before = current.images.get(reference);
    if (before === undefined) changes.push({ reference, kind: "added", to: digest });
    else if (before !== digest) changes.push({ reference, kind: "changed", from: before, to: digest });
  }
  const wanted = new Set(images.map((image) => taggedName(image)));
  for (const [reference, digest] of current.images) if (!wanted.has(reference)) changes.push({ reference, kind: "removed", from: digest });
  return { lock, changes: changes.sort((a, b) => a.reference.localeCompare(b.reference)), failures: failures.sort((a, b) => a.reference.localeCompare(b.reference)) };
}

/** `--update`: the lock rewritten from the registries, or, if any image failed, left exactly as it was. */
export async function updateLockFile(images: readonly string[], file: string, options: Parameters<typeof resolveLock>[2] = {}): Promise<LockRun & { written: boolean }> {
  const run = await resolveLock(images, readImageLock(file), options);
  if (run.failures.length > 0) return { ...run, written: false };
  writeImageLock(run.lock, file);
  return { ...run, written: true };
}
