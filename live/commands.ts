import * as path from "node:path";
import { dockerSettings } from "../config";
import { adoptMarkdown, type AdoptPlan, planAdoption } from "./adopt";
import { compareSwarms, type DriftReport, driftMarkdown, hasDrift } from "./drift";
import type { SwarmState } from "./swarm-state";
import { desiredSwarm } from "./desired";
import { readConfigFile, readStackConfig } from "../config/stack-file";
import { runOffline } from "../offline/run";
import { connectEngine, engineHost, engineSshOpts } from "./connect";
import { checkReportDir, writeReports } from "./reports";
import { scanSwarm } from "./scan";

/**
 * The two review commands over a live swarm, `adopt` and `drift`, as functions (the CLIs in
 * scripts/ parse arguments and call these). Both check that the report directory is writable,
 * evaluate the program offline, as the render does, scan the engine, and write their files only
 * once everything has succeeded: a failure leaves no file behind, not even a partial one.
 */

export interface ReviewOptions {
  /** Pulumi stack whose config is used. @default "prod" */
  readonly stack?: string;
  /** A config file in the Pulumi.<stack>.yaml format instead of the stack's. */
  readonly configFile?: string;
  /** Engine to scan; default: the config's `docker:host`, else DOCKER_HOST, else the local socket. */
  readonly host?: string;
  readonly tlsDir?: string;
  readonly timeoutMs?: number;
  readonly outDir: string;
  /** Progress lines (to stderr in the CLIs). */
  readonly progress?: (message: string) => void;
}

export interface ScanSummary {
  readonly host: string;
  readonly apiCalls: number;
  /** SSH connections the scan opened (ssh:// hosts only). */
  readonly sshConnections?: number;
  readonly seconds: number;
}

async function evaluateAndScan(options: ReviewOptions): Promise<{ desired: ReturnType<typeof desiredSwarm>; live: SwarmState; summary: ScanSummary; stack: string }> {
  const stack = options.stack ?? "prod";
  const progress = options.progress ?? (() => undefined);
  checkReportDir(options.outDir);
  const rawConfig = options.configFile ? readConfigFile(options.configFile) : readStackConfig(stack);
  progress(`evaluating the program for stack "${stack}" (offline, fake secret values)`);
  const run = await runOffline({ stack, rawConfig });
  const desired = desiredSwarm(run);
  const docker = dockerSettings(rawConfig);
  const engine = connectEngine({
    host: engineHost(options.host, docker),
    sshOpts: engineSshOpts(docker.sshOpts),
    ...(options.tlsDir !== undefined ? { tlsDir: options.tlsDir } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  try {
    const started = process.hrtime.bigint();
    const live = await scanSwarm(engine, progress);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const sshConnections = engine.sshConnections();
    return { desired, live, stack, summary: { host: engine.host, apiCalls: engine.calls(), ...(sshConnections !== undefined ? { sshConnections } : {}), seconds } };
  } finally {
    await engine.close();
  }
}

export interface DriftResult {
  readonly report: DriftReport;
  readonly drift: boolean;
  readonly files: string[];
  readonly summary: ScanSummary;
}

/**
 * `drift`: evaluates the stack offline, scans the live swarm, compares them and writes the
 * report.
 */
export async function runDrift(options: ReviewOptions): Promise<DriftResult> {
  const { desired, live, stack, summary } = await evaluateAndScan(options);
  const report = compareSwarms(desired, live);
  const scannedAt = new Date().toISOString();
  const files = writeReports(options.outDir, "drift", () => ({
    "drift.md": driftMarkdown(report, { stack, host: summary.host, scannedAt }),
    "drift.json": `${JSON.stringify({ stack, host: summary.host, scannedAt, drift: hasDrift(report), ...report }, null, 2)}\n`,
  }));
  return { report, drift: hasDrift(report), files, summary };
}

export interface AdoptResult {
  readonly plan: AdoptPlan;
  readonly files: string[];
  readonly summary: ScanSummary;
}

/** The pinned Docker provider, so the import uses the same plugin as the program. */
function dockerProviderVersion(): string {
  return (require("@pulumi/docker/package.json") as { version: string }).version;
}

/**
 * `adopt`: evaluates the stack offline, scans the live swarm and writes the import plan and its
 * review.
 */
export async function runAdopt(options: ReviewOptions): Promise<AdoptResult> {
  const { desired, live, stack, summary } = await evaluateAndScan(options);
  const plan = planAdoption(desired, live, dockerProviderVersion());
  const importName = "import.json";
  const files = writeReports(options.outDir, "adopt", (dir) => ({
    [importName]: `${JSON.stringify(plan.importFile, null, 2)}\n`,
    "adopt.md": adoptMarkdown(plan, { stack, host: summary.host, importFile: path.join(dir, importName) }),
  }));
  return { plan, files, summary };
}
