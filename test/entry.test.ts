import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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
