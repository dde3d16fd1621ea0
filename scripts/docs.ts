import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { DOC_FILES } from "../docs-generator";
import { DOCS_DIR, DOCS_STACK, generateDocs, orphanDocs, staleDocs, stalePolicyLists } from "../docs-generator/generate";
import { POLICY_LISTS_FILE } from "../docs-generator/policy-lists";
import { PROJECT_DIR } from "../lib/project-dir";

/**
 * `npm run docs`: regenerates docs/lab/*.md and the policy pack's lists (policy/lab-lists.ts) from the
 * lab declaration, evaluated with the prod stack's config (the lab as it runs). `--check` writes
 * nothing and exits 1 naming the stale files, and the ones it generated once and no longer does.
 */

function main(): void {
  const program = new Command()
    .name("docs")
    .description(`Regenerate docs/lab/*.md from the lab declaration, evaluated with Pulumi.${DOCS_STACK}.yaml.`)
    .option("--check", "write nothing; exit 1 and name the files that are stale")
    .option("-o, --out <dir>", "directory to write the docs to or check (default: the project's docs/lab/); the policy lists stay in policy/")
    .parse();
  const options = program.opts<{ check?: boolean; out?: string }>();
  const dir = options.out !== undefined ? path.resolve(options.out) : DOCS_DIR;
  const { files, policyLists } = generateDocs();
  const listsFile = path.join(PROJECT_DIR, POLICY_LISTS_FILE);
  const listsStale = stalePolicyLists(policyLists);
  const shown = (name: string) => path.relative(process.cwd(), path.join(dir, name)) || name;
  const staleFiles = [...staleDocs(files, dir).map(shown), ...(listsStale ? [path.relative(process.cwd(), listsFile) || listsFile] : [])];
  const stale = staleDocs(files, dir);
  const orphans = orphanDocs(dir);
  const total = DOC_FILES.length + 1;

  if (options.check) {
    if (staleFiles.length > 0 || orphans.length > 0) {
      const what = [...(staleFiles.length > 0 ? [`stale: ${staleFiles.join(", ")}`] : []), ...(orphans.length > 0 ? [`no longer generated: ${orphans.map(shown).join(", ")}`] : [])];
      process.stderr.write(`docs: ${what.join("; ")}; run \`npm run docs\` and commit the result\n`);
      process.exit(1);
    }
    process.stderr.write(`docs: ${total} files up to date\n`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const name of stale) writeFileSync(path.join(dir, name), files.get(name)!, "utf8");
  if (listsStale) writeFileSync(listsFile, policyLists, "utf8");
  for (const name of orphans) rmSync(path.join(dir, name));
  const done = [...(staleFiles.length > 0 ? [`wrote ${staleFiles.join(", ")}`] : []), ...(orphans.length > 0 ? [`removed ${orphans.map(shown).join(", ")}`] : [])];
  process.stderr.write(done.length > 0 ? `docs: ${done.join("; ")}\n` : `docs: ${total} files up to date\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`docs: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
