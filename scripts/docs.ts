import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { type HomelabConfig, parseConfig } from "../config";
import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import { DOC_FILES, type DocFile, renderDocs } from "../lib/docs";
import { type DocsOptions, GENERATED_NOTICE } from "../lib/docs/document";
import { type EvaluatedLab, evaluateLab } from "../lib/evaluate-lab";
import { PROJECT_DIR } from "../lib/project-dir";
import { readStackConfig } from "../offline/stack-config";
import { programFields } from "../lib/program-fields";

/**
 * `npm run docs`: regenerates docs/lab/*.md from the lab declaration, evaluated with the prod stack's
 * config (the lab as it runs). `--check` writes nothing and exits 1 naming the stale files.
 * Evaluating is pure: no Pulumi, no secret is read, no credentials are needed.
 */

/** The Pulumi stack whose configuration the committed docs describe. */
export const DOCS_STACK = "prod";
/** Generated, every file: the guides beside it, in docs/, are written by hand. */
export const DOCS_DIR = path.join(PROJECT_DIR, "docs", "lab");

/** The stack's config; the docs read no secret, so no credential is needed. */
export function docsConfig(stack: string = DOCS_STACK): HomelabConfig {
  return parseConfig(readStackConfig(stack), { purpose: "evaluate" }).homelab;
}

export function docsOptions(config: HomelabConfig, stack: string = DOCS_STACK): DocsOptions {
  return {
    source: `Pulumi.${stack}.yaml`,
    secretSource: config.secrets.source === "onepassword" ? `the 1Password vault \`${config.secrets.vault}\`` : "config (`homelab:secretValues`)",
    internalDns: config.unifi ? "the UniFi gateway" : undefined,
    programFields: programFields(config),
  };
}

/** The docs, in memory, for a lab made of `definitions` (the real lab by default). */
export function generateDocs(definitions: readonly StackDefinition[] = STACKS): { lab: EvaluatedLab; files: Map<DocFile, string> } {
  const config = docsConfig();
  const lab = evaluateLab(config, definitions);
  return { lab, files: renderDocs(lab, docsOptions(config)) };
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

function main(): void {
  const program = new Command()
    .name("docs")
    .description(`Regenerate docs/lab/*.md from the lab declaration, evaluated with Pulumi.${DOCS_STACK}.yaml.`)
    .option("--check", "write nothing; exit 1 and name the files that are stale")
    .option("-o, --out <dir>", "directory to write to or check (default: the project's docs/lab/)")
    .parse();
  const options = program.opts<{ check?: boolean; out?: string }>();
  const dir = options.out !== undefined ? path.resolve(options.out) : DOCS_DIR;
  const { files } = generateDocs();
  const stale = staleDocs(files, dir);
  const orphans = orphanDocs(dir);
  const shown = (name: string) => path.relative(process.cwd(), path.join(dir, name)) || name;

  if (options.check) {
    if (stale.length > 0 || orphans.length > 0) {
      const what = [...(stale.length > 0 ? [`stale: ${stale.map(shown).join(", ")}`] : []), ...(orphans.length > 0 ? [`no longer generated: ${orphans.map(shown).join(", ")}`] : [])];
      process.stderr.write(`docs: ${what.join("; ")}; run \`npm run docs\` and commit the result\n`);
      process.exit(1);
    }
    process.stderr.write(`docs: ${DOC_FILES.length} files up to date\n`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const name of stale) writeFileSync(path.join(dir, name), files.get(name)!, "utf8");
  for (const name of orphans) rmSync(path.join(dir, name));
  const done = [...(stale.length > 0 ? [`wrote ${stale.map(shown).join(", ")}`] : []), ...(orphans.length > 0 ? [`removed ${orphans.map(shown).join(", ")}`] : [])];
  process.stderr.write(done.length > 0 ? `docs: ${done.join("; ")}\n` : `docs: ${DOC_FILES.length} files up to date\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`docs: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
