import { readFileSync } from "node:fs";
import { runAdopt } from "../live/commands";
import { connections, failed, reviewCommand, reviewOptions } from "./review-cli";

/**
 * Matches a live swarm to the program's resources and writes import.json (for
 * `pulumi import --file`) and adopt.md (what cannot be imported, what `up` will then create,
 * replace or update, and what matches nothing). With `homelab:unifi` and UNIFI_API_KEY set, it
 * also reads the console's DNS policies (read-only) and writes unifi-adopt.yaml, the
 * `homelab:unifi` block with the existing records adopted by id.
 */
const command = reviewCommand("adopt", "Write a Pulumi bulk-import file that adopts a running swarm, and a report of what it leaves out.")
  .option("--unifi-ca-cert <file>", "PEM of the UniFi console's certificate or CA (the 1Password field homelab:unifi.caCertField names)")
  .parse();

try {
  const { unifiCaCert } = command.opts<{ unifiCaCert?: string }>();
  const apiKey = process.env.UNIFI_API_KEY;
  const unifi = apiKey ? { apiKey, ...(unifiCaCert !== undefined ? { caCert: readFileSync(unifiCaCert, "utf8") } : {}) } : undefined;
  runAdopt({ ...reviewOptions(command), ...(unifi ? { unifi } : {}) })
    .then((result) => {
      const { plan } = result;
      const records = result.unifi ? `, ${result.unifi.adopt.length} UniFi records to adopt` : "";
      process.stderr.write(
        `adopt: ${plan.adopted.length} objects to import, ${plan.notImportable.length} secrets not importable, ` +
          `${plan.replacements.length} replacements, ${plan.unmatched.length} live objects match nothing${records} (${result.summary.apiCalls} API calls${connections(result.summary)})\n`,
      );
      for (const file of result.files) process.stdout.write(`${file}\n`);
    })
    .catch((error: unknown) => failed("adopt", error));
} catch (error) {
  failed("adopt", error);
}
