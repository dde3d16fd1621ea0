import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { ExposureKind, ExposureItem } from "../review/exposure-summary";
import { REVIEW_MARKER } from "../review/report";
import { WIDTH } from "../review/text-layout";
import type { LabDiff } from "../review/view-diff";
import { PROJECT_DIR } from "../lib/project-dir";
import { FIXTURE_DIGEST, FIXTURE_STACK } from "./fixtures/review-lab";
import { waitUntil } from "../servers/daemon";
import { fixtureIndexWith, makeReviewRepo, type ReviewRepo } from "./support/review-repo";

/**
 * `npm run render -- --diff <git-ref>` for real: in throw-away git repositories (a copy of this
 * working tree, committed), the CLI evaluates the committed revision from a temporary worktree
 * and compares it with the edited working tree. Planted changes, each exposure kind, an unrelated
 * edit, exit codes, a revision from before the review existed, and the sonarr change.
 */

type Report = LabDiff & { base: { ref: string; commit: string } };

const kinds = (report: Report) => [...new Set(report.exposure.map((item) => item.kind))];
const diffJson = (repo: ReviewRepo, ref = "HEAD", stack = FIXTURE_STACK) => {
  const result = repo.render(["--stack", stack, "--diff", ref, "--json"]);
  return { ...result, report: result.status === 0 || result.status === 2 ? (JSON.parse(result.stdout) as Report) : undefined };
};
const worktrees = (repo: ReviewRepo) => repo.git(["worktree", "list", "--porcelain"]).split("\n").filter((line) => line.startsWith("worktree "));
/** The render's temporary worktrees on disk (ts-node keeps its own cache in the same TMPDIR). */
const scratch = (repo: ReviewRepo) => readdirSync(repo.tmp).filter((entry) => entry.startsWith("homelab-render-revision-"));
/** Nothing of a review's temporary worktree is left: not in git's list, not on disk. */
const cleanedUp = (repo: ReviewRepo) => {
  expect(worktrees(repo)).toHaveLength(1);
  expect(scratch(repo)).toEqual([]);
};

