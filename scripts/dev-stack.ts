import { chownSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { bindSources } from "../evaluation/bind-sources";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { refKey } from "../evaluation/secret-values";
import { readStackConfig } from "../config/stack-file";
import { fieldsToRead } from "../evaluation/program-fields";

/**
 * What a throw-away host needs before `pulumi up` of a `secrets.source: config` stack (the dev
 * stack, the round-trip workflow's one-node swarm): the bind-mount sources, created owned by the
 * user each service runs as, and the `homelab:secretValues` keys to set. Reads no secret.
 *   npm run -s dev-stack -- bind-sources [--stack dev]           one path per line
 *   sudo npm run -s dev-stack -- create-bind-sources [--stack dev] [--root DIR]
 *   npm run -s dev-stack -- secret-keys [--stack dev]
 */
const command = new Command()
  .name("dev-stack")
  .argument("<what>", "bind-sources | create-bind-sources | secret-keys")
  .option("-s, --stack <name>", "Pulumi stack whose Pulumi.<name>.yaml is evaluated", "dev")
  .option("--root <dir>", "create-bind-sources: create the paths under this directory instead of /", "/")
  .parse();

const [what] = command.args;
const { stack, root } = command.opts<{ stack: string; root: string }>();

try {
  const config = parseConfig(readStackConfig(stack), { purpose: "evaluate" }).homelab;
  const { source } = config.secrets;
  if (source !== "config") throw new Error(`Pulumi.${stack}.yaml: homelab:secrets.source is "${source}"; this is for stacks whose secrets come from config`);
  const lab = evaluateLab(config, STACKS);
  // Only under the lab's own data roots: never the host's system paths (the socket, docker root).
  const sources = () => bindSources(lab, [config.paths.appdata, config.paths.media, config.paths.backups]);
  if (what === "bind-sources") {
    for (const bind of sources()) process.stdout.write(`${bind.path}\n`);
  } else if (what === "create-bind-sources") {
    for (const bind of sources()) {
      const where = path.join(root, bind.path);
      mkdirSync(where, { recursive: true });
      chownSync(where, bind.uid, bind.gid);
      process.stdout.write(`${where} ${bind.uid}:${bind.gid} (${bind.services.join(", ")})\n`);
    }
  } else if (what === "secret-keys") {
    for (const key of [...new Set(fieldsToRead(lab, config).map(refKey))].sort()) process.stdout.write(`${key}\n`);
  } else {
    throw new Error(`expected bind-sources, create-bind-sources or secret-keys, got "${what}"`);
  }
} catch (error) {
  process.stderr.write(`dev-stack: ${(error as Error).message}\n`);
  process.exit(1);
}
