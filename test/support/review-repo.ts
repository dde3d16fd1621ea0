import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { PROJECT_DIR } from "../../lib/project-dir";
import { FIXTURE_CONFIG, FIXTURE_DIGEST, FIXTURE_LOCKED_IMAGE, FIXTURE_STACK } from "../fixtures/review-lab";
import { copyProject } from "./project-copy";

/**
 * Throw-away git repositories for the render's tests and the guide's example: a copy of this
 * working tree (what a fresh clone has), optionally with the lab swapped for the review fixture,
 * committed, so `render --diff HEAD` runs for real. node_modules is a link to this tree's, as in
 * the render's own worktrees. The render runs as docs/review.md says, through its CLI.
 */

export interface ReviewRepo {
  readonly dir: string;
  /** The render's TMPDIR: where its temporary worktrees go, so a test can see they are gone. */
  readonly tmp: string;
  /** Runs `render <args>` in the repository; never throws on a non-zero exit. */
  render(args: readonly string[]): { status: number | null; stdout: string; stderr: string };
  git(args: readonly string[]): string;
  write(file: string, text: string): void;
  commit(message: string): void;
  remove(): void;
}

/** The fixture lab in place of the user's: its stacks, one shared network, no removals, its image lock, its config. */
export const FIXTURE_FILES: Readonly<Record<string, string>> = {
  "lab/index.ts": [
    'export { FIXTURE_STACKS as STACKS } from "../test/fixtures/review-lab";',
    'export { SHARED_NETWORKS } from "./networks";',
    "",
  ].join("\n"),
  "lab/networks.ts": [
    "export interface SharedNetworkSpec {",
    "  readonly key: string;",
    "  readonly name: string;",
    "  readonly namespace?: string;",
    "  readonly purpose: string;",
    "}",
    'export const SHARED_NETWORKS: readonly SharedNetworkSpec[] = [{ key: "proxy_network", name: "proxy_network", purpose: "Caddy routing" }];',
    "",
  ].join("\n"),
  "lab/removed.ts": 'import type { Removal } from "./model";\nexport const REMOVED: readonly Removal[] = [];\n',
  "lab/images.lock.json": `${JSON.stringify({ version: 1, images: { [FIXTURE_LOCKED_IMAGE]: FIXTURE_DIGEST } }, null, 2)}\n`,
  [`Pulumi.${FIXTURE_STACK}.yaml`]: stringify({
    config: Object.fromEntries(Object.entries(FIXTURE_CONFIG).map(([key, value]) => [key, /^[[{]/.test(value) ? JSON.parse(value) : value])),
  }),
};

/**
 * A `lab/index.ts` for the fixture that edits its services: `edits` maps a service name to a
 * TypeScript expression of the edited service (`service` is the original; `undefined` removes it).
 */
export function fixtureIndexWith(edits: Readonly<Record<string, string>>): string {
  const cases = Object.entries(edits).map(([name, expression]) => `  ${JSON.stringify(name)}: (service) => ${expression},`);
  return [
    'import { Auth, bind, hostBind, op, SecretEnv, type ServiceSpec, type StackDefinition } from "./model";',
    'import { FIXTURE_STACKS } from "../test/fixtures/review-lab";',
    "void Auth, bind, hostBind, op, SecretEnv;",
    "const edits: Record<string, (service: ServiceSpec) => ServiceSpec | undefined> = {",
    ...cases,
    "};",
    "export const STACKS: readonly StackDefinition[] = FIXTURE_STACKS.map((define): StackDefinition => (lab) => {",
    "  const stack = define(lab);",
    "  const services = stack.services.flatMap((service) => {",
    "    const edited = edits[service.name] ? edits[service.name]!(service) : service;",
    "    return edited ? [edited] : [];",
    "  });",
    "  return { ...stack, services };",
    "});",
    'export { SHARED_NETWORKS } from "./networks";',
    "",
  ].join("\n");
}

export function makeReviewRepo(options: { fixture: boolean; base?: (dir: string) => void }): ReviewRepo {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-render-test-"));
  const tmp = `${dir}.tmp`;
  mkdirSync(tmp);
  const git = (args: readonly string[]) => execFileSync("git", [...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  const commit = (message: string) => {
    git(["add", "-A"]);
    git(["-c", "user.name=render test", "-c", "user.email=render@test.invalid", "commit", "-q", "--allow-empty", "-m", message]);
  };
  git(["init", "-q", "-b", "main"]);
  // The link to node_modules is not part of any revision (`node_modules/` ignores directories only).
  writeFileSync(path.join(dir, ".git", "info", "exclude"), "node_modules\n");
  // An older revision can be the base; the working tree is then replaced by this one.
  if (options.base) {
    options.base(dir);
    commit("base revision");
    for (const entry of readdirSync(dir)) if (entry !== ".git") rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  copyProject(dir);
  if (options.fixture) for (const [file, text] of Object.entries(FIXTURE_FILES)) write(file, text);
  symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
  if (!options.base) commit("the lab as cloned");
  const tsNode = path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node");
  return {
    dir,
    tmp,
    git,
    write,
    commit,
    render: (args) => {
      const result = spawnSync(tsNode, ["--transpile-only", "scripts/render.ts", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", TMPDIR: tmp } });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
