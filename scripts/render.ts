import * as path from "node:path";
import { Command } from "commander";
import type { LabView } from "../review/lab-view";
import { PROJECT_DIR } from "../lib/project-dir";
import { diffViews } from "../review/view-diff";
import { COMMENT_LIMIT, reviewJson, reviewMarkdown, reviewText } from "../review/report";
import { viewText } from "../review/view-text";
import { unwritableDir, writeWholeFile } from "../lib/whole-files";
import { evaluateView, withRevision } from "../review/revision";

/**
 * The main job, offline: evaluate the program for a stack under Pulumi's mock monitor with fake
 * secret values, and print its whole desired state for review; with `--diff <git-ref>`, what the
 * working tree changes against that revision, headed by what it exposes. No credentials, no
 * network. Exit codes: 0 done (with --diff: no change), 2 (with --diff) a change, 1 an error.
 */

interface Options {
  readonly stack: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly out?: string;
  readonly diff?: string;
  readonly comment?: string;
  readonly artifact?: string;
}

/** To stdout, or to a file whole or not at all. */
function emit(text: string, out: string | undefined): void {
  if (out === undefined) process.stdout.write(text);
  else writeWholeFile(out, text);
}

async function render(options: Options): Promise<number> {
  if (options.markdown && options.diff === undefined) throw new Error("--markdown formats a review: use it with --diff <git-ref>");
  if (options.markdown && options.json) throw new Error("--markdown and --json are alternatives: choose one");
  // A cut comment points at the whole review, so there must be a file that holds it.
  if (options.comment !== undefined && !(options.markdown && options.out !== undefined)) throw new Error("--comment cuts the Markdown review written whole with --out: use it with --markdown --out <file>");
  if (options.artifact !== undefined && options.comment === undefined) throw new Error("--artifact names where a cut comment's whole review is: use it with --comment <file>");
  // A place that cannot be written is named before the evaluation, not after it.
  for (const [option, file] of [["--out", options.out], ["--comment", options.comment]] as const) {
    const why = file === undefined ? undefined : unwritableDir(path.dirname(path.resolve(file)));
    if (why !== undefined) throw new Error(`${option} ${file}: cannot write there (${why}); nothing was evaluated`);
  }

  if (options.diff === undefined) {
    const view = await evaluateView(PROJECT_DIR, options.stack);
    emit(options.json ? `${JSON.stringify(view, null, 2)}\n` : viewText(view), options.out);
    return 0;
  }
  const ref = options.diff;
  const before: { view: LabView; commit: string } = await withRevision(ref, async ({ root, commit }) => ({ view: await evaluateView(root, options.stack), commit }));
  const after = await evaluateView(PROJECT_DIR, options.stack);
  const review = { base: { ref, commit: before.commit }, diff: diffViews(before.view, after) };
  emit(options.json ? reviewJson(review) : options.markdown ? reviewMarkdown(review) : reviewText(review), options.out);
  if (options.comment !== undefined) writeWholeFile(options.comment, reviewMarkdown(review, { limit: COMMENT_LIMIT, file: path.basename(options.out!), artifact: options.artifact }));
  return review.diff.changed ? 2 : 0;
}

const program = new Command()
  .name("render")
  .description("Print the lab's desired state for a stack, evaluated offline under Pulumi's mock monitor; or, with --diff, what the working tree changes.")
  .option("-s, --stack <name>", "Pulumi stack whose Pulumi.<name>.yaml is used", "prod")
  .option("--json", "JSON for machines: every field")
  .option("--out <file>", "write the output to this file (whole or not at all) instead of stdout")
  .option("--diff <git-ref>", "compare the working tree with this revision (exit 0: no change, 2: changed, 1: error)")
  .option("--markdown", "with --diff: Markdown for a pull-request comment")
  .option("--comment <file>", `with --markdown --out: also write the review cut at a line to fit a GitHub comment (${COMMENT_LIMIT} characters) to this file`)
  .option("--artifact <name>", "with --comment: the CI artifact the --out file is uploaded in, named by a cut comment's note")
  .parse();

render(program.opts<Options>()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`render: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
