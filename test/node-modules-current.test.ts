import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** scripts/node-modules-current.js: whether scripts/test-all.sh may skip `npm ci`. */

const SCRIPT = path.resolve(__dirname, "..", "scripts", "node-modules-current.js");
const LOCK = {
  "": { name: "homelab-swarm" },
  "node_modules/zod": { version: "4.6.7", integrity: "sha512-zod" },
  "node_modules/yaml": { version: "2.9.1", integrity: "sha512-yaml" },
  "node_modules/@esbuild/darwin-arm64": { version: "0.25.0", integrity: "sha512-mac", optional: true },
};
const INSTALLED = { "node_modules/zod": LOCK["node_modules/zod"], "node_modules/yaml": LOCK["node_modules/yaml"] };

function project(installed: Record<string, unknown> | undefined, lock: Record<string, unknown> | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-modules-"));
  if (lock) writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: lock }));
  if (installed) {
    mkdirSync(path.join(dir, "node_modules"));
    writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: installed }));
  }
  return dir;
}
const status = (dir: string) => spawnSync(process.execPath, [SCRIPT, dir]).status;

test.each<[string, Record<string, unknown> | undefined, Record<string, unknown> | undefined, number]>([
  ["exactly what the lock pins (another platform's optional binary absent): current", INSTALLED, LOCK, 0],
  ["no node_modules: install", undefined, LOCK, 1],
  ["no lock file: install", INSTALLED, undefined, 1],
  ["a package at another version: install", { ...INSTALLED, "node_modules/zod": { version: "4.6.6", integrity: "sha512-zod" } }, LOCK, 1],
  ["a package with another integrity: install", { ...INSTALLED, "node_modules/yaml": { version: "2.9.1", integrity: "sha512-other" } }, LOCK, 1],
  ["a package the lock lacks: install", { ...INSTALLED, "node_modules/left-pad": { version: "1.3.0" } }, LOCK, 1],
  ["a package missing: install", { "node_modules/zod": LOCK["node_modules/zod"] }, LOCK, 1],
])("%s", (_title, installed, lock, expected) => {
  expect(status(project(installed, lock))).toBe(expected);
});
