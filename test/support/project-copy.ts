import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../lib/project-dir";

/**
 * What a fresh clone of this working tree has: its tracked and new files, nothing ignored, and
 * never node_modules: where it is a link (a git worktree using another checkout's), git lists it
 * as a new file, since `node_modules/` in .gitignore ignores directories only.
 */
export function projectFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: PROJECT_DIR, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "" && file !== "node_modules");
}

/** Copies those files to `to` (node_modules is the caller's: link it, never copy it). */
export function copyProject(to: string): void {
  for (const file of projectFiles()) {
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    try {
      copyFileSync(path.join(PROJECT_DIR, file), path.join(to, file));
    } catch (error) {
      // A tracked file deleted in the working tree is not part of it.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}
