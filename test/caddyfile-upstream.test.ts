import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { cloneBlocks, marshal, mergeBlocks, parseCaddyfile } from "../caddy/caddyfile";
import { judgeCaddyfile } from "../caddy/check";
import { blocksFromLabels } from "../caddy/from-labels";
import { type Judge, processCaddyfile } from "../caddy/generate";
import { realCaddyJudge } from "./support/caddy";
import { describeWith } from "../servers/tools";

/**
 * caddy-docker-proxy's own test fixtures, run through this program's model of it. The fixtures
 * live in its repository and are not copied here: set CADDY_DOCKER_PROXY_SOURCE to a checkout or a
 * git directory of github.com/lucaslorentz/caddy-docker-proxy to run them; without it the suite is
 * skipped. The process fixtures are judged twice: by the real Caddy and by the pure model lab
 * validation uses. .github/workflows/consumers.yml runs it against the repository's newest commit.
 */

const SOURCE = process.env.CADDY_DOCKER_PROXY_SOURCE;

function fixtures(source: string): Map<string, string> {
  const found = new Map<string, string>();
  if (existsSync(path.join(source, "caddyfile", "testdata"))) {
    const walk = (dir: string) => {
      for (const entry of readdirSync(path.join(source, dir))) {
        const relative = path.join(dir, entry);
        if (statSync(path.join(source, relative)).isDirectory()) walk(relative);
        else if (relative.includes("testdata/") && relative.endsWith(".txt")) found.set(relative, readFileSync(path.join(source, relative), "utf8"));
      }
    };
    for (const top of ["caddyfile", "generator"]) walk(top);
    return found;
  }
  const git = (...args: string[]) => execFileSync("git", ["--git-dir", source, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  for (const file of git("ls-tree", "-r", "--name-only", "HEAD").split("\n")) {
    if (file.includes("testdata/") && file.endsWith(".txt")) found.set(file, git("show", `HEAD:${file}`));
  }
  return found;
}

/** The fixtures' `key = value` lines (NEW_LINE stands for a line break), as their Go tests read them. */
function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim().split("NEW_LINE").join("\n");
    if (line.length === 0 || line.startsWith("#")) continue;
    const split = line.indexOf("=");
    labels[line.slice(0, split).trim()] = line.slice(split + 1).trim();
  }
  return labels;
}

/** What caddy-docker-proxy logs for a processed Caddyfile; Caddy 2.11 ends a message with ", at Caddyfile:N", 2.6 does not. */
function processLog(text: string, judge: Judge): { caddyfile: string; log: string } {
  const processed = processCaddyfile(text, judge);
  if (processed.invalid) return { caddyfile: "", log: `[ERROR]  Invalid caddyfile: ${processed.invalid}\n${text}\n` };
  const log = processed.dropped.map((drop) => `[ERROR]  Removing invalid block: ${drop.message}\n${marshal(cloneBlocks([drop.block]))}\n`).join("");
  return { caddyfile: processed.text, log };
}

const describeSource = SOURCE ? describe : describe.skip;
const all = SOURCE ? [...fixtures(SOURCE)].sort(([a], [b]) => a.localeCompare(b)) : [];
const of = (kind: string) => all.filter(([file]) => file.includes(`/testdata/${kind}/`));

describeSource("caddy-docker-proxy's own fixtures (skipped unless CADDY_DOCKER_PROXY_SOURCE names its checkout or git dir)", () => {
  test("the source has fixtures of every kind", () => {
    expect(["labels", "merge", "marshal", "process"].map((kind) => of(kind).length > 0)).toEqual([true, true, true, true]);
  });

  test.each(of("labels"))("%s", (file, data) => {
    const [labels, expected] = data.replace(/\r?\n/g, "\n").split("----------").map((part) => part.trim()) as [string, string];
    // The generator's fixtures run with one task named `target`; an expected `err: ` or nothing means an error.
    const upstreams = file.startsWith("generator/") ? ["target"] : [];
    let actual: string;
    try {
      actual = marshal(blocksFromLabels("fixture", labelsOf(labels), { upstreams })).trim();
    } catch {
      actual = "<error>";
    }
    expect(actual).toBe(expected === "" || expected.startsWith("err: ") ? "<error>" : expected);
  });

  test.each(of("merge"))("%s", (_file, data) => {
    const [first, second, expected] = data.replace(/\r?\n/g, "\n").split("----------\n") as [string, string, string];
    const into = parseCaddyfile(first);
    mergeBlocks(into, parseCaddyfile(second));
    expect(marshal(into)).toBe(expected);
  });

  test.each(of("marshal"))("%s", (_file, data) => {
    const [input, expected] = data.replace(/\r?\n/g, "\n").split("----------\n") as [string, string];
    expect(marshal(parseCaddyfile(input))).toBe(expected);
  });

  test.each(of("process"))("%s, by the pure model: the same blocks kept and dropped, the same reason", (_file, data) => {
    const [input, expected, log = ""] = data.replace(/\r?\n/g, "\n").split("----------\n") as [string, string, string?];
    const modelled = processLog(input, judgeCaddyfile);
    expect(modelled.caddyfile).toBe(expected);
    const reasons = [...log.matchAll(/^\[ERROR\] {2}(?:Removing invalid block|Invalid caddyfile): (.*?)(?:, at Caddyfile:\d+)?$/gm)].map((match) => match[1]!);
    const ours = [...modelled.log.matchAll(/^\[ERROR\] {2}(?:Removing invalid block|Invalid caddyfile): (.*)$/gm)].map((match) => match[1]!);
    expect(ours.length).toBe(reasons.length);
    ours.forEach((reason, i) => expect(reasons[i]).toContain(reason));
  });

  (SOURCE ? describeWith(["caddy"]) : describe.skip)("by the real Caddy (Debian's 2.6, whose messages end without ', at Caddyfile:N')", () => {
    test.each(of("process"))("%s", (_file, data) => {
      const [input, expected, log = ""] = data.replace(/\r?\n/g, "\n").split("----------\n") as [string, string, string?];
      const real = processLog(input, realCaddyJudge);
      expect(real.caddyfile).toBe(expected);
      expect(real.log).toBe(log.replace(/, at Caddyfile:\d+$/gm, ""));
    });
  });
});
