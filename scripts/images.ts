import { Command } from "commander";
import { timeoutOption } from "./timeout-option";
import { lockPath, LOCK_FILE, readImageLock } from "../images/image-lock";
import { stackNames } from "../config/stack-file";
import { labImages } from "../evaluation/lab-images";
import { resolveLock, updateLockFile } from "../images/update-lock";

/**
 * The image lock (lab/images.lock.json), against the registries.
 *   --update  resolve every tag the lab deploys and rewrite the lock; exit 0, or 1 (lock untouched)
 *   --check   resolve them and compare; exit 0 current, 2 out of date, 1 an image could not be resolved
 * Progress goes to stderr, the summary to stdout. Credentials come from the Docker config.
 */
const command = new Command()
  .name("images")
  .description("Resolve the lab's image tags to digests through the registries and keep lab/images.lock.json current.")
  .option("--update", "rewrite the lock from what the registries serve now (all or nothing)")
  .option("--check", "compare the lock with what the registries serve now (exit 2 when it is out of date)")
  .option("-s, --stack <name...>", "only the images of these stacks (default: every Pulumi.<stack>.yaml)")
  .option("--image <reference...>", "resolve these references instead of the lab's")
  .option("--lock <file>", "the lock file", lockPath())
  .addOption(timeoutOption("deadline for each registry request", 20))
  .parse();

const options = command.opts<{ update?: boolean; check?: boolean; stack?: string[]; image?: string[]; lock: string; timeout: number }>();

async function main(): Promise<number> {
  if (Boolean(options.update) === Boolean(options.check)) throw new Error("say --update or --check");
  const images = options.image ?? labImages(options.stack ?? stackNames()).map((image) => image.reference);
  const progress = (line: string) => process.stderr.write(`images: ${line}\n`);
  progress(`resolving ${images.length} image${images.length === 1 ? "" : "s"}`);
  const resolveOptions = { progress, timeoutMs: options.timeout };
  const run = options.update ? await updateLockFile(images, options.lock, resolveOptions) : await resolveLock(images, readImageLock(options.lock), resolveOptions);

  if (run.failures.length > 0) {
    process.stderr.write(`images: ${run.failures.length} of ${images.length} could not be resolved; ${options.update ? `${LOCK_FILE} is unchanged` : "the lock was not checked"}\n`);
    return 1;
  }
  for (const change of run.changes) process.stdout.write(`${change.kind} ${change.reference}${change.from ? ` ${change.from}` : ""}${change.to ? ` -> ${change.to}` : ""}\n`);
  if (options.update) {
    process.stderr.write(`images: ${run.changes.length === 0 ? "the lock was current" : `${run.changes.length} change${run.changes.length === 1 ? "" : "s"} written`} (${options.lock})\n`);
    return 0;
  }
  process.stderr.write(`images: ${run.changes.length === 0 ? "the lock is current" : `the lock is out of date (${run.changes.length}); run \`npm run images -- --update\``}\n`);
  return run.changes.length === 0 ? 0 : 2;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`images: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
