import { runDrift } from "../live/commands";
import { connections, failed, reviewCommand, reviewOptions } from "./review-cli";

/**
 * Compares a live swarm with the program's desired state and writes drift.md (for people) and
 * drift.json (for machines). Exit 0: no drift; 2: drift; 1: the review could not be made.
 */
const command = reviewCommand("drift", "Report where a live swarm differs from the program (exit 0: none, 2: drift, 1: error).").parse();

runDrift(reviewOptions(command))
  .then((result) => {
    const { report } = result;
    process.stderr.write(
      `drift: ${result.drift ? "DRIFT" : "no drift"}: ${report.unmanaged.length} unmanaged, ${report.missing.length} missing, ` +
        `${report.services.length} services and ${report.networks.length} networks differ (${result.summary.apiCalls} API calls${connections(result.summary)}, ${result.summary.seconds.toFixed(2)} s)\n`,
    );
    for (const file of result.files) process.stdout.write(`${file}\n`);
    process.exit(result.drift ? 2 : 0);
  })
  .catch((error: unknown) => failed("drift", error));
