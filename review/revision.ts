import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Removal, StackSpec } from "../lab/model";
import type { LabView } from "./lab-view";
import { PROJECT_DIR } from "../lib/project-dir";
import type { OfflineRun } from "../offline/run";
import { readConfigFile } from "../config/stack-file";
import { buildView } from "./view-builder";

/**
 * The desired state of a revision: this working tree, or any commit checked out into a temporary
 * git worktree. The revision's own program is evaluated offline (its offline/run.ts, its lab, its
 * Pulumi.<stack>.yaml), and this code builds the view, so a revision from before the review
 * existed is reviewed exactly like the working tree.
 */

/** A config value as Pulumi hands it to a program: objects and lists as JSON. */
function configValue(raw: Readonly<Record<string, string>>, key: string): any {
  const value = raw[`homelab:${key}`];
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The declared stacks of a run's evaluated lab: each `StackPlan`'s `spec`, or, in revisions from
 * before the evaluated lab carried plans, the stacks themselves.
 */
function declaredStacks(stacks: readonly (StackSpec | { readonly spec: StackSpec })[]): StackSpec[] {
  return stacks.map((stack) => ("spec" in stack ? stack.spec : stack));
}

/** The view of a finished run, given the raw configuration it ran with and the declared removals. */
export function viewOfRun(stack: string, run: Pick<OfflineRun, "resources" | "outputs" | "lab" | "fakeSecrets">, raw: Readonly<Record<string, string>>, removals: readonly Removal[]): LabView {
  return buildView({
    stack,
    secretSource: run.outputs.secretSource,
    config: {
      domain: configValue(raw, "domain"),
      internalDomain: configValue(raw, "internalDomain"),
      storageNode: configValue(raw, "storageNode"),
      paths: configValue(raw, "paths") ?? {},
      secrets: configValue(raw, "secrets") ?? { source: "onepassword" },
      forwardAuth: configValue(raw, "forwardAuth"),
      services: configValue(raw, "services"),
    },
    stacks: declaredStacks(run.lab.stacks),
    sharedNetworks: run.lab.sharedNetworks,
    resources: run.resources,
    removals,
    // Offline, the run hands out one fake value per field it reads: exactly the fields to set.
    secretFields: [...run.fakeSecrets.keys()].filter((key) => !key.startsWith("program:")),
    unlockedImages: (run.lab as { unlockedImages?: LabView["unlockedImages"] }).unlockedImages ?? [],
  });
}

/** Evaluates the lab of the project at `root` for `stack` and builds its view. */
export async function evaluateView(root: string, stack: string): Promise<LabView> {
  const offline = path.join(root, "offline", "run");
  if (!existsSync(`${offline}.ts`) && !existsSync(`${offline}.js`)) {
    throw new Error(`${path.relative(PROJECT_DIR, root) || "."} has no offline/run.ts: revisions from before the offline render cannot be evaluated`);
  }
  const { runOffline } = require(offline) as typeof import("../offline/run");
  const removedModule = path.join(root, "lab", "removed");
  const removals = existsSync(`${removedModule}.ts`) ? ((require(removedModule) as { REMOVED?: readonly Removal[] }).REMOVED ?? []) : [];
  // The revision's own stack file, read by this code: the format never changed.
  const raw = readConfigFile(path.join(root, `Pulumi.${stack}.yaml`));
  const run = await runOffline({ stack, rawConfig: raw });
  return viewOfRun(stack, run, raw, removals);
}

function git(args: readonly string[], cwd = PROJECT_DIR): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export interface Revision {
  /** The project's root inside the checked-out revision. */
  readonly root: string;
  readonly commit: string;
}

/**
 * Checks `ref` out into a temporary worktree (sharing this working tree's node_modules), runs
 * `use`, and removes the worktree afterwards, whatever happens, an interrupt included.
 */
export async function withRevision<T>(ref: string, use: (revision: Revision) => Promise<T>): Promise<T> {
  let top: string;
  try {
    top = git(["rev-parse", "--show-toplevel"]);
  } catch {
    throw new Error(`--diff needs a git repository; ${PROJECT_DIR} is not inside one`);
  }
  let commit: string;
  try {
    commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new Error(`--diff: "${ref}" is not a revision of this repository (try HEAD, main, or a commit)`);
  }
  const scratch = mkdtempSync(path.join(tmpdir(), "homelab-render-revision-"));
  const tree = path.join(scratch, "tree");
  let removed = false;
  const cleanUp = () => {
    if (removed) return;
    removed = true;
    try {
      git(["worktree", "remove", "--force", tree]);
    } catch {
      git(["worktree", "prune"]);
    }
    rmSync(scratch, { recursive: true, force: true });
  };
  const interrupted = (signal: NodeJS.Signals) => {
    cleanUp();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  try {
    git(["worktree", "add", "--detach", "--quiet", tree, commit]);
    const root = path.join(tree, path.relative(top, PROJECT_DIR));
    if (!existsSync(path.join(root, "node_modules"))) symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(root, "node_modules"), "dir");
    return await use({ root, commit });
  } finally {
    cleanUp();
    // An interrupt that came while the evaluation kept the event loop busy is dispatched on the
    // loop's next turn: give it that turn, so it still ends the run with its exit code.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
  }
}
