import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseConfig } from "../config";
import { REMOVED } from "../lab/removed";
import type { LabView } from "../review/lab-view";
import { refKey, secretValueCommand } from "../evaluation/secret-values";
import { WIDTH } from "../review/text-layout";
import { viewText } from "../review/view-text";
import { viewOfRun } from "../review/revision";
import { type OfflineRun, runOffline } from "../offline/run";
import { PROJECT_DIR } from "../lib/project-dir";
import { readStackConfig, stackNames } from "../config/stack-file";
import { fieldsToRead } from "../evaluation/program-fields";
import { FIXTURE_STACK } from "./fixtures/review-lab";
import { services } from "./helpers";
import { makeReviewRepo, type ReviewRepo } from "./support/review-repo";

/**
 * The render, the README's main job: as the README and docs/review.md run it (npm, --json,
 * --out), as golden files of a small fixture lab of the test's own, and over the whole lab (100 columns, nothing secret,
 * every registered field shown, the dev stack honest about forward auth).
 */

const GOLDEN_DIR = path.join(__dirname, "golden");
const tooWide = (text: string) => text.split("\n").filter((line) => line.length > WIDTH);

function npm(args: readonly string[]) {
  const result = spawnSync("npm", [...args], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the render as the README and the review guide run it", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "homelab-render-out-"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("`npm run render` prints the prod lab's desired state, no line over 100 columns", () => {
    const result = npm(["run", "render"]);
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toContain('homelab: desired state of stack "prod"');
    expect(result.stdout).toContain("  sonarr (application_media_core_sonarr)");
    expect(tooWide(result.stdout)).toEqual([]);
  });

  test("`npm run render -- --json --out FILE` writes JSON for machines whatever npm prints on stdout", () => {
    const file = path.join(scratch, "reports", "view.json");
    const result = npm(["run", "render", "--", "--json", "--out", file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("> "); // npm's banner: why --out exists
    expect(result.stdout).not.toContain('"stacks"');
    const view = JSON.parse(readFileSync(file, "utf8")) as LabView;
    expect(view.stack).toBe("prod");
    expect(view.stacks.length).toBeGreaterThan(0);
    expect(readdirSync(path.dirname(file))).toEqual(["view.json"]); // written whole: no temporary left
  });

  test("`npm run -s render -- --json` is valid JSON on stdout", () => {
    const result = npm(["run", "-s", "render", "--", "--json", "--stack", "dev"]);
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as LabView).stack).toBe("dev");
  });

  test("bad use is one line on stderr, exit code 1, no output file", () => {
    const file = path.join(scratch, "never.txt");
    const markdown = npm(["run", "-s", "render", "--", "--markdown", "--out", file]);
    expect([markdown.status, markdown.stderr]).toEqual([1, "render: --markdown formats a review: use it with --diff <git-ref>\n"]);
    const stack = npm(["run", "-s", "render", "--", "--stack", "nosuch", "--out", file]);
    expect(stack.status).toBe(1);
    // The stacks there are, listed by their files.
    expect(stack.stderr).toBe(`render: no stack "nosuch" (no Pulumi.nosuch.yaml); the stacks are ${stackNames().join(", ")}\n`);
    expect(stackNames()).toEqual(expect.arrayContaining(["dev", "prod"]));
    expect(existsSync(file)).toBe(false);
    writeFileSync(path.join(scratch, "a-file"), "");
    const under = path.join(scratch, "a-file", "reports", "view.txt");
    const unwritable = npm(["run", "-s", "render", "--", "--out", under]);
    expect([unwritable.status, unwritable.stderr]).toEqual([1, `render: --out ${under}: cannot write there (ENOTDIR: not a directory); nothing was evaluated\n`]);
  });
});

