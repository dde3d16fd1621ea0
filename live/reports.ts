import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { unwritableDir, writeErrorText as reason, writeWholeFiles } from "../lib/whole-files";

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

/** Proves that reports can be written in `outDir` before anything is scanned (see `unwritableDir`). */
export function checkReportDir(outDir: string, option = "--out-dir"): void {
  const why = unwritableDir(outDir);
  if (why !== undefined) throw new ReportDirError(`${option} ${outDir}: cannot write reports there (${why}); nothing was scanned`);
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
