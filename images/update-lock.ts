import { type ImageLock, readImageLock, writeImageLock } from "./image-lock";
import { taggedName } from "./image-ref";
import { type ResolveOptions, resolveDigest } from "./registry-client";

/**
 * `npm run images`: what the registries serve now for the tags the lab deploys
 * (evaluation/lab-images.ts lists them), and the lock rewritten whole from that, or compared with it.
 */

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
