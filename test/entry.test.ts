import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** main.js runs dist/ only when it was built from exactly the sources beside it. */
const { entryFor, sourceHash, STAMP } = require("../scripts/source-hash.js") as {
  entryFor(dir: string): "dist" | "typescript";
  sourceHash(dir: string): string;
  STAMP: string;
};

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-entry-"));
  mkdirSync(path.join(dir, "lib"));
  mkdirSync(path.join(dir, "dist"));
  writeFileSync(path.join(dir, "index.ts"), "export = () => 1;\n");
  writeFileSync(path.join(dir, "lib", "a.ts"), "export const a = 1;\n");
  return dir;
}

test("no build: the TypeScript runs", () => {
  expect(entryFor(project())).toBe("typescript");
});

test("a build stamped from these sources: dist runs", () => {
  const dir = project();
  writeFileSync(path.join(dir, STAMP), `${sourceHash(dir)}\n`);
  expect(entryFor(dir)).toBe("dist");
});

test("any source changed, added or renamed after the build: the TypeScript runs, never the stale build", () => {
  for (const change of [
    (dir: string) => writeFileSync(path.join(dir, "lib", "a.ts"), "export const a = 2;\n"),
    (dir: string) => writeFileSync(path.join(dir, "lib", "b.ts"), "export const b = 1;\n"),
    (dir: string) => writeFileSync(path.join(dir, "tsconfig.json"), "{}\n"),
  ]) {
    const dir = project();
    writeFileSync(path.join(dir, STAMP), `${sourceHash(dir)}\n`);
    change(dir);
    expect(entryFor(dir)).toBe("typescript");
  }
});

test("files that are not sources (docs, tests) do not invalidate the build", () => {
  const dir = project();
  writeFileSync(path.join(dir, STAMP), `${sourceHash(dir)}\n`);
  writeFileSync(path.join(dir, "README.md"), "# notes\n");
  mkdirSync(path.join(dir, "test"));
  writeFileSync(path.join(dir, "test", "x.test.ts"), "test('x', () => undefined);\n");
  expect(entryFor(dir)).toBe("dist");
});

describe("the build (npm run build)", () => {
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const { appendFileSync, readFileSync } = require("node:fs") as typeof import("node:fs");
  const root = path.resolve(__dirname, "..");
  const record = path.join(root, "dist", "providers", "unifi", "record.js");
  const codeOf = () =>
    execFileSync(process.execPath, ["-e", `require(${JSON.stringify(record)}).providerCode().then((text) => process.stdout.write(text))`], { cwd: root, encoding: "utf8" });

  /** What an earlier build left for a module that has since moved (`lab/stacks/<tier>/<name>.ts` became a folder). */
  const stale = path.join(root, "dist", "lab", "stacks", "application", "media-core.js");

  beforeAll(() => {
    mkdirSync(path.dirname(stale), { recursive: true });
    writeFileSync(stale, 'throw new Error("a stale build output was loaded");\n');
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  }, 120_000);

  test("starts from an empty dist/: output of a module that moved or went away is never loaded instead of its successor", () => {
    expect(existsSync(stale)).toBe(false);
  });

  test("stamps the sources, so main.js runs the compiled program", () => {
    expect(entryFor(root)).toBe("dist");
  });

  test("caches the UniFi provider's serialized code, used only while the compiled files are the ones it came from", () => {
    const cacheFile = path.join(root, "dist", "providers", "unifi", "provider-code.json");
    const clientFile = path.join(root, "dist", "providers", "unifi", "client.js");
    const [cacheText, clientText] = [readFileSync(cacheFile, "utf8"), readFileSync(clientFile, "utf8")];
    const cache = JSON.parse(cacheText) as { digest: string; text: string };
    try {
      expect(cache.text).toContain("exports.handler");
      expect(codeOf()).toBe(cache.text);
      // Mark the cached text to see where the code comes from.
      writeFileSync(cacheFile, JSON.stringify({ ...cache, text: `${cache.text}\n// from the cache` }));
      expect(codeOf().endsWith("// from the cache")).toBe(true);
      // A compiled file changed behind the cache's back: the cache no longer applies.
      appendFileSync(clientFile, "\n// changed after the build\n");
      const fresh = codeOf();
      expect(fresh).toContain("exports.handler");
      expect(fresh.endsWith("// from the cache")).toBe(false);
    } finally {
      // Leave the build as npm run build made it.
      writeFileSync(cacheFile, cacheText);
      writeFileSync(clientFile, clientText);
    }
  }, 60_000);
});
