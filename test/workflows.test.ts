import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { labPaths } from "../ops/settings";
import { cronProblem } from "../ops/values";
import { readWorkflow, stepsOf, type Workflow, workflowFiles } from "./support/workflows";

/**
 * The GitHub Actions workflows for running the lab without Pulumi Deployments, checked as data:
 * triggers, self-hosted runners inside the LAN, least-privilege permissions, one deployment at a
 * time, `npm ci` first, every npm script and repository file they name exists, and secrets only
 * ever come from the secrets context.
 */

const ROOT = path.resolve(__dirname, "..");

const files = workflowFiles();
const workflows = files.map(readWorkflow);
const byFile = (file: string): Workflow => {
  const found = workflows.find((workflow) => workflow.file === file);
  if (!found) throw new Error(`no workflow ${file}`);
  return found;
};
const jobsOf = (workflow: Workflow) => Object.entries(workflow.jobs);

const preview = byFile("lab-preview.yml");
const up = byFile("lab-up.yml");
const drift = byFile("lab-drift.yml");
const LAB = [preview, up, drift];

const rootPackage = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

describe("the three lab workflows", () => {
  test("exist and parse", () => {
    expect(files).toEqual(expect.arrayContaining(["lab-preview.yml", "lab-up.yml", "lab-drift.yml"]));
    for (const workflow of LAB) {
      expect(typeof workflow.name).toBe("string");
      expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    }
  });

  test("preview runs on pull requests into main, for the program's files", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.on.pull_request.branches).toEqual(["main"]);
    expect(preview.on.pull_request.paths).toEqual([...labPaths("prod"), ".github/workflows/lab-preview.yml"]);
  });

  test("up runs on pushes to main for the program's files (same filters as Deployments), or by hand", () => {
    expect(Object.keys(up.on).sort()).toEqual(["push", "workflow_dispatch"]);
    expect(up.on.push.branches).toEqual(["main"]);
    expect(up.on.push.paths).toEqual(labPaths("prod"));
  });

  test("drift runs nightly on a valid cron, or by hand", () => {
    expect(Object.keys(drift.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const crons = (drift.on.schedule as { cron: string }[]).map((entry) => entry.cron);
    expect(crons).toHaveLength(1);
    expect(cronProblem(crons[0]!)).toBeUndefined();
    expect(crons[0]!.split(/\s+/).slice(2)).toEqual(["*", "*", "*"]); // every day
  });
});

/** The offline review job: it touches neither the lab nor a secret, so it runs for either deployer (test/review-workflow.test.ts). */
const REVIEW_JOB = "lab-preview.yml:review";

describe("every job", () => {
  const jobs = LAB.flatMap((workflow) => jobsOf(workflow).map(([id, job]) => [`${workflow.file}:${id}`, job] as const));
  const labJobs = jobs.filter(([id]) => id !== REVIEW_JOB);

  test("the jobs are the three lab jobs and the review", () => {
    expect(jobs.map(([id]) => id)).toEqual([REVIEW_JOB, "lab-preview.yml:preview", "lab-up.yml:up", "lab-drift.yml:drift"]);
  });

  test.each(labJobs)("%s runs on a self-hosted runner inside the LAN", (_, job) => {
    const labels = Array.isArray(job["runs-on"]) ? job["runs-on"] : [job["runs-on"]];
    expect(labels).toContain("self-hosted");
  });

  test.each(labJobs)("%s runs only when the repository deploys with GitHub Actions", (_, job) => {
    expect(job.if).toContain("vars.LAB_DEPLOYER == 'github-actions'");
  });

  test.each(jobs)("%s uses Node 20 and runs npm ci before anything else", (_, job) => {
    const steps = job.steps;
    expect(steps[0]?.uses).toMatch(/^actions\/checkout@v\d+$/);
    const setupNode = steps.findIndex((step) => step.uses?.startsWith("actions/setup-node@"));
    const npmCi = steps.findIndex((step) => /^npm ci\b/.test(step.run ?? ""));
    expect(setupNode).toBe(1);
    expect(String(steps[setupNode]!.with?.["node-version"])).toBe("20");
    expect(npmCi).toBe(2);
    const firstWork = steps.findIndex((step, index) => index > npmCi && (step.uses?.startsWith("pulumi/") || /\b(npm run|pulumi|docker)\b/.test(step.run ?? "")));
    expect(firstWork).toBeGreaterThan(npmCi);
  });

  test.each(jobs)("%s has a timeout", (_, job) => {
    expect(job["timeout-minutes"]).toBeGreaterThan(0);
  });
});

