import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/**
 * Headless Chromium from Debian (`chromium`, installed by scripts/install-test-tools.sh), driven
 * by playwright-core, which downloads no browser of its own. Each start gets a new, empty profile
 * directory, removed on close, and the browser may load local files only: any other request is
 * refused and remembered, so a test can fail on it. Playwright started the process and stops it
 * by its own handle.
 */

/** The Debian package's program; `chromium` on the PATH. */
export const CHROMIUM = "chromium";

/** No sandbox (the tests run as root), no GPU, and nothing that phones home: sync, updates, QUIC. */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface Chromium {
  readonly context: BrowserContext;
  /** Requests that were refused because they left the machine's files (should stay empty). */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

/** Starts Chromium on a new empty profile; `viewport` is the page's size in CSS pixels. */
export async function startChromium(viewport: { width: number; height: number }): Promise<Chromium> {
  const profile = mkdtempSync(path.join(tmpdir(), "homelab-chromium-"));
  const refused: string[] = [];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: whichChromium(),
      headless: true,
      args: FLAGS,
      viewport,
      deviceScaleFactor: 1,
      offline: true,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file://") || url.startsWith("data:")) return route.continue();
    refused.push(url);
    return route.abort("blockedbyclient");
  });
  return {
    context,
    refused,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** The absolute path of `chromium` on the PATH (playwright-core wants one). */
function whichChromium(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, CHROMIUM);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${CHROMIUM} is not on the PATH (bash scripts/install-test-tools.sh, as root)`);
}
