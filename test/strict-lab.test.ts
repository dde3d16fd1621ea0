import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { labContext } from "../evaluation/evaluate-lab";
import { readStackConfig } from "../config/stack-file";
import { makeReviewRepo, type ReviewRepo } from "./support/review-repo";

/**
 * The two typos, planted in a copy of this repository's own lab the way a user would make
 * them (a stack file edited by hand): every path that evaluates the lab refuses them, naming the
 * stack, the service, the field and the nearest valid key. Whatever the lab holds: the typos go
 * into the first service of the first stack file that `lab/index.ts` lists.
 */

const TYPOS = [
  { key: "limits.memroy", hint: "limits.memory", edit: 'limits: { ...first.limits, ...({ memroy: "2048M" } as {}) }' },
  { key: "replica", hint: "replicas", edit: "...({ replica: 2 } as {})" },
];

/** The lab's first stack and its first service, whatever the lab holds. */
function firstService(): { stack: string; service: string } {
  const stack = STACKS[0]!(labContext(parseConfig(readStackConfig("prod"), { purpose: "evaluate" }).homelab));
  return { stack: stack.name, service: stack.services[0]!.name };
}

/**
 * The typo put into the first service of the first stack, as `lab/index.ts` hands it over: written
 * so that it type-checks (a cast hides it from tsc, as any value built at run time would), so the
 * build succeeds and only the run-time check stands between the typo and the swarm.
 */
function plant(repo: ReviewRepo, typo: (typeof TYPOS)[number]): void {
  const index = readFileSync(path.join(repo.dir, "lab", "index.ts"), "utf8");
  repo.write(
    "lab/index.ts",
    [
      index,
      "const plantedStack = STACKS[0]!;",
      "(STACKS as StackDefinition[])[0] = (lab) => {",
      "  const stack = plantedStack(lab);",
      "  const [first, ...rest] = stack.services;",
      `  return { ...stack, services: [{ ...first!, ${typo.edit.replace("first.", "first!.")} }, ...rest] };`,
      "};",
      "",
    ].join("\n"),
  );
}

/** The program as Pulumi runs it (main.js: dist/ when built, else the TypeScript), with the mocks set. */
function runEntry(dir: string) {
  const raw = { ...readStackConfig("prod"), "onepassword:serviceAccountToken": "not-a-real-token" };
  const script = [
    'const pulumi = require("@pulumi/pulumi");',
    'pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "homelab", "prod", true);',
    'Promise.resolve().then(() => require("./main.js")()).then(() => process.exit(0), (e) => { process.stderr.write(e.message + "\\n"); process.exit(1); });',
  ].join("\n");
  return spawnSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: JSON.stringify(raw), PULUMI_NODEJS_PROJECT: "homelab", PULUMI_NODEJS_STACK: "prod" } });
}

describe.each(TYPOS)("a service with the typo $key", (typo) => {
  let repo: ReviewRepo;
  let problem: string;
  beforeAll(() => {
    repo = makeReviewRepo({ fixture: false });
    plant(repo, typo);
    const { stack, service } = firstService();
    problem = `${stack}/${service}: ${typo.key}: unknown key; the nearest valid key is ${typo.hint}`;
  });
  afterAll(() => repo.remove());

  test("npm run render refuses it", () => {
    const result = repo.render([]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(problem);
  });

  test("render --diff HEAD refuses it (the working tree's side)", () => {
    const result = repo.render(["--diff", "HEAD"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(problem);
  });

  test("render --diff of a revision that has it refuses it (the other side), naming no temporary path", () => {
    repo.commit("the typo");
    repo.git(["revert", "--no-edit", "HEAD"]);
    const result = repo.render(["--diff", "HEAD^"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).not.toContain(repo.tmp);
    repo.git(["reset", "-q", "--hard", "HEAD^"]);
  });

  test("the unbuilt program (main.js compiles the TypeScript) refuses it under the mock monitor", () => {
    const { entryFor } = require(path.join(repo.dir, "scripts", "source-hash.js")) as { entryFor(dir: string): string };
    expect(entryFor(repo.dir)).toBe("typescript");
    const result = runEntry(repo.dir);
    expect(result.stderr).toContain(problem);
    expect(result.status).toBe(1);
  });

  test("the built program (npm run build, main.js runs dist/) refuses it under the mock monitor", () => {
    const build = spawnSync("npm", ["run", "build"], { cwd: repo.dir, encoding: "utf8" });
    expect(build.status).toBe(0);
    const { entryFor } = require(path.join(repo.dir, "scripts", "source-hash.js")) as { entryFor(dir: string): string };
    expect(entryFor(repo.dir)).toBe("dist");
    const result = runEntry(repo.dir);
    expect(result.stderr).toContain(problem);
    expect(result.status).toBe(1);
  }, 240_000);
});
