import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/**
 * Writes files whole: each text goes to a temporary name beside its target, and only when every
 * one is written are they renamed over their targets. A reader (a workflow posting a report,
 * Renovate reading the lock) never sees half a file, and a write that fails (a full disk, a path
 * that is not a folder) leaves the old files as they were and no temporaries. Folders are created
 * as needed. Returns the paths written, in the order given.
 */
export function writeWholeFiles(files: Readonly<Record<string, string>>): string[] {
  const staged: [temporary: string, target: string][] = [];
  try {
    for (const [target, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
      const temporary = `${target}.${process.pid}.partial`;
      staged.push([temporary, target]);
      writeFileSync(temporary, text);
    }
    for (const [temporary, target] of staged) renameSync(temporary, target);
  } catch (error) {
    for (const [temporary] of staged) rmSync(temporary, { force: true });
    throw error;
  }
  return staged.map(([, target]) => target);
}

/** One file, written whole (see `writeWholeFiles`). */
export function writeWholeFile(file: string, text: string): void {
  writeWholeFiles({ [file]: text });
}
