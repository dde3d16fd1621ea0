"use strict";
/**
 * Pulumi's entry point (Pulumi.yaml `main`). The compiled program in dist/ is the fastest to
 * evaluate (see BENCHMARKS.md), so it runs whenever it was built (`npm run build`) from exactly
 * the sources beside it. Otherwise the TypeScript is compiled on the fly (transpile-only): a
 * stale build can never be what gets deployed. Type checking is CI's job (`npm test`).
 */
const path = require("node:path");
const { entryFor } = require("./scripts/source-hash.js");

if (entryFor(__dirname) === "dist") {
  module.exports = require("./dist/index.js");
} else {
  require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
  module.exports = require("./index.ts");
}
