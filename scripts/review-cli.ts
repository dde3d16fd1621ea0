import { Command } from "commander";
import type { ReviewOptions, ScanSummary } from "../live/commands";
import { timeoutOption } from "./timeout-option";

/** The options `adopt` and `drift` share, and how both report failure. */

export function reviewCommand(name: string, description: string): Command {
  return new Command()
    .name(name)
    .description(description)
    .option("-s, --stack <name>", "Pulumi stack whose Pulumi.<name>.yaml is evaluated", "prod")
    .option("-c, --config-file <file>", "evaluate this config file (Pulumi.<stack>.yaml format) instead")
    .option("-H, --host <url>", "engine to scan (default: the config's docker:host, else DOCKER_HOST)")
    .option("--tls-dir <dir>", "ca.pem, cert.pem and key.pem for tcp:// with TLS (default: DOCKER_CERT_PATH)")
    .addOption(timeoutOption("deadline for each Engine API call and for the SSH connection", 15))
    .option("-o, --out-dir <dir>", "where the files are written", "reports");
}

/** The options `adopt` and `drift` share, read from their command line. */
export function reviewOptions(command: Command): ReviewOptions {
  const options = command.opts<{ stack: string; configFile?: string; host?: string; tlsDir?: string; timeout: number; outDir: string }>();
  return {
    stack: options.stack,
    outDir: options.outDir,
    timeoutMs: options.timeout,
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.tlsDir !== undefined ? { tlsDir: options.tlsDir } : {}),
    progress: (message) => process.stderr.write(`${name(command)}: ${message}\n`),
  };
}

function name(command: Command): string {
  return command.name();
}

/** Errors end the run with exit code 1 and one clear line; no file has been written by then. */
export function failed(command: string, error: unknown): never {
  process.stderr.write(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** ", over 1 SSH connection" for ssh:// scans, for the summary line. */
export function connections(summary: ScanSummary): string {
  return summary.sshConnections === undefined ? "" : ` over ${summary.sshConnections} SSH connection${summary.sshConnections === 1 ? "" : "s"}`;
}
