import { existsSync } from "node:fs";
import * as path from "node:path";

/**
 * The project's root: the nearest directory above this module that holds Pulumi.yaml. Found
 * rather than assumed, so the same code works from the sources and compiled into dist/.
 */
function findProjectDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${start}`);
  }
}

export const PROJECT_DIR = findProjectDir(__dirname);
