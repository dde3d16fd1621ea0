import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../lib/project-dir";
import { readDocumentation } from "./support/guides";
import { readWorkflow, stepsOf, workflowFiles, type WorkflowStep } from "./support/workflows";

/**
 * The policy pack runs on every preview and deployment the project sets up: each workflow step
 * that runs `pulumi preview` or `pulumi up` passes it, Pulumi Deployments (which cannot take a
 * local pack) is covered by the review job, and the README's own commands include it.
 */

const PULUMI_RUN = /\bpulumi (preview|up)\b/;

/** Steps that run a preview or an update of the lab: through the CLI, or through pulumi/actions. */
function pulumiSteps(): { file: string; step: WorkflowStep; command: string }[] {
  return workflowFiles().flatMap((file) =>
    stepsOf(readWorkflow(file)).flatMap((step) => {
      if (step.uses?.startsWith("pulumi/actions@") && ["preview", "up"].includes(String(step.with?.command))) return [{ file, step, command: String(step.with!.command) }];
      const lines = (step.run ?? "").split("\n").filter((line) => PULUMI_RUN.test(line) && !/^\s*#/.test(line));
      return lines.map((line) => ({ file, step, command: line.trim() }));
    }),
  );
}

test("the workflows run previews and updates (so the checks below check something)", () => {
  const files = new Set(pulumiSteps().map((found) => found.file));
  expect([...files].sort()).toEqual(expect.arrayContaining(["lab-preview.yml", "lab-up.yml", "lab-roundtrip.yml"]));
});

test.each(pulumiSteps().map((found) => [`${found.file}: ${found.step.name ?? found.command}`, found] as const))("%s passes the policy pack", (_title, found) => {
  if (found.step.uses) {
    expect(found.step.with?.policyPacks).toBe("policy");
    return;
  }
  expect(found.command).toMatch(/--policy-pack policy\b/);
  // The dev stack runs the pack with its own configuration (no pinning, forward auth advisory).
  if (/--stack dev\b/.test(found.command)) expect(found.command).toContain("--policy-pack-config policy/config.dev.json");
});

test("Deployments' settings take no policy pack: the provider's own options for a run have none", () => {
  // The contract is the installed provider's type definitions; a version that adds a policy
  // option makes this fail, so that ops/settings.ts can pass the pack there.
  const types = readFileSync(require.resolve("@pulumi/pulumiservice/types/input.d.ts"), "utf8");
  const body = /export interface OperationContextOptionsArgs \{([\s\S]*?)\n\}/.exec(types)![1]!;
  const keys = [...body.matchAll(/^\s{4}(\w+)\?:/gm)].map((match) => match[1]);
  expect(keys.sort()).toEqual(["deleteAfterDestroy", "shell", "skipInstallDependencies", "skipIntermediateDeployments"]);
  expect(keys.filter((key) => /polic/i.test(key!))).toEqual([]);
});

test("the gap is covered: the review job runs the pack on every pull request, for either deployer", () => {
  const workflow = readWorkflow("lab-preview.yml");
  expect(Object.keys(workflow.on)).toContain("pull_request");
  const review = workflow.jobs.review!;
  expect(review["runs-on"]).toBe("ubuntu-latest");
  expect(review.if ?? "").not.toContain("LAB_DEPLOYER");
  const step = review.steps.find((candidate) => candidate.run === "npm run test:policy");
  expect(step).toBeDefined();
  expect(step!.if).toBeUndefined();
  const scripts = (JSON.parse(readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  expect(scripts["test:policy"]).toBe("jest test/policy/");
});

test("the review job type-checks, and says so in its comment when the tree does not compile", () => {
  const review = readWorkflow("lab-preview.yml").jobs.review!;
  const typecheck = review.steps.find((step) => step.id === "typecheck")!;
  expect(typecheck.run).toBe("npx tsc --noEmit");
  const note = review.steps.find((step) => step.if === "steps.typecheck.outcome == 'failure'" && (step.run ?? "").includes("reports/comment.md"))!;
  expect(note.run).toContain("This tree does not compile");
  const names = review.steps.map((step) => step.name ?? step.uses);
  expect(names.indexOf(note.name)).toBeLessThan(names.findIndex((name) => /^post the review/.test(name ?? "")));
});

test("the README's and the guides' own preview and deploy commands include the pack", () => {
  const readme = readDocumentation().map((doc) => doc.text).join("\n");
  const blocks = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].map((match) => match[1]!);
  // The ops project (`cd ops`) is another Pulumi project, with no pack of its own.
  const labLines = blocks.filter((block) => !/\bcd ops\b/.test(block)).flatMap((block) => block.split("\n")).filter((line) => PULUMI_RUN.test(line));
  expect(labLines.length).toBeGreaterThan(0);
  for (const line of labLines) expect(line).toMatch(/--policy-pack policy\b/);
  const inline = [...readme.matchAll(/`(pulumi (?:preview|up)[^`]*)`/g)].map((match) => match[1]!).filter((command) => / --/.test(command) && !/--preview-only|--expect-no-changes|--diff$/.test(command));
  for (const command of inline) expect(command).toMatch(/--policy-pack policy\b/);
});
