import { mkdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/** A write error in one short phrase: its code and what it says, without the path repeated. */
export function writeErrorText(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "")}` : String(err.message ?? error);
}

/**
 * Why files cannot be written in `dir`, or undefined when they can: proven by making the folder if
 * missing and writing a probe file, then leaving the file system as it was (the probe and every
 * folder made for it removed). Commands ask this before their slow work, so a wrong output path
 * costs a second, not a scan or an evaluation.
 */
export function unwritableDir(dir: string): string | undefined {
  const absolute = path.resolve(dir);
  const created: string[] = [];
  for (let at = absolute; ; at = path.dirname(at)) {
    if (pathExists(at) || at === path.dirname(at)) break;
    created.unshift(at);
  }
  const probe = path.join(absolute, `.write-test-${process.pid}`);
  try {
    for (const folder of created) mkdirSync(folder);
    if (!statSync(absolute).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    writeFileSync(probe, "");
    return undefined;
  } catch (error) {
    return writeErrorText(error);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // never written: the path was not a directory
    }
    for (const folder of created.reverse()) tryRemoveDir(folder);
  }
}

function pathExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    // ENOTDIR (a file on the way) and EACCES are for the probe to report.
    return true;
  }
}

function tryRemoveDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty any more (someone else writes there): leave it
  }
}