describe("render --diff on the fixture lab", () => {
  let repo: ReviewRepo;
  beforeAll(() => {
    repo = makeReviewRepo({ fixture: true });
  });
  afterAll(() => repo.remove());

  test("a clean working tree: exit 0, no change, and the temporary worktree is gone", () => {
    const text = repo.render(["--stack", FIXTURE_STACK, "--diff", "HEAD"]);
    expect([text.status, text.stderr]).toEqual([0, ""]);
    expect(text.stdout).toMatch(/^homelab review of stack "fixture": the working tree against HEAD \([0-9a-f]{12}\)\nno change to the desired state\n$/);
    cleanedUp(repo);
  });

  test("an edit that changes nothing the swarm gets (a comment): exit 0", () => {
    repo.write("lab/index.ts", `// a comment only\n${readFileSync(path.join(repo.dir, "lab/index.ts"), "utf8")}`);
    expect(diffJson(repo).status).toBe(0);
    repo.git(["checkout", "--", "lab/index.ts"]);
  });

  test("an unrelated edit (a memory limit, a description): exit 2, in the changes, not in the exposure summary", () => {
    repo.write("lab/index.ts", fixtureIndexWith({ web: '({ ...service, limits: { cpus: "1", memory: "768M" }, homepage: { ...service.homepage!, description: "renamed" } })' }));
    const { status, report } = diffJson(repo);
    expect(status).toBe(2);
    expect(report!.exposure).toEqual([]);
    const web = report!.stacks[0]!.services.find((service) => service.name === "web")!;
    expect(web.changes.map((change) => change.field)).toEqual(["homepage", "limits"]);
    repo.git(["checkout", "--", "lab/index.ts"]);
  });

  test("planted changes: every exposure kind is called out, each with what caused it", () => {
    repo.write(
      "lab/index.ts",
      fixtureIndexWith({
        web: `({
          ...service,
          image: "nginx:1.28-alpine",
          sites: [{ host: "web", port: 80, auth: Auth.none("planted: open") }, { host: "web", port: 80, public: true, auth: Auth.own("planted: public") }],
          ports: [...(service.ports ?? []), { target: 80, published: 8080, mode: "ingress", reason: "planted mesh port" }],
          mounts: [...(service.mounts ?? []), hostBind("/", "/host", "planted root view"), bind("/srv/elsewhere/data", "/data")],
          env: { ...service.env, WEB_MODE: "planted" },
          secretEnv: { ...service.secretEnv, WEB_DB_PASSWORD: op("web-stak", "db_pasword"), WEB_API_KEY: op("web", "api_key") },
        })`,
        "docker-socket-proxy": "undefined",
      }),
    );
    const { status, report, stderr } = diffJson(repo);
    expect([status, stderr]).toEqual([2, ""]);
    const all: ExposureKind[] = ["public-host", "lost-forward-auth", "published-port", "docker-socket", "host-bind", "new-secret", "secret-source", "removed", "image"];
    expect(kinds(report!)).toEqual(all);
    const item = (kind: ExposureKind) => report!.exposure.filter((entry) => entry.kind === kind).map((entry: ExposureItem) => `${entry.subject}: ${entry.detail}`);
    expect(item("public-host")).toEqual(["web.example.test: now public, served by review_web/web (own: planted: public)"]);
    expect(item("lost-forward-auth")).toEqual([
      "web.in.example.test: no longer behind forward auth: review_web/web (none: planted: open)",
      "web.example.test: new, without forward auth: review_web/web (own: planted: public)",
    ]);
    expect(item("published-port")).toEqual([
      "review_web/web: 8080:80/tcp ingress (routing mesh, every node): planted mesh port; the routing mesh reaches it past Caddy and Authentik (its sites: web.in.example.test, web.example.test)",
    ]);
    expect(item("docker-socket")).toEqual(["review_web/web: bind / -> /host ro (planted root view): reaches the Docker socket, root on its node"]);
    expect(item("host-bind")).toEqual(["review_web/web: bind / -> /host ro (planted root view); the node's whole file system", "review_web/web: bind /srv/elsewhere/data -> /data rw"]);
    expect(item("new-secret")).toEqual(['review_web/web: review_web_web_WEB_API_KEY at /run/secrets/WEB_API_KEY from config homelab:secretValues["web/api_key"]']);
    expect(item("secret-source")).toEqual(['review_web/web: /run/secrets/WEB_DB_PASSWORD: config homelab:secretValues["web/db_password"] -> config homelab:secretValues["web-stak/db_pasword"]']);
    // A plain value of the stack file is shown and diffed as written.
    const env = report!.stacks[0]!.services.find((service) => service.name === "web")!.changes.find((change) => change.field === "env")!;
    expect([env.removed, env.added]).toEqual([["WEB_MODE=review"], ["FILE__WEB_API_KEY=/run/secrets/WEB_API_KEY", "WEB_MODE=planted"]]);
    expect(item("removed")).toEqual(["review_web/docker-socket-proxy: stateless: up deletes it"]);
    expect(item("image")).toEqual([`review_web/web: nginx:1.27-alpine@${FIXTURE_DIGEST} -> nginx:1.28-alpine`]);
    cleanedUp(repo);
  });

  test("the same change as text (100 columns) and as Markdown for a pull request, written with --out", () => {
    const text = repo.render(["--stack", FIXTURE_STACK, "--diff", "HEAD"]);
    expect(text.status).toBe(2);
    expect(text.stdout.split("\n").filter((line) => line.length > WIDTH)).toEqual([]);
    expect(text.stdout).toContain("exposure summary:\n  hosts that became public:\n    ! web.example.test: now public");
    const markdown = repo.render(["--stack", FIXTURE_STACK, "--diff", "HEAD", "--markdown", "--out", "reports/review.md", "--comment", "reports/comment.md", "--artifact", "homelab-review"]);
    expect([markdown.status, markdown.stdout]).toEqual([2, ""]);
    const body = readFileSync(path.join(repo.dir, "reports", "review.md"), "utf8");
    expect(body.startsWith(`${REVIEW_MARKER}\n### Review of stack \`fixture\``)).toBe(true);
    expect(body).toContain("- **New published ports**\n  - `review_web/web`: 8080:80/tcp ingress");
    expect(body).toContain("```diff\n");
    // A review that fits a comment is the comment whole (the cut itself: test/review-diff.test.ts).
    expect(readFileSync(path.join(repo.dir, "reports", "comment.md"), "utf8")).toBe(body);
    const stray = repo.render(["--stack", FIXTURE_STACK, "--diff", "HEAD", "--markdown", "--comment", "reports/comment.md"]);
    expect([stray.status, stray.stderr]).toEqual([1, "render: --comment cuts the Markdown review written whole with --out: use it with --markdown --out <file>\n"]);
  });

  test("a working tree the program refuses: exit 1 with the validation's words, no output file", () => {
    repo.write("lab/index.ts", fixtureIndexWith({ web: '({ ...service, ports: [{ target: 80, published: 8080, mode: "ingress" }], mounts: [bind("/", "/host")] })' }));
    const result = repo.render(["--stack", FIXTURE_STACK, "--diff", "HEAD", "--out", "reports/refused.md"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("review_web/web: ports[0]: 8080/tcp is published on the routing mesh");
    expect(result.stderr).toContain("review_web/web: mounts[0]: bind of / (the node's whole file system) needs a reason");
    expect(() => readFileSync(path.join(repo.dir, "reports", "refused.md"))).toThrow();
    cleanedUp(repo);
    repo.git(["checkout", "--", "lab/index.ts"]);
  });

  test("interrupted while it evaluates the revision (SIGINT): the worktree is removed, exit 130", async () => {
    const child = spawn(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", "scripts/render.ts", "--stack", FIXTURE_STACK, "--diff", "HEAD"], {
      cwd: repo.dir,
      env: { ...process.env, TMPDIR: repo.tmp },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Interrupt once the worktree is checked out (its node_modules link is the last step before the evaluation).
    const checkedOut = () => scratch(repo).some((entry) => existsSync(path.join(repo.tmp, entry, "tree", "node_modules")));
    await waitUntil("the revision's worktree to be checked out", checkedOut, { timeoutMs: 20_000, intervalMs: 20, exited: () => child.exitCode !== null || child.signalCode !== null });
    expect(checkedOut()).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    cleanedUp(repo);
  });

  test("a ref that is not a revision, and a stack the revision does not have: exit 1, one line", () => {
    const ref = repo.render(["--stack", FIXTURE_STACK, "--diff", "no-such-branch"]);
    expect([ref.status, ref.stdout, ref.stderr]).toEqual([1, "", 'render: --diff: "no-such-branch" is not a revision of this repository (try HEAD, main, or a commit)\n']);
    repo.write("Pulumi.other.yaml", readFileSync(path.join(repo.dir, `Pulumi.${FIXTURE_STACK}.yaml`), "utf8"));
    const stack = repo.render(["--stack", "other", "--diff", "HEAD"]);
    expect(stack.status).toBe(1);
    // The revision's stacks, named without the temporary worktree's path.
    expect(stack.stderr).toBe(`render: no stack "other" (no Pulumi.other.yaml); the stacks are ${["dev", FIXTURE_STACK, "prod"].sort().join(", ")}\n`);
    expect(stack.stderr).not.toContain(repo.tmp);
    cleanedUp(repo);
  });
});

describe("render --diff against a revision from before the review existed", () => {
  /** The last commit of this repository without lib/view-diff.ts (the working tree's HEAD while it is uncommitted). */
  const preReview = () => {
    const added = execFileSync("git", ["log", "--diff-filter=A", "--format=%H", "--", "lib/view-diff.ts"], { cwd: PROJECT_DIR, encoding: "utf8" }).trim().split("\n").filter(Boolean).pop();
    return execFileSync("git", ["rev-parse", added ? `${added}^` : "HEAD"], { cwd: PROJECT_DIR, encoding: "utf8" }).trim();
  };
  let repo: ReviewRepo;
  let commit: string;
  beforeAll(() => {
    commit = preReview();
    repo = makeReviewRepo({
      fixture: false,
      base: (dir) => execFileSync("sh", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", PROJECT_DIR, commit, dir]),
    });
  });
  afterAll(() => repo.remove());

  test("the base revision has no review code of its own", () => {
    expect(() => repo.git(["cat-file", "-e", "HEAD:lib/view-diff.ts"])).toThrow();
    expect(repo.git(["rev-parse", "HEAD"])).not.toBe(commit);
  });

  test("prod: the review runs (exit 0 or 2) and compares the same stacks", () => {
    const { status, report, stderr } = diffJson(repo, "HEAD", "prod");
    expect([status === 0 || status === 2, stderr]).toEqual([true, ""]);
    expect(report!.base.ref).toBe("HEAD");
    expect(report!.stacks.filter((stack) => stack.status !== "changed")).toEqual([]);
  });
});

describe("the issue's planted sonarr change, on the real lab", () => {
  let repo: ReviewRepo;
  /** The real lab's STACKS with one service (sonarr in the seed, unless named) edited by `expression`. */
  const plant = (expression: string, name = "sonarr") => {
    copyFileSync(path.join(PROJECT_DIR, "lab", "index.ts"), path.join(repo.dir, "lab", "index.original.ts"));
    repo.write(
      "lab/index.ts",
      [
        'import { bind, hostBind, op, type ServiceSpec, type StackDefinition } from "./model";',
        'import { STACKS as DECLARED } from "./index.original";',
        "void bind, hostBind, op;",
        `const target = (service: ServiceSpec) => service.name === ${JSON.stringify(name)};`,
        `const edit = (service: ServiceSpec): ServiceSpec => (${expression});`,
        "export const STACKS: readonly StackDefinition[] = DECLARED.map((define): StackDefinition => (lab) => {",
        "  const stack = define(lab);",
        "  return { ...stack, services: stack.services.map((service) => (target(service) ? edit(service) : service)) };",
        "});",
        'export { SHARED_NETWORKS } from "./networks";',
        "",
      ].join("\n"),
    );
  };
  beforeAll(() => {
    repo = makeReviewRepo({ fixture: false });
  });
  afterAll(() => repo.remove());

  test("as docs/review.md runs it on a fresh clone: `npm run render -- --diff HEAD`, then `--diff main --markdown --out review.md`", () => {
    const npm = (args: readonly string[]) => spawnSync("npm", ["run", "render", "--", ...args], { cwd: repo.dir, encoding: "utf8" });
    const terminal = npm(["--diff", "HEAD"]);
    expect(terminal.status).toBe(0);
    expect(terminal.stdout).toContain('homelab review of stack "prod": the working tree against HEAD');
    expect(terminal.stdout).toContain("no change to the desired state");
    const comment = npm(["--diff", "main", "--markdown", "--out", "review.md"]);
    expect(comment.status).toBe(0);
    expect(readFileSync(path.join(repo.dir, "review.md"), "utf8")).toMatch(new RegExp(`^${REVIEW_MARKER}\n### Review of stack \`prod\`: the working tree against main \\(`));
  });

  test('undeclared, `bind("/", "/host")` and an ingress port 8989 are refused by validation, each named', () => {
    plant('{ ...service, mounts: [...(service.mounts ?? []), bind("/", "/host")], ports: [...(service.ports ?? []), { target: 8989, published: 8989, mode: "ingress" }] }');
    const result = repo.render(["--diff", "HEAD"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/application_media_core\/sonarr: ports\[\d+\]: 8989\/tcp is published on the routing mesh \(every node's address\), which reaches this service past Caddy and Authentik/);
    expect(result.stderr).toMatch(/application_media_core\/sonarr: mounts\[\d+\]: bind of \/ \(the node's whole file system\) needs a reason/);
  });

  test("declared with reasons, the same change is called out in the exposure summary", () => {
    plant('{ ...service, mounts: [...(service.mounts ?? []), hostBind("/", "/host", "a planted reason")], ports: [...(service.ports ?? []), { target: 8989, published: 8989, mode: "ingress", reason: "a planted reason" }] }');
    const { status, report } = diffJson(repo, "HEAD", "prod");
    expect(status).toBe(2);
    const sonarr = report!.exposure.filter((item) => item.subject === "application_media_core/sonarr").map((item) => `${item.kind}: ${item.detail}`);
    expect(sonarr).toEqual([
      "published-port: 8989:8989/tcp ingress (routing mesh, every node): a planted reason; the routing mesh reaches it past Caddy and Authentik (its sites: sonarr.in.hypyr.space)",
      "docker-socket: bind / -> /host ro (a planted reason): reaches the Docker socket, root on its node",
      "host-bind: bind / -> /host ro (a planted reason); the node's whole file system",
    ]);
    expect(report!.exposure.filter((item) => item.subject !== "application_media_core/sonarr")).toEqual([]);
  });

  test("the issue's tracearr change (another 1Password item and field for a secret) is called out, with both sources", () => {
    plant('{ ...service, secretEnv: { ...service.secretEnv, POSTGRES_PASSWORD: op("tracearr-stak", "DB_PASWORD") } }', "tracearr-timescaledb");
    const { status, report } = diffJson(repo, "HEAD", "prod");
    expect(status).toBe(2);
    expect(report!.exposure.filter((item) => item.kind === "secret-source")).toEqual([
      {
        kind: "secret-source",
        subject: "application_media_support/tracearr-timescaledb",
        detail: "/run/secrets/POSTGRES_PASSWORD: 1Password tracearr-stack/DB_PASSWORD -> 1Password tracearr-stak/DB_PASWORD",
      },
    ]);
  });
});
