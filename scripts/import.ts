import * as path from "node:path";
import { Command } from "commander";
import type { Tier } from "../lab/model";
import { writeWholeFile } from "../lib/whole-files";
import { importStack } from "../compose-import/import-stack";
import { notesText } from "../compose-import/notes";

/**
 * `npm run import -- --stack <swarm stack name> [--env-file F] <compose files...>`: writes the
 * stack's folder under lab/stacks/ in the lab's vocabulary, adds it to lab/index.ts, and ends
 * with everything it could not carry over as written, each with file and line. Exit 0: written
 * and accepted by the compiler and lab validation; 1: not written, or written but refused (why
 * is printed).
 */

const program = new Command()
  .name("import")
  .description("Import a compose stack (as docker stack deploy reads it) into the lab.")
  .requiredOption("-s, --stack <name>", "the stack's name, as given to docker stack deploy (prefixes its services and networks)")
  .option("-t, --tier <tier>", "the lab's tier for the stack: infrastructure, platform or application", "application")
  .option("--env-file <file>", "variables for interpolation (the environment's own win, as with docker compose)")
  .option("--config-stack <name>", "Pulumi stack whose Pulumi.<name>.yaml gives the zones and settings", "prod")
  .option("-c, --config-file <file>", "a config file (Pulumi.<stack>.yaml format) instead")
  .option("--report <file>", "also write the result, every note included, as JSON")
  .argument("<compose-files...>", "compose files, merged in order as docker stack deploy merges them")
  .parse();

const options = program.opts<{ stack: string; tier: string; envFile?: string; configStack: string; configFile?: string; report?: string }>();
// `npm run import` runs in the project's root; paths are meant from where the user typed them.
const typedIn = process.env.npm_lifecycle_event === "import" ? process.env.INIT_CWD : undefined;
const from = (file: string) => (typedIn === undefined ? file : path.relative(process.cwd(), path.resolve(typedIn, file)) || ".");

try {
  const result = importStack({
    stack: options.stack,
    files: program.args.map(from),
    tier: options.tier as Tier,
    configStack: options.configStack,
    ...(options.envFile !== undefined ? { envFile: from(options.envFile) } : {}),
    ...(options.configFile !== undefined ? { configFile: from(options.configFile) } : {}),
  });
  if (options.report !== undefined) writeWholeFile(from(options.report), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`import: stack ${result.stack} written to lab/${result.folder}\n`);
  for (const file of result.written) process.stdout.write(`  ${file}\n`);
  process.stdout.write(`\n${notesText(result.notes)}`);
  if (result.problems.length > 0) {
    process.stderr.write(`import: the stack was written, but it does not pass yet (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}):\n${result.problems.map((problem) => `  ${problem}`).join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write("\nThe stack file passes the type check and lab validation: `npm run render` shows it.\n");
} catch (error) {
  process.stderr.write(`import: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
