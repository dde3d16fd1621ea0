import { Command } from "commander";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { isUnder } from "../evaluation/host-paths";
import { refKey } from "../evaluation/secret-values";
import { readStackConfig } from "../config/stack-file";
import { fieldsToRead } from "../evaluation/program-fields";

/**
 * What a throw-away host needs before `pulumi up` of a `secrets.source: config` stack (the
 * round-trip workflow's one-node swarm): the bind-mount sources to create, and the
 * `homelab:secretValues` keys to set. Prints one per line; reads no secret.
 *   npm run -s dev-stack -- bind-sources [--stack dev]
 *   npm run -s dev-stack -- secret-keys [--stack dev]
 */
const command = new Command()
  .name("dev-stack")
  .argument("<what>", "bind-sources | secret-keys")
  .option("-s, --stack <name>", "Pulumi stack whose Pulumi.<name>.yaml is evaluated", "dev")
  .parse();

const [what] = command.args;
const { stack } = command.opts<{ stack: string }>();

try {
  const config = parseConfig(readStackConfig(stack), { purpose: "evaluate" }).homelab;
  const { source } = config.secrets;
  if (source !== "config") throw new Error(`Pulumi.${stack}.yaml: homelab:secrets.source is "${source}"; this is for stacks whose secrets come from config`);
  const lab = evaluateLab(config, STACKS);
  const roots = [config.paths.appdata, config.paths.media, config.paths.backups];
  if (what === "bind-sources") {
    // Only under the lab's own data roots: never the host's system paths (the socket, docker root).
    const sources = lab.stacks.flatMap((stack) => stack.services).flatMap((plan) => plan.mounts.filter((mount) => mount.type === "bind").map((mount) => mount.source!));
    for (const source of [...new Set(sources)].filter((source) => roots.some((root) => isUnder(source, root))).sort()) process.stdout.write(`${source}\n`);
  } else if (what === "secret-keys") {
    for (const key of [...new Set(fieldsToRead(lab, config).map(refKey))].sort()) process.stdout.write(`${key}\n`);
  } else {
    throw new Error(`expected bind-sources or secret-keys, got "${what}"`);
  }
} catch (error) {
  process.stderr.write(`dev-stack: ${(error as Error).message}\n`);
  process.exit(1);
}
