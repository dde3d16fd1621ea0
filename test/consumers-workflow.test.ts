import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { labCaddyfile } from "../caddy/lab-caddyfile";
import { readStackConfig } from "../config/stack-file";
import { runOffline } from "../offline/run";
import { readWorkflow } from "./support/workflows";

/**
 * .github/workflows/consumers.yml, which judges the lab's files by the consumer versions the lab
 * really runs (on GitHub's runners, with the internet), checked as data like the lab workflows:
 * what triggers it, that it needs no secret and only reads the code, `npm ci` first, and that every
 * npm script, repository file and image source it names exists. And `npm run caddyfile`, which it
 * calls, prints what the tests judge.
 */

const ROOT = path.resolve(__dirname, "..");
const workflow = readWorkflow("consumers.yml");
const { text } = workflow;
const job = workflow.jobs.consumers!;
const steps = job.steps;
const runs = steps.map((step) => step.run ?? "");

describe("the consumers workflow", () => {
  test("runs on pull requests and pushes touching the lab, the generator or the workflow, and by hand", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "push", "workflow_dispatch"]);
    for (const filter of [...workflow.on.pull_request.paths, ...workflow.on.push.paths] as string[]) {
      expect([filter, existsSync(path.join(ROOT, filter.replace(/\/\*\*$/, "")))]).toEqual([filter, true]);
    }
  });

  test("needs no secret, grants nothing at the top and only reads the code, on a GitHub runner with a timeout", () => {
    expect(text).not.toMatch(/\bsecrets\./);
    expect(workflow.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: "read" });
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(job["timeout-minutes"]).toBeGreaterThan(0);
  });

  test("checks out, sets up Node 20 and runs npm ci before anything else; actions are pinned to releases", () => {
    expect(steps[0]!.uses).toMatch(/^actions\/checkout@v\d+$/);
    expect(steps[1]!.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(String(steps[1]!.with?.["node-version"])).toBe("20");
    expect(runs[2]).toMatch(/^npm ci\b/);
    for (const step of steps) if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });

  test("every npm script, test file and lab file it names exists, and run scripts interpolate no event data", () => {
    const scripts = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
    for (const match of runs.join("\n").matchAll(/\bnpm run(?: -s)? ([\w:.-]+)/g)) expect([match[1], match[1]! in scripts]).toEqual([match[1], true]);
    const files = [...runs.join("\n").matchAll(/(?<![\w./$-])((?:lab|test|lib|offline)\/[\w./-]+)/g)].map((match) => match[1]!);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect([file, existsSync(path.join(ROOT, file))]).toEqual([file, true]);
    for (const run of runs) expect(run).not.toMatch(/\$\{\{/);
  });

  test("the Prometheus image it greps for is the one the lab declares", () => {
    const grep = /grep -o '([^']+)' (lab\/[\w./-]+)/.exec(runs.join("\n"))!;
    const found = spawnSync("grep", ["-o", grep[1]!, path.join(ROOT, grep[2]!)], { encoding: "utf8" }).stdout.trim().split("\n");
    const lab = evaluateLab(parseConfig({ ...readStackConfig("prod"), "onepassword:serviceAccountToken": "fake-token-for-tests" }).homelab, STACKS);
    const declared = lab.stacks.flatMap((stack) => stack.services.map((svc) => svc.image)).filter((image) => image.startsWith("prom/prometheus:"));
    expect(found).toEqual(declared);
  });
});

describe("npm run caddyfile", () => {
  test("prints the Caddyfile the tests judge, and with --image the ingress controller's image", async () => {
    const run = await runOffline({ stack: "dev" });
    const expected = labCaddyfile(run);
    const script = (args: string[]) => spawnSync("npx", ["ts-node", "--transpile-only", "scripts/caddyfile.ts", "--stack", "dev", ...args], { cwd: ROOT, encoding: "utf8" });
    const printed = script([]);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(expected.text);
    expect(script(["--image"]).stdout).toBe(`${expected.controllerImage}\n`);
  });
});
