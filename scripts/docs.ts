import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { type HomelabConfig, parseConfig } from "../config";
import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import { DOC_FILES, type DocFile, renderDocs } from "../docs-generator";
import { POLICY_LISTS_FILE, renderPolicyLists } from "../docs-generator/policy-lists";
import type { DocsOptions } from "../docs-generator/document";
import { type EvaluatedLab, evaluateLab } from "../evaluation/evaluate-lab";
import { PROJECT_DIR } from "../lib/project-dir";
import { readStackConfig } from "../config/stack-file";
import { programFields } from "../evaluation/program-fields";

/**
 * `npm run docs`: regenerates docs/*.md and the policy pack's lists (policy/lab-lists.ts) from the
 * lab declaration, evaluated with the prod stack's config (the lab as it runs). `--check` writes
 * nothing and exits 1 naming the stale files.
 * Evaluating is pure: no Pulumi, no secret is read, no credentials are needed.
 */

/** The Pulumi stack whose configuration the committed docs describe. */
export const DOCS_STACK = "prod";
export const DOCS_DIR = path.join(PROJECT_DIR, "docs");

/** The stack's config; the docs read no secret, so no credential is needed. */
export function docsConfig(stack: string = DOCS_STACK): HomelabConfig {
  return parseConfig(readStackConfig(stack), { purpose: "evaluate" }).homelab;
}

/**
 * What the generated docs say about their source: the stack file, the secret source, the internal
 * DNS and the program's own fields.
 */
export function docsOptions(config: HomelabConfig, stack: string = DOCS_STACK): DocsOptions {
  return {
    source: `Pulumi.${stack}.yaml`,
    secretSource: config.secrets.source === "onepassword" ? `the 1Password vault \`${config.secrets.vault}\`` : "config (`homelab:secretValues`)",
    internalDns: config.unifi ? "the UniFi gateway" : undefined,
    programFields: programFields(config),
  };
}

/** The docs and the policy pack's lists, in memory, for a lab made of `definitions` (the real lab by default). */
export function generateDocs(definitions: readonly StackDefinition[] = STACKS): { lab: EvaluatedLab; files: Map<DocFile, string>; policyLists: string } {
  const config = docsConfig();
  const lab = evaluateLab(config, definitions);
  return { lab, files: renderDocs(lab, docsOptions(config)), policyLists: renderPolicyLists(lab, `Pulumi.${DOCS_STACK}.yaml`) };
}

/** Whether the committed policy/lab-lists.ts under `projectDir` differs from `text` (or is missing). */
export function stalePolicyLists(text: string, projectDir: string = PROJECT_DIR): boolean {
  return readOrUndefined(path.join(projectDir, POLICY_LISTS_FILE)) !== text;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Files under `dir` whose content differs from the generated docs (or that are missing). */
export function staleDocs(files: ReadonlyMap<DocFile, string>, dir: string = DOCS_DIR): DocFile[] {
  return DOC_FILES.filter((name) => readOrUndefined(path.join(dir, name)) !== files.get(name));
}

function main(): void {
  const program = new Command()
    .name("docs")
    .description(`Regenerate docs/*.md from the lab declaration, evaluated with Pulumi.${DOCS_STACK}.yaml.`)
    .option("--check", "write nothing; exit 1 and name the files that are stale")
    .option("-o, --out <dir>", "directory to write the docs to or check (default: the project's docs/); the policy lists stay in policy/")
    .parse();
  const options = program.opts<{ check?: boolean; out?: string }>();
  const dir = options.out !== undefined ? path.resolve(options.out) : DOCS_DIR;
  const { files, policyLists } = generateDocs();
  const listsFile = path.join(PROJECT_DIR, POLICY_LISTS_FILE);
  const listsStale = stalePolicyLists(policyLists);
  const shown = (name: string) => path.relative(process.cwd(), path.join(dir, name)) || name;
  const staleFiles = [...staleDocs(files, dir).map(shown), ...(listsStale ? [path.relative(process.cwd(), listsFile) || listsFile] : [])];
  const stale = staleDocs(files, dir);
  const total = DOC_FILES.length + 1;

  if (options.check) {
    if (staleFiles.length > 0) {
      process.stderr.write(`docs: stale: ${staleFiles.join(", ")}; run \`npm run docs\` and commit the result\n`);
      process.exit(1);
    }
    process.stderr.write(`docs: ${total} files up to date\n`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const name of stale) writeFileSync(path.join(dir, name), files.get(name)!, "utf8");
  if (listsStale) writeFileSync(listsFile, policyLists, "utf8");
  process.stderr.write(staleFiles.length > 0 ? `docs: wrote ${staleFiles.join(", ")}\n` : `docs: ${total} files up to date\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`docs: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
