import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { writeWholeFiles } from "../lib/whole-files";

/**
 * Where the review commands write their reports. The directory is tried before anything slow
 * happens, so a wrong `--out-dir` costs a second, not a scan; and a scan's result is never thrown
 * away because writing failed anyway at the end: it goes to a fresh temporary directory instead,
 * and the error says where.
 */

export class ReportDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportDirError";
  }
}

const reason = (error: unknown) => {
  const err = error as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "")}` : String(err.message ?? error);
};

/**
 * Proves that files can be written in `outDir` (created if missing) by writing one, then leaves
 * the file system as it was: the probe and any directory made for it are removed again.
 */
export function checkReportDir(outDir: string, option = "--out-dir"): void {
  const absolute = path.resolve(outDir);
  const created: string[] = [];
  for (let dir = absolute; ; dir = path.dirname(dir)) {
    if (pathExists(dir) || dir === path.dirname(dir)) break;
    created.unshift(dir);
  }
  const probe = path.join(absolute, `.write-test-${process.pid}`);
  try {
    for (const dir of created) mkdirSync(dir);
    if (!statSync(absolute).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    writeFileSync(probe, "");
  } catch (error) {
    throw new ReportDirError(`${option} ${outDir}: cannot write reports there (${reason(error)}); nothing was scanned`);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // never written: the path was not a directory
    }
    for (const dir of created.reverse()) tryRemoveDir(dir);
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

/** The reports, by file name, written into `outDir` all or none. */
function writeAllOrNone(files: Readonly<Record<string, string>>, outDir: string): string[] {
  return writeWholeFiles(Object.fromEntries(Object.entries(files).map(([name, text]) => [path.join(outDir, name), text])));
}

/**
 * Writes the reports to `outDir`; if that fails now (the directory went away, the disk filled),
 * writes them to a new temporary directory and throws an error that names both. `render` makes
 * the files for a directory (a report may name its sibling files by path).
 */
export function writeReports(outDir: string, command: string, render: (dir: string) => Readonly<Record<string, string>>): string[] {
  try {
    return writeAllOrNone(render(outDir), outDir);
  } catch (error) {
    let rescued: string;
    try {
      rescued = mkdtempSync(path.join(tmpdir(), `homelab-${command}-`));
      writeAllOrNone(render(rescued), rescued);
    } catch (second) {
      throw new ReportDirError(`cannot write the reports to ${outDir} (${reason(error)}), nor to a temporary directory (${reason(second)})`);
    }
    throw new ReportDirError(`cannot write the reports to ${outDir} (${reason(error)}); the scan's reports are in ${rescued} instead`);
  }
}
