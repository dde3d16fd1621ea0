import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { type HomelabConfig, parseConfig } from "../config";
import { readStackConfig } from "../config/stack-file";
import { type EvaluatedLab, evaluateLab } from "../evaluation/evaluate-lab";
import { programFields } from "../evaluation/program-fields";
import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import { PROJECT_DIR } from "../lib/project-dir";
import { type DocsOptions, GENERATED_NOTICE } from "./document";
import { DOC_FILES, type DocFile, renderDocs } from "./index";
import { POLICY_LISTS_FILE, renderPolicyLists } from "./policy-lists";

/**
 * The generated files of the prod lab, in memory, and which of the committed ones are stale:
 * what `npm run docs` (scripts/docs.ts) writes and checks, and the tests compare. Evaluating is
 * pure: no Pulumi, no secret is read, no credentials are needed.
 */

/** The Pulumi stack whose configuration the committed docs describe. */
export const DOCS_STACK = "prod";
/** Generated, every file: the guides beside it, in docs/, are written by hand. */
export const DOCS_DIR = path.join(PROJECT_DIR, "docs", "lab");

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

/**
 * Files under `dir` that an earlier `npm run docs` generated (they start with its notice) and that
 * it no longer generates, e.g. after a rename. A file without the notice is never one.
 */
export function orphanDocs(dir: string = DOCS_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".md") && !(DOC_FILES as readonly string[]).includes(name))
    .filter((name) => readOrUndefined(path.join(dir, name))?.startsWith(`${GENERATED_NOTICE}\n`))
    .sort();
}
