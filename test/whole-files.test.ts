import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { unwritableDir, writeWholeFile, writeWholeFiles } from "../lib/whole-files";

/** The one way the tools write their outputs (render --out, the image lock, the review reports). */
describe("writeWholeFiles", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-whole-files-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("writes each file, creating folders, replacing what was there, leaving no temporary", () => {
    writeFileSync(path.join(dir, "a.txt"), "old");
    const written = writeWholeFiles({ [path.join(dir, "a.txt")]: "new a", [path.join(dir, "sub", "b.txt")]: "b" });
    expect(written).toEqual([path.join(dir, "a.txt"), path.join(dir, "sub", "b.txt")]);
    expect(readFileSync(path.join(dir, "a.txt"), "utf8")).toBe("new a");
    expect(readFileSync(path.join(dir, "sub", "b.txt"), "utf8")).toBe("b");
    expect(readdirSync(dir).sort()).toEqual(["a.txt", "sub"]);
  });

  test("a write that fails partway leaves the old files as they were and no temporaries", () => {
    writeFileSync(path.join(dir, "a.txt"), "old");
    writeFileSync(path.join(dir, "not-a-folder"), "");
    const files = { [path.join(dir, "a.txt")]: "new a", [path.join(dir, "not-a-folder", "b.txt")]: "b" };
    expect(() => writeWholeFiles(files)).toThrow(/ENOTDIR|EEXIST/);
    expect(readFileSync(path.join(dir, "a.txt"), "utf8")).toBe("old");
    expect(readdirSync(dir).sort()).toEqual(["a.txt", "not-a-folder"]);
  });

  test("one file", () => {
    writeWholeFile(path.join(dir, "one.md"), "# one\n");
    expect(readFileSync(path.join(dir, "one.md"), "utf8")).toBe("# one\n");
    expect(readdirSync(dir)).toEqual(["one.md"]);
  });
});

/** The check commands make before their slow work, that the place they will write to takes files. */
describe("unwritableDir", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-writable-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("an existing folder, or one that can be made: writable, and nothing is left behind", () => {
    expect(unwritableDir(dir)).toBeUndefined();
    expect(unwritableDir(path.join(dir, "new", "nested"))).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a file on the way: why, and the folders it made are removed again", () => {
    writeFileSync(path.join(dir, "a-file"), "");
    expect(unwritableDir(path.join(dir, "a-file"))).toBe("ENOTDIR: not a directory");
    expect(unwritableDir(path.join(dir, "a-file", "below"))).toMatch(/^ENOTDIR: /);
    expect(readdirSync(dir)).toEqual(["a-file"]);
  });
});