describe("permissions: nothing by default, each job only what it uses", () => {
  test.each(LAB.map((workflow) => [workflow.file, workflow] as const))("%s grants nothing at the top level", (_, workflow) => {
    expect(workflow.permissions).toEqual({});
  });

  test("preview and review read the code and comment on the pull request", () => {
    expect(preview.jobs.preview!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(preview.jobs.review!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  test("up only reads the code", () => {
    expect(up.jobs.up!.permissions).toEqual({ contents: "read" });
  });

  test("drift reads the code and manages its issue", () => {
    expect(drift.jobs.drift!.permissions).toEqual({ contents: "read", issues: "write" });
  });

  test("no write-all, no id-token, no job without its own permissions", () => {
    for (const workflow of LAB) {
      for (const [id, job] of jobsOf(workflow)) {
        expect([workflow.file, id, typeof job.permissions]).toEqual([workflow.file, id, "object"]);
        expect(Object.keys(job.permissions as object)).not.toContain("id-token");
      }
      expect(workflow.text).not.toMatch(/write-all|read-all/);
    }
  });
});

describe("concurrency: two runs never deploy at once", () => {
  test("up is serialised on the prod stack's group and never cancelled mid-run", () => {
    expect(up.concurrency).toEqual({ group: "lab-prod", "cancel-in-progress": false });
  });

  test("the nightly review shares that group, so it never runs during an up", () => {
    expect(drift.concurrency).toEqual(up.concurrency);
  });

  test("a newer push to a pull request supersedes its running preview", () => {
    expect(preview.concurrency).toEqual({ group: "lab-preview-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
  });
});

describe("what the jobs do", () => {
  const pulumiStep = (workflow: Workflow) => stepsOf(workflow).find((step) => step.uses?.startsWith("pulumi/actions@") && step.with?.command);

  test("preview: pulumi preview with the diff posted on the pull request; never from forks", () => {
    const step = pulumiStep(preview)!;
    expect(step.uses).toBe("pulumi/actions@v6");
    expect(step.with).toMatchObject({ command: "preview", "stack-name": "${{ env.PULUMI_STACK }}", diff: true, "comment-on-pr": true, "edit-pr-comment": true });
    expect(preview.jobs.preview!.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
  });

  test("up: pulumi up on the prod stack", () => {
    expect(pulumiStep(up)!.with).toMatchObject({ command: "up", "stack-name": "${{ env.PULUMI_STACK }}" });
    expect(preview.env?.PULUMI_STACK).toBe("${{ vars.PULUMI_STACK || 'prod' }}");
  });

  test("only the up workflow can change the stack", () => {
    for (const workflow of [preview, drift]) {
      expect(pulumiStep(workflow)?.with?.command ?? "none").not.toMatch(/^(up|update|destroy|refresh)$/);
      for (const step of stepsOf(workflow)) expect(step.run ?? "").not.toMatch(/\bpulumi (up|update|destroy|import)\b/);
    }
    for (const step of stepsOf(drift)) if (/\bpulumi refresh\b/.test(step.run ?? "")) expect(step.run).toContain("--preview-only");
  });

  test("drift: refresh preview and npm run drift, reports uploaded, exit code 2 opens or updates an issue, 1 fails the job", () => {
    const steps = drift.jobs.drift!.steps;
    const refresh = steps.find((step) => step.id === "refresh")!;
    expect(refresh.run).toMatch(/pulumi refresh --stack "\$PULUMI_STACK" --preview-only --json --non-interactive/);
    expect(refresh.run).toMatch(/exit 1/);

    const review = steps.find((step) => step.id === "drift")!;
    expect(review.run).toContain("npm run drift -- --stack prod --out-dir reports");
    expect(review.run).toMatch(/0\) echo "drift=false"/);
    expect(review.run).toMatch(/2\) echo "drift=true"/);
    expect(review.run).toMatch(/\*\) echo "::error::.*exit 1/);

    const upload = steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.if).toContain("!cancelled()");
    expect(upload.with?.path).toBe("reports/");

    const issue = steps.find((step) => step.uses?.startsWith("actions/github-script@"))!;
    expect(issue.if).toContain("steps.drift.outcome == 'success'");
    expect(issue.env).toEqual({ SWARM_DRIFT: "${{ steps.drift.outputs.drift }}", REFRESH_CHANGES: "${{ steps.refresh.outputs.changes }}" });
    expect(issue.with?.script).toContain("github.rest.issues.create(");
    expect(issue.with?.script).toContain("github.rest.issues.createComment(");
    expect(issue.with?.script).toContain('state: "closed"');
  });

  test("the SSH agent is started from a secret and stopped whatever happens, in every job that reaches the lab", () => {
    for (const workflow of LAB) {
      for (const [id, job] of jobsOf(workflow)) {
        if (`${workflow.file}:${id}` === REVIEW_JOB) continue;
        const start = job.steps.find((step) => step.run?.includes("ssh-agent -s"));
        expect(start?.env?.DOCKER_SSH_PRIVATE_KEY).toBe("${{ secrets.DOCKER_SSH_PRIVATE_KEY }}");
        const stop = job.steps.at(-1)!;
        expect(stop.run).toMatch(/ssh-agent -k/);
        expect(stop.if).toBe("always()");
      }
    }
  });
});

// --- references -----------------------------------------------------------------------------------

const runScripts = (workflow: Workflow) => stepsOf(workflow).flatMap((step) => [step.run ?? "", typeof step.with?.script === "string" ? step.with.script : ""]);

describe("references", () => {
  test("every `npm run <script>` names a script of the root package.json", () => {
    const referenced = LAB.flatMap((workflow) => runScripts(workflow).flatMap((script) => [...script.matchAll(/\bnpm run(?:-script)?(?:\s+-\S+)*\s+([\w:.][\w:.-]*)/g)].map((match) => match[1]!)));
    expect(referenced.length).toBeGreaterThan(0);
    for (const script of referenced) expect([script, script in rootPackage.scripts]).toEqual([script, true]);
  });

  test("every repository file a step names exists (outputs under reports/ excepted)", () => {
    const named = new Set<string>();
    for (const workflow of workflows) {
      for (const script of runScripts(workflow)) {
        for (const match of script.matchAll(/(?<![\w./$-])((?:[\w.-]+\/)*[\w-][\w.-]*\.(?:ts|js|json|ya?ml|sh|md))(?![\w/])/g)) named.add(match[1]!);
        // Folders of the checkout mounted into a container (`-v "$PWD/<folder>:..."`).
        for (const match of script.matchAll(/\$PWD\/([\w./-]+):/g)) named.add(match[1]!);
        for (const match of script.matchAll(/--stack\s+([\w-]+)/g)) named.add(`Pulumi.${match[1]}.yaml`);
      }
      for (const step of stepsOf(workflow)) if (step.uses?.startsWith("./")) named.add(step.uses.slice(2));
    }
    const repoFiles = [...named].filter((file) => !file.startsWith("reports/") && !/^(drift|refresh)\.(md|json)$/.test(file));
    expect(repoFiles).toEqual(expect.arrayContaining(["Pulumi.prod.yaml", "ops/refresh-report.ts"]));
    for (const file of repoFiles) expect([file, existsSync(path.join(ROOT, file))]).toEqual([file, true]);
  });

  test("the paths filters match files that exist", () => {
    for (const filter of up.on.push.paths as string[]) {
      const base = filter.replace(/\/\*\*$/, "");
      expect([filter, existsSync(path.join(ROOT, base))]).toEqual([filter, true]);
    }
  });

  test("every action is pinned to a release (owner/name@vN)", () => {
    for (const workflow of LAB) for (const step of stepsOf(workflow)) if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });
});

// --- secrets --------------------------------------------------------------------------------------

describe("secrets", () => {
  const expressions = (text: string) => [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => match[1]!.trim());

  test("are referenced only as secrets.NAME, never as a whole or by index", () => {
    for (const workflow of LAB) {
      for (const expression of expressions(workflow.text)) {
        if (!/\bsecrets\b/.test(expression)) continue;
        expect([workflow.file, expression]).toEqual([workflow.file, expect.stringMatching(/^secrets\.[A-Z][A-Z0-9_]*$/)]);
      }
      expect(workflow.text).not.toMatch(/toJSON\(\s*secrets\s*\)/);
    }
  });

  test("the workflows use exactly the documented secrets", () => {
    const used = new Set(LAB.flatMap((workflow) => expressions(workflow.text).filter((e) => e.startsWith("secrets.")).map((e) => e.slice("secrets.".length))));
    expect([...used].sort()).toEqual(["DOCKER_SSH_PRIVATE_KEY", "GITHUB_TOKEN", "OP_SERVICE_ACCOUNT_TOKEN", "PULUMI_ACCESS_TOKEN"]);
  });

  test("every credential-like variable comes straight from the secrets context", () => {
    for (const workflow of LAB) {
      const envs = [workflow.env ?? {}, ...jobsOf(workflow).map(([, job]) => job.env ?? {}), ...stepsOf(workflow).map((step) => step.env ?? {})];
      const withs = stepsOf(workflow).map((step) => step.with ?? {});
      for (const map of [...envs, ...withs]) {
        for (const [key, value] of Object.entries(map)) {
          if (!/TOKEN|SECRET|PASSWORD|PRIVATE_KEY|ACCESS_KEY|token/.test(key)) continue;
          expect([workflow.file, key, value]).toEqual([workflow.file, key, expect.stringMatching(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/)]);
        }
      }
    }
  });

  test("are given to steps, never to a whole workflow or job", () => {
    for (const workflow of LAB) {
      expect(JSON.stringify(workflow.env ?? {})).not.toContain("secrets.");
      for (const [, job] of jobsOf(workflow)) expect(JSON.stringify(job.env ?? {})).not.toContain("secrets.");
    }
  });

  test("no plain token, key or password is written into a workflow", () => {
    const patterns = [
      /pul-[0-9a-f]{40}/, // Pulumi access token
      /\bops_[A-Za-z0-9_-]{20,}/, // 1Password service account token
      /\bgh[pousr]_[A-Za-z0-9]{30,}/, // GitHub tokens
      /github_pat_[A-Za-z0-9_]{20,}/,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bAKIA[0-9A-Z]{16}\b/,
      /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // JWT
      /\b(?:AAAAC3NzaC1lZDI1NTE5|AAAAB3NzaC1yc2E)[A-Za-z0-9+/]{20,}/, // embedded SSH keys
    ];
    for (const workflow of LAB) for (const pattern of patterns) expect([workflow.file, pattern.test(workflow.text)]).toEqual([workflow.file, false]);
  });

  test("run scripts never interpolate event data (script injection); they read it from env", () => {
    for (const workflow of LAB) for (const script of runScripts(workflow)) expect(expressions(script)).toEqual([]);
  });
});

// --- the round trip, on GitHub's runner -------------------------------------------------------------

describe("lab-roundtrip.yml: the real CLI and provider confirm that a second up is a no-op", () => {
  const roundtrip = byFile("lab-roundtrip.yml");
  const job = roundtrip.jobs.roundtrip!;
  const runs = job.steps.map((step) => step.run ?? "");
  const indexOf = (pattern: RegExp) => runs.findIndex((run) => pattern.test(run));

  test("runs on pull requests into main for the program's files and what it runs, or by hand", () => {
    expect(Object.keys(roundtrip.on).sort()).toEqual(["pull_request", "workflow_dispatch"]);
    expect(roundtrip.on.pull_request.branches).toEqual(["main"]);
    expect(roundtrip.on.pull_request.paths).toEqual([...labPaths("dev"), "scripts/images.ts", "scripts/dev-stack.ts", ".github/workflows/lab-roundtrip.yml"]);
  });

  test("on GitHub's own runner, with nothing of the LAN and no secret: read-only, no permissions by default", () => {
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(roundtrip.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: "read" });
    expect(roundtrip.text).not.toMatch(/secrets\./);
    expect(job["timeout-minutes"]).toBeGreaterThan(0);
    expect(job.steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "persist-credentials": false } });
    expect(String(job.steps[1]!.with?.["node-version"])).toBe("20");
    expect(job.steps[2]!.run).toMatch(/^npm ci\b/);
  });

  test("a one-node swarm, the lock resolved, a local backend, up of the dev stack, then preview --expect-no-changes", () => {
    const order = [
      indexOf(/^docker swarm init --advertise-addr 127\.0\.0\.1$/),
      indexOf(/^npm run images -- --update$/),
      job.steps.findIndex((step) => step.uses === "pulumi/actions@v6" && step.with === undefined),
      indexOf(/pulumi login "file:\/\/\$RUNNER_TEMP\/pulumi-state"/),
      indexOf(/^pulumi up --stack dev --yes --non-interactive/),
      indexOf(/^pulumi preview --stack dev --expect-no-changes --non-interactive/),
    ];
    expect(order.every((index) => index > 2)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const setup = runs[order[3]!]!;
    expect(setup).toContain("pulumi stack init dev");
    expect(setup).toContain("npm run -s dev-stack -- bind-sources");
    expect(setup).toContain("npm run -s dev-stack -- secret-keys");
    // Made-up values never show in the log.
    expect(setup.match(/::add-mask::/g)).toHaveLength(2);
  });

  test("every npm script and file it names exists, and its actions are pinned to a release", () => {
    for (const run of runs) for (const match of run.matchAll(/\bnpm run(?:-script)?\s+(?:-s\s+)?([\w:.-]+)/g)) expect([match[1], match[1]! in rootPackage.scripts]).toEqual([match[1], true]);
    for (const file of ["scripts/images.ts", "scripts/dev-stack.ts", "Pulumi.dev.yaml", "lab/images.lock.json"]) expect([file, existsSync(path.join(ROOT, file))]).toEqual([file, true]);
    for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    expect(job.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))?.with?.path).toBe("lab/images.lock.json");
  });
});