describe("golden: the fixture lab's render (text and JSON)", () => {
  let repo: ReviewRepo;
  beforeAll(() => {
    repo = makeReviewRepo({ fixture: true });
  });
  afterAll(() => repo.remove());

  // UPDATE_GOLDEN=1 rewrites the files after a deliberate change; review their diff before committing.
  const golden = (file: string, actual: string) => {
    const target = path.join(GOLDEN_DIR, file);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(target, actual);
    expect(actual).toBe(readFileSync(target, "utf8"));
  };

  test("text", () => {
    const result = repo.render(["--stack", FIXTURE_STACK]);
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(tooWide(result.stdout)).toEqual([]);
    golden("review-fixture.txt", result.stdout);
  });

  test("JSON, written with --out", () => {
    const result = repo.render(["--stack", FIXTURE_STACK, "--json", "--out", "reports/view.json"]);
    expect([result.status, result.stdout, result.stderr]).toEqual([0, "", ""]);
    golden("review-fixture.json", readFileSync(path.join(repo.dir, "reports", "view.json"), "utf8"));
  });
});

describe("the whole lab's view", () => {
  const views = new Map<string, { run: OfflineRun; view: LabView }>();
  beforeAll(async () => {
    for (const stack of ["prod", "dev"]) {
      const run = await runOffline({ stack });
      views.set(stack, { run, view: viewOfRun(stack, run, readStackConfig(stack), REMOVED) });
    }
  });
  const of = (stack: string) => views.get(stack)!;
  const allServices = (view: LabView) => view.stacks.flatMap((stack) => stack.services);

  test.each(["prod", "dev"])("%s: every line of the text is at most 100 columns", (stack) => {
    expect(tooWide(viewText(of(stack).view))).toEqual([]);
  });

  test.each(["prod", "dev"])("%s: no fake secret value in the text or the JSON", (stack) => {
    const { run, view } = of(stack);
    const shown = `${viewText(view)}\n${JSON.stringify(view)}`;
    const leaked = [...run.fakeSecrets].filter(([, fake]) => fake.length >= 8 && (shown.includes(fake) || shown.includes(Buffer.from(fake).toString("base64"))));
    expect(run.fakeSecrets.size).toBeGreaterThan(10);
    expect(leaked.map(([key]) => key)).toEqual([]);
  });

  test.each(["prod", "dev"])("%s: each registered service is shown with every mount, port, secret, config, network and variable", (stack) => {
    const { run, view } = of(stack);
    const registered = services(run);
    expect(allServices(view).map((service) => service.swarmName).sort()).toEqual(registered.map((service) => service.name).sort());
    for (const svc of registered) {
      const shown = allServices(view).find((service) => service.swarmName === svc.name)!;
      const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
      expect([svc.name, shown.mounts.length, shown.ports.length, shown.secrets.length, shown.configs.length, shown.networks.length]).toEqual([
        svc.name,
        count(svc.container.mounts),
        count(svc.inputs.endpointSpec?.ports),
        count(svc.container.secrets),
        count(svc.container.configs),
        count(svc.task.networksAdvanceds),
      ]);
      expect(shown.env.map((variable) => variable.name)).toEqual(Object.keys(svc.container.env ?? {}).sort());
      expect(shown.image).toBe(svc.container.image);
    }
  });

  test("dev: no protected site points at a missing Authentik; each opened site shows the config's reason", () => {
    const { run, view } = of("dev");
    const reason = (JSON.parse(readStackConfig("dev")["homelab:forwardAuth"]!) as { reason: string }).reason;
    expect(view.forwardAuth).toEqual({ enabled: false, reason });
    expect(viewText(view)).toContain("forward auth: OFF in this stack (homelab:forwardAuth):");
    const sites = allServices(view).flatMap((service) => service.sites);
    expect(sites.filter((site) => site.auth === "authentik" || site.auth === "MISSING")).toEqual([]);
    expect(sites.filter((site) => site.auth.includes(reason)).map((site) => site.host)).toContain("sonarr.in.lab.localhost");
    for (const svc of services(run)) expect(Object.entries(svc.labels).filter(([key, value]) => /\.import$/.test(key) && value.startsWith("authentik"))).toEqual([]);
  });

  test("dev: the homelab:secretValues keys to set are exactly the fields the lab reads, each with its command", () => {
    const { view } = of("dev");
    const config = parseConfig(readStackConfig("dev")).homelab;
    const { lab } = of("dev").run;
    const expected = fieldsToRead(lab, config).map(refKey).sort();
    expect(view.secretValues.map((value) => value.key)).toEqual(expected);
    expect(view.secretValues.map((value) => value.command)).toEqual(expected.map(secretValueCommand));
    expect(of("prod").view.secretValues).toEqual([]);
  });
});
