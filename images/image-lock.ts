import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { DIGEST, parseImageReference, pinnedReference, taggedName } from "./image-ref";
import { PROJECT_DIR } from "../lib/project-dir";
import { writeWholeFile } from "../lib/whole-files";

/**
 * The image lock: beside the lab, one line per image the lab deploys by tag, mapping `name:tag`
 * to the digest the registry served for it when `npm run images -- --update` last ran. The
 * program deploys `name:tag@digest` from it, so what runs is what was reviewed, the engine has
 * nothing to pin on create (no one-time diff), and an update is a diff of this file.
 *
 * The format is plain JSON with one entry per line, so a Renovate regex manager can read and
 * rewrite a digest in place (renovate.json).
 */
export interface ImageLock {
  /** `name:tag` (see `taggedName`) → `sha256:<64 hex>`. */
  readonly images: ReadonlyMap<string, string>;
}

export const LOCK_FILE = "lab/images.lock.json";
export const LOCK_VERSION = 1;
/** What to run when the lock lacks or misses an image; every message that asks for it says this. */
export const UPDATE_COMMAND = "npm run images -- --update";

export const EMPTY_LOCK: ImageLock = { images: new Map() };

/** Parses a lock's text; every problem names the entry and what was expected. */
export function parseImageLock(text: string, where = LOCK_FILE): ImageLock {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message}); regenerate it with \`${UPDATE_COMMAND}\``);
  }
  const { version, images } = (document ?? {}) as { version?: unknown; images?: unknown };
  if (version !== LOCK_VERSION) throw new Error(`${where}: version: expected ${LOCK_VERSION}, got ${JSON.stringify(version)}`);
  if (typeof images !== "object" || images === null || Array.isArray(images)) throw new Error(`${where}: images: expected an object of "name:tag": "sha256:..." entries`);
  const problems: string[] = [];
  const entries = new Map<string, string>();
  for (const [key, digest] of Object.entries(images)) {
    let canonical: string | undefined;
    try {
      const image = parseImageReference(key);
      canonical = image.digest === undefined ? taggedName(key) : undefined;
    } catch {
      canonical = undefined;
    }
    if (canonical !== key) problems.push(`${where}: images["${key}"]: expected a key of the form name:tag as Docker prints it${canonical ? ` ("${canonical}")` : ""}`);
    else if (typeof digest !== "string" || !DIGEST.test(digest)) problems.push(`${where}: images["${key}"]: expected a digest sha256:<64 hex>, got ${JSON.stringify(digest)}`);
    else entries.set(key, digest);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { images: entries };
}

/** The lock's text: sorted, one entry per line, a trailing newline (stable diffs). */
export function serializeImageLock(lock: ImageLock): string {
  const keys = [...lock.images.keys()].sort();
  const lines = keys.map((key, index) => `    ${JSON.stringify(key)}: ${JSON.stringify(lock.images.get(key))}${index < keys.length - 1 ? "," : ""}`);
  return `{\n  "version": ${LOCK_VERSION},\n  "images": {${lines.length > 0 ? `\n${lines.join("\n")}\n  ` : ""}}\n}\n`;
}

/** The image lock of the project in `projectDir`. */
export function lockPath(projectDir: string = PROJECT_DIR): string {
  return path.join(projectDir, LOCK_FILE);
}

/** The committed lock; a missing file is an empty lock (every tag-only image is then unlocked). */
export function readImageLock(file: string = lockPath()): ImageLock {
  return existsSync(file) ? parseImageLock(readFileSync(file, "utf8"), path.relative(PROJECT_DIR, file) || file) : EMPTY_LOCK;
}

/** Writes the whole lock at once (a temporary file renamed over it): never half a lock. */
export function writeImageLock(lock: ImageLock, file: string = lockPath()): void {
  writeWholeFile(file, serializeImageLock(lock));
}

export type ImagePin =
  /** The reference carries its own digest: deployed as written. */
  | { readonly kind: "digest-in-reference"; readonly image: string }
  | { readonly kind: "locked"; readonly image: string; readonly digest: string }
  /** Not in the lock: deployed by tag only if the service says so (`unpinned`), else refused. */
  | { readonly kind: "unlocked"; readonly image: string };

/** What the program deploys for a declared image reference. */
export function pinImage(reference: string, lock: ImageLock): ImagePin {
  const image = parseImageReference(reference);
  if (image.digest !== undefined) return { kind: "digest-in-reference", image: reference };
  const digest = lock.images.get(taggedName(reference));
  return digest === undefined ? { kind: "unlocked", image: reference } : { kind: "locked", image: pinnedReference(reference, digest), digest };
}
