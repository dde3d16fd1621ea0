"use strict";
/**
 * `npm run build`, last step: serialize the compiled UniFi provider once and cache the code next to
 * it (see providers/unifi/record.ts), so a run does not pay for it again.
 */
const path = require("node:path");
const { writeProviderCodeCache } = require(path.join(__dirname, "..", "dist", "providers", "unifi", "record.js"));

writeProviderCodeCache().then(
  (file) => process.stdout.write(`cached the UniFi provider's code: ${path.relative(process.cwd(), file)}\n`),
  (error) => {
    process.stderr.write(`cache-provider-code: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
