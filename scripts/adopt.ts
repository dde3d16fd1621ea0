import { runAdopt } from "../live/commands";
import { connections, failed, reviewCommand, reviewOptions } from "./review-cli";

/**
 * Matches a live swarm to the program's resources and writes import.json (for
 * `pulumi import --file`) and adopt.md (what cannot be imported, what `up` will then create,
 * replace or update, and what matches nothing).
 */
const command = reviewCommand("adopt", "Write a Pulumi bulk-import file that adopts a running swarm, and a report of what it leaves out.").parse();

runAdopt(reviewOptions(command))
  .then((result) => {
    const { plan } = result;
    process.stderr.write(
      `adopt: ${plan.adopted.length} objects to import, ${plan.notImportable.length} secrets not importable, ` +
        `${plan.replacements.length} replacements, ${plan.unmatched.length} live objects match nothing (${result.summary.apiCalls} API calls${connections(result.summary)})\n`,
    );
    for (const file of result.files) process.stdout.write(`${file}\n`);
  })
  .catch((error: unknown) => failed("adopt", error));
