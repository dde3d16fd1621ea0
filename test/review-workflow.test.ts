import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { COMMENT_LIMIT, REVIEW_MARKER, reviewMarkdown } from "../review/report";
import { readWorkflow } from "./support/workflows";

/**
 * The review job of lab-preview.yml, checked against what runs it: its shell step run by bash as
 * GitHub runs `shell: bash` steps (with a stand-in npm answering each exit code), its comment
 * script run as actions/github-script runs one (an async function of require, github, context,
 * with a stand-in for GitHub's API). test/workflows.test.ts checks the workflows as data.
 */

const workflow = readWorkflow("lab-preview.yml");

describe("the review on pull requests (lab-preview.yml: review)", () => {
  const job = workflow.jobs.review!;
  const step = (name: RegExp) => job.steps.find((candidate) => name.test(candidate.name ?? candidate.uses ?? ""))!;
  const render = step(/^review against the base branch/);
  const post = step(/^post the review/);
  const upload = step(/^actions\/upload-artifact@/);
  const RENDER = "npm run -s render -- --stack prod --diff HEAD^1 --markdown --out reports/review.md --comment reports/comment.md --artifact homelab-review";

  test("runs for either deployer on a GitHub-hosted runner, with no secret, never for forks", () => {
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(JSON.stringify(job)).not.toContain("secrets.");
    expect(job.steps[0]!.with).toEqual({ "persist-credentials": false, "fetch-depth": 2 });
  });

  test("renders the review of the merge commit against its first parent, the base branch", () => {
    expect(render.run).toContain(RENDER);
    expect(render.id).toBe("review");
  });

  test("the whole review goes into the artifact the job uploads, and the comment's note names that artifact", () => {
    expect(upload.with).toMatchObject({ path: "reports/" });
    expect(render.run).toContain(`--out reports/review.md --comment reports/comment.md --artifact ${upload.with!.name}`);
  });

  /** The step's script as GitHub runs `shell: bash` steps, with `npm` answering `code`. */
  const runRender = (code: number) => {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-review-step-"));
    try {
      mkdirSync(path.join(dir, "bin"));
      writeFileSync(path.join(dir, "bin", "npm"), `#!/bin/sh\necho "npm $*" >> "${dir}/calls"\nexit ${code}\n`, { mode: 0o755 });
      writeFileSync(path.join(dir, "step.sh"), render.run!);
      const output = path.join(dir, "output");
      writeFileSync(output, "");
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path.join(dir, "step.sh")], {
        encoding: "utf8",
        env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, GITHUB_OUTPUT: output },
      });
      return { status: result.status, stdout: result.stdout, output: readFileSync(output, "utf8"), calls: readFileSync(path.join(dir, "calls"), "utf8") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test.each([
    [0, 0, "changed=false\n"],
    [2, 0, "changed=true\n"],
    [1, 1, ""],
  ])("render exit code %i: the step exits %i with output %j", (code, status, output) => {
    const result = runRender(code);
    expect([result.status, result.output]).toEqual([status, output]);
    expect(result.calls).toBe(`${RENDER}\n`);
    if (code === 1) expect(result.stdout).toContain("::error::the review could not be made (render exit code 1");
  });

  /** The comment step's script run as actions/github-script runs it: an async function of (require, github, context). */
  async function runPost(body: string, existing: { id: number; body: string; user: { type: string } }[]) {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-review-post-"));
    const file = path.join(dir, "review.md");
    writeFileSync(file, body);
    const calls: [string, Record<string, unknown>][] = [];
    const github = {
      paginate: async (_: unknown, args: Record<string, unknown>) => (calls.push(["list", args]), existing),
      rest: {
        issues: {
          listComments: {},
          createComment: async (args: Record<string, unknown>) => void calls.push(["create", args]),
          updateComment: async (args: Record<string, unknown>) => void calls.push(["update", args]),
        },
      },
    };
    const context = { repo: { owner: "owner", repo: "homelab" }, payload: { pull_request: { number: 7 } } };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    const previous = process.env.REVIEW_FILE;
    process.env.REVIEW_FILE = file;
    try {
      await new AsyncFunction("require", "github", "context", post.with!.script as string)(require, github, context);
      return calls;
    } finally {
      process.env.REVIEW_FILE = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const review = `${REVIEW_MARKER}\n### Review of stack \`prod\`\n`;

  test("reads the comment the render step cut to fit, by the marker the render writes (not a copy of it)", () => {
    expect(post.uses).toBe("actions/github-script@v7");
    expect(post.env).toEqual({ REVIEW_FILE: "reports/comment.md" });
    expect(render.run).toContain(`--comment ${post.env!.REVIEW_FILE} `);
    expect(post.with!.script).not.toContain(REVIEW_MARKER);
  });

  test("creates one comment, then updates its own on every push (not a person's that quotes the marker)", async () => {
    expect((await runPost(review, [])).slice(1)).toEqual([["create", { owner: "owner", repo: "homelab", issue_number: 7, body: review }]]);
    const existing = [
      { id: 1, body: `${REVIEW_MARKER} quoted by a person`, user: { type: "User" } },
      { id: 2, body: `${REVIEW_MARKER}\nold review`, user: { type: "Bot" } },
    ];
    expect((await runPost(review, existing)).slice(1)).toEqual([["update", { owner: "owner", repo: "homelab", comment_id: 2, body: review }]]);
  });

  test("its comment is found by the body's own first line: another bot's marked comment is left alone", async () => {
    const other = [{ id: 3, body: "<!-- another-bot -->\nits report", user: { type: "Bot" } }];
    expect((await runPost(review, other)).slice(1)).toEqual([["create", { owner: "owner", repo: "homelab", issue_number: 7, body: review }]]);
  });

  test("a review the render cut to fit a comment is posted as it is: below GitHub's limit, its block closed, with a note", async () => {
    const added = Array.from({ length: 5000 }, () => "a line of the diff");
    const diff = { stack: "prod", changed: true, exposure: [], lab: [], stacks: [{ name: "app", status: "changed" as const, changes: [{ field: "labels", removed: [], added }], services: [] }] };
    const cut = reviewMarkdown({ base: { ref: "HEAD^1", commit: "0123456789abcdef" }, diff }, { limit: COMMENT_LIMIT, file: "review.md", artifact: "homelab-review" });
    const [, [, args]] = (await runPost(cut, [])) as [unknown, [string, { body: string }]];
    expect(args.body).toBe(cut);
    expect(args.body.length).toBeLessThan(65536);
    expect(args.body).toMatch(/\n`{3}\n\n<\/details>\n\n_Cut here to fit 65536 characters, \d+ of the review's \d+ lines left out: the whole review is `review\.md` in this run's artifact `homelab-review`\._\n$/);
  });

  test("a file that is not a review is refused, not posted", async () => {
    await expect(runPost("npm ERR! something went wrong\n", [])).rejects.toThrow("is not a review (no marker)");
  });

  test("the review files are kept as an artifact whatever happened", () => {
    expect(upload.if).toContain("!cancelled()");
    expect(upload.with).toEqual({ name: "homelab-review", path: "reports/" });
  });
});
