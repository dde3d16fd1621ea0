import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./project-dir";

/** Files shipped with the lab declaration (configs and secret templates) live in `lab/files/`. */
export const LAB_FILES_DIR = path.join(PROJECT_DIR, "lab", "files");

export function labFilePath(file: string): string {
  const resolved = path.resolve(LAB_FILES_DIR, file);
  if (!resolved.startsWith(LAB_FILES_DIR + path.sep)) throw new Error(`"${file}" is outside lab/files/`);
  return resolved;
}

export function labFileExists(file: string): boolean {
  try {
    return existsSync(labFilePath(file));
  } catch {
    return false;
  }
}

export function readLabFile(file: string): string {
  return readFileSync(labFilePath(file), "utf8");
}
