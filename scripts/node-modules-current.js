"use strict";
/**
 * Exit 0 when node_modules already holds exactly what package-lock.json pins, so that
 * scripts/test-all.sh need not reinstall it; 1 otherwise (no node_modules, no lock, any package
 * added, removed, or at another version or integrity). It compares the lock with the record npm
 * itself writes of what it installed (node_modules/.package-lock.json, npm 7 and later), as npm
 * does; packages the lock marks optional may be absent (another platform's binaries).
 */
const { existsSync, readFileSync } = require("node:fs");
const path = require("node:path");

const root = path.resolve(process.argv[2] ?? path.join(__dirname, ".."));
const read = (file) => JSON.parse(readFileSync(path.join(root, file), "utf8")).packages ?? {};

function current() {
  if (!existsSync(path.join(root, "package-lock.json")) || !existsSync(path.join(root, "node_modules", ".package-lock.json"))) return false;
  const locked = read("package-lock.json");
  const installed = read(path.join("node_modules", ".package-lock.json"));
  for (const [key, entry] of Object.entries(locked)) {
    if (key === "" || entry.link) continue;
    const found = installed[key];
    if (!found) {
      if (entry.optional) continue;
      return false;
    }
    if (found.version !== entry.version || (entry.integrity && found.integrity !== entry.integrity)) return false;
  }
  return Object.keys(installed).every((key) => key in locked);
}

process.exit(current() ? 0 : 1);
