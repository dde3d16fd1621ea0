import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

/**
 * The repository's GitHub Actions workflows, read as GitHub reads them (YAML), for the tests that
 * check them as data (test/workflows.test.ts, test/consumers-workflow.test.ts) and those that run
 * their steps (test/review-workflow.test.ts, test/engine-ssh.test.ts).
 */

export const WORKFLOWS_DIR = path.resolve(__dirname, "..", "..", ".github", "workflows");

type Loose = Record<string, any>;

export interface WorkflowStep {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Loose;
  readonly env?: Record<string, string>;
}

export interface WorkflowJob {
  readonly name?: string;
  readonly if?: string;
  readonly "runs-on": string | string[];
  readonly permissions?: Record<string, string> | string;
  readonly "timeout-minutes"?: number;
  readonly env?: Record<string, string>;
  readonly steps: WorkflowStep[];
}

export interface Workflow {
  readonly file: string;
  /** The file as written, for checks of expressions and secrets. */
  readonly text: string;
  readonly name: string;
  readonly on: Loose;
  readonly permissions?: unknown;
  readonly concurrency?: { group: string; "cancel-in-progress": boolean };
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, WorkflowJob>;
}

/** The workflow files there are (`*.yml`, `*.yaml`). */
export function workflowFiles(): string[] {
  return existsSync(WORKFLOWS_DIR) ? readdirSync(WORKFLOWS_DIR).filter((file) => /\.ya?ml$/.test(file)) : [];
}

export function readWorkflow(file: string): Workflow {
  const text = readFileSync(path.join(WORKFLOWS_DIR, file), "utf8");
  return { ...(parseYaml(text) as Omit<Workflow, "file" | "text">), file, text };
}

export const stepsOf = (workflow: Workflow): WorkflowStep[] => Object.values(workflow.jobs).flatMap((job) => job.steps);

/** The first step of any job whose name (or, unnamed, whose action) matches; an error if none does. */
export function stepNamed(workflow: Workflow, name: RegExp): WorkflowStep {
  const step = stepsOf(workflow).find((candidate) => name.test(candidate.name ?? candidate.uses ?? ""));
  if (!step) throw new Error(`${workflow.file}: no step matching ${name}`);
  return step;
}
