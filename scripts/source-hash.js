"use strict";
/**
 * A digest of the program's TypeScript sources and compiler settings. `npm run build` stamps it
 * into dist/, and main.js runs dist/ only when the stamp matches the sources it sits beside.
 * Plain JavaScript: main.js needs it before any TypeScript can be loaded.
 */
const { createHash } = require("node:crypto");
const { readdirSync, readFileSync, statSync } = require("node:fs");
const path = require("node:path");

/** What the compiled program is built from (tsconfig.build.json's inputs, and the configs). */
const ROOTS = ["index.ts", "program.ts", "config", "components", "lab", "lib", "images", "caddy", "forward-auth", "evaluation", "offline", "providers", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

function filesUnder(projectDir, relative) {
  const full = path.join(projectDir, relative);
  let stats;
  try {
    stats = statSync(full);
  } catch {
    return [];
  }
  if (stats.isFile()) return [relative];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => filesUnder(projectDir, path.join(relative, entry)))
    .filter((file) => /\.(ts|json)$/.test(file));
}

function sourceHash(projectDir) {
  const hash = createHash("sha256");
  for (const file of ROOTS.flatMap((root) => filesUnder(projectDir, root))) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(projectDir, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

const STAMP = path.join("dist", ".source-hash");

/** "dist" when dist/ was built from exactly these sources, else "typescript". */
function entryFor(projectDir) {
  let stamp;
  try {
    stamp = readFileSync(path.join(projectDir, STAMP), "utf8").trim();
  } catch {
    return "typescript";
  }
  return stamp === sourceHash(projectDir) ? "dist" : "typescript";
}

module.exports = { sourceHash, entryFor, STAMP, ROOTS };

// `node scripts/source-hash.js --stamp`: written by `npm run build` after tsc.
if (require.main === module && process.argv.includes("--stamp")) {
  const projectDir = path.resolve(__dirname, "..");
  require("node:fs").writeFileSync(path.join(projectDir, STAMP), `${sourceHash(projectDir)}\n`);
}
