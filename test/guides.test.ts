import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../lib/project-dir";

/**
 * The README and the guides as a reader follows them: the README opens with the quick start and
 * fits a few screens, links every guide; each guide opens with what it lets the reader do; and
 * every relative link of the README, the guides and the generated docs reaches a file, and a
 * heading in it where it names one. (The commands each guide gives are run by its feature's tests.)
 */

const read = (file: string) => readFileSync(path.join(PROJECT_DIR, file), "utf8");

/** The hand-written guides: docs/*.md (docs/lab/ is generated). */
const GUIDES = readdirSync(path.join(PROJECT_DIR, "docs"))
  .filter((name) => name.endsWith(".md"))
  .sort()
  .map((name) => `docs/${name}`);
const GENERATED = readdirSync(path.join(PROJECT_DIR, "docs", "lab"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/lab/${name}`);

/** At most this many lines: a few screens. */
const README_LINES = 120;

/** Markdown outside its fenced code blocks. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```$/gm, "");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown text's headings, numbered as GitHub numbers repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Relative links of a Markdown file that lead nowhere, each as `file: [text](target): why`. */
function brokenLinks(file: string, text: string, exists: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const match of prose(text).matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
    const target = match[2]!;
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [file_, anchor] = target.split("#") as [string, string | undefined];
    const destination = file_ === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), file_));
    const content = exists(destination);
    if (content === undefined) problems.push(`${file}: [${match[1]}](${target}): no file ${destination}`);
    else if (anchor !== undefined && destination.endsWith(".md") && !anchors(content).has(anchor)) problems.push(`${file}: [${match[1]}](${target}): ${destination} has no heading #${anchor}`);
  }
  return problems;
}

const onDisk = (file: string) => (existsSync(path.join(PROJECT_DIR, file)) ? read(file) : undefined);

describe("the README", () => {
  const readme = read("README.md");

  test("opens with the quick start: its first section", () => {
    expect(prose(readme).match(/^## .+$/m)?.[0]).toBe("## Quick start");
  });

  test(`fits a few screens (at most ${README_LINES} lines); the rest is in the guides`, () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(README_LINES);
  });

  test("links every guide", () => {
    expect(GUIDES.length).toBeGreaterThan(5);
    for (const guide of GUIDES) expect({ guide, linked: readme.includes(`](${guide})`) }).toEqual({ guide, linked: true });
  });
});

describe("the guides", () => {
  test.each(GUIDES)("%s opens with its title, its only one, then what it lets the reader do", (guide) => {
    const [title, blank, lead] = read(guide).split("\n");
    expect(title).toMatch(/^# \S/);
    expect(prose(read(guide)).match(/^# .*$/gm)).toEqual([title]);
    expect(blank).toBe("");
    expect(lead).toMatch(/^You will be able to \S/);
  });
});

describe("links", () => {
  test.each(["README.md", ...GUIDES, ...GENERATED])("every relative link of %s reaches its file and heading", (file) => {
    expect(brokenLinks(file, read(file), onDisk)).toEqual([]);
  });

  test("the check finds a missing file, a missing heading, and accepts what exists", () => {
    const files: Record<string, string> = { "docs/a.md": "# A\n\n## Second `up`, again\n", "README.md": "# R\n" };
    const text = "[ok](a.md#second-up-again) [self](#a) [up](../README.md) [web](https://example.com)\n[gone](b.md) [nowhere](a.md#third)\n```\n[in code](c.md)\n```\n";
    expect(brokenLinks("docs/a.md", text, (file) => files[file])).toEqual([
      "docs/a.md: [gone](b.md): no file docs/b.md",
      "docs/a.md: [nowhere](a.md#third): docs/a.md has no heading #third",
    ]);
  });
});
