import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Table from "cli-table3";
import { Command } from "commander";
import { PROJECT_DIR } from "../lib/project-dir";
import { benchParallelism } from "./parallelism";
import { benchRemoteCalls } from "./remote-calls";
import { benchScan, sshScanText } from "./scan";
import { ENGINE_NEEDS } from "../servers/engine";
import { unmet } from "../servers/tools";
import { tableCell as cell } from "../lib/markdown";
import { median } from "./stats";

/**
 * `npm run bench`: what users wait for, each figure a median over several runs and shown beside
 * its floor (or ideal) measured in the same run, with its target. `--markdown FILE` also writes
 * the table with the machine it ran on (BENCHMARKS.md).
 */

interface Row {
  readonly figure: string;
  readonly value: string;
  readonly floor: string;
  readonly target: string;
  readonly met: boolean | undefined;
}

const seconds = (value: number) => `${value.toFixed(2)} s`;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** Wall time of a command in a fresh process, median of `runs`. */
function wallTime(command: string, args: readonly string[], runs: number, env: NodeJS.ProcessEnv = {}): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, [...args], { cwd: PROJECT_DIR, env: { ...process.env, ...env }, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.slice(-400)}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return median(times);
}

const DIST = path.join(PROJECT_DIR, "dist");

function compile(): number {
  const started = process.hrtime.bigint();
  // The build users run: tsc, the UniFi provider's code cache, the source stamp.
  execFileSync("npm", ["run", "build"], { cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "inherit"] });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function evaluationRows(runs: number): Row[] {
  log("evaluation: floor (load @pulumi/pulumi only)");
  const floor = wallTime("node", ["-e", 'require("@pulumi/pulumi")'], runs);
  const entry = path.join("bench", "evaluate-entry.ts");
  log("evaluation: ts-node with type checking (Pulumi's default for TypeScript)");
  const typeChecked = wallTime("node", ["-r", "ts-node/register", entry], Math.max(1, Math.min(runs, 3)), { TS_NODE_TRANSPILE_ONLY: "false" });
  log("evaluation: ts-node transpile-only");
  const transpiled = wallTime("node", ["-r", "ts-node/register/transpile-only", entry], runs);
  log("evaluation: precompiled JavaScript");
  const compileSeconds = compile();
  const precompiled = wallTime("node", [path.join(DIST, "bench", "evaluate-entry.js")], runs);
  const withoutUnifi = wallTime("node", [path.join(DIST, "bench", "evaluate-entry.js"), "1", "--no-unifi"], runs);
  const row = (figure: string, value: number, note = ""): Row => ({
    figure,
    value: `${seconds(value)} (${(value / floor).toFixed(2)}x)${note}`,
    floor: seconds(floor),
    target: "<= 2x floor",
    met: value <= 2 * floor,
  });
  return [
    row("evaluation, ts-node type-checking", typeChecked),
    row("evaluation, ts-node transpile-only", transpiled),
    row("evaluation, precompiled JS", precompiled, `; tsc build ${seconds(compileSeconds)} once`),
    row("evaluation, precompiled JS, without homelab:unifi", withoutUnifi, "; for comparison: no UniFi records"),
  ];
}

interface GrowthSample {
  copies: number;
  services: number;
  resources: number;
  seconds: number;
  maxRssMB: number;
}

function growthRows(factors: readonly number[], runs: number): Row[] {
  const samples: GrowthSample[] = factors.map((copies) => {
    log(`growth: ${copies}x`);
    const results: GrowthSample[] = [];
    for (let run = 0; run < runs; run++) {
      const output = execFileSync("node", ["--max-old-space-size=8192", path.join(DIST, "bench", "evaluate-entry.js"), String(copies)], { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 1 << 20 });
      results.push(JSON.parse(output.trim().split("\n").pop()!) as GrowthSample);
    }
    const middle = median(results.map((result) => result.seconds));
    return { ...results.find((result) => result.seconds === middle)!, maxRssMB: median(results.map((result) => result.maxRssMB)) };
  });
  const base = samples[0]!;
  const perService = (sample: GrowthSample) => (sample.seconds * 1000) / sample.services;
  return samples.map((sample) => ({
    figure: `growth ${sample.copies}x: ${sample.services} services, ${sample.resources} resources`,
    value: `${seconds(sample.seconds)}, ${perService(sample).toFixed(1)} ms/service, peak ${Math.round(sample.maxRssMB)} MB`,
    floor: `${perService(base).toFixed(1)} ms/service at 1x`,
    target: "ms/service flat (<= 1.5x of 1x)",
    met: perService(sample) <= 1.5 * perService(base),
  }));
}

async function main(): Promise<void> {
  const command = new Command()
    .name("bench")
    .description("Benchmark what users wait for: evaluation, growth, remote calls, deploy parallelism, the live-swarm scan.")
    .option("--runs <n>", "runs per figure (median)", (value) => Number.parseInt(value, 10), 5)
    .option("--quick", "skip the 100x growth lab (about two minutes per run)")
    .option("--markdown <file>", "also write the results, with this machine's description, to this file")
    .parse();
  const options = command.opts<{ runs: number; quick?: boolean; markdown?: string }>();
  const rows: Row[] = [];

  rows.push(...evaluationRows(options.runs));
  rows.push(...growthRows(options.quick ? [1, 10] : [1, 10, 100], Math.min(options.runs, 3)));

  log("remote calls per preview");
  const calls = await benchRemoteCalls();
  rows.push(
    { figure: "1Password item reads per preview", value: String(calls.onePasswordItemReads), floor: `${calls.distinctItems} distinct items`, target: "one per distinct item", met: calls.onePasswordItemReads === calls.distinctItems },
    { figure: "1Password vault lookups per preview", value: String(calls.onePasswordVaultReads), floor: "1", target: "1", met: calls.onePasswordVaultReads === 1 },
    { figure: "Cloudflare reads per preview", value: String(calls.cloudflareReads), floor: "-", target: "<= 2", met: calls.cloudflareReads <= 2 },
    {
      figure: "other remote reads per preview",
      value: `${calls.stackReferenceReads} stack reference${Object.keys(calls.otherInvokes).length ? `, ${JSON.stringify(calls.otherInvokes)}` : ""}`,
      floor: "-",
      target: "only deletion safety's self-reference",
      met: calls.stackReferenceReads === 1 && Object.keys(calls.otherInvokes).length === 0,
    },
  );

  log("deploy parallelism");
  const parallel = await benchParallelism(1000, Math.min(options.runs, 3));
  rows.push(
    {
      figure: `simulated up, ${parallel.resources} creates of ${parallel.latencyMs} ms each, ${parallel.converging} of them converging ${parallel.convergeMs} ms more`,
      value: `${seconds(parallel.simulatedSeconds)} (${(parallel.simulatedSeconds / parallel.idealSeconds).toFixed(2)}x ideal)`,
      floor: `ideal ${seconds(parallel.idealSeconds)} (depth ${parallel.depth})`,
      target: "<= 1.2x ideal",
      met: parallel.simulatedSeconds <= 1.2 * parallel.idealSeconds,
    },
    {
      figure: "stack-by-stack sequential deploy (the running lab's way)",
      value: `${seconds(parallel.sequentialSeconds)} (${(parallel.sequentialSeconds / parallel.idealSeconds).toFixed(1)}x ideal)`,
      floor: `ideal ${seconds(parallel.idealSeconds)}`,
      target: "for comparison",
      met: undefined,
    },
    {
      figure: "dependency edges across stacks",
      value: `${parallel.crossStackEdges.length} (${[...new Set(parallel.crossStackEdges.map((edge) => edge.reason))].join("; ")})`,
      floor: "-",
      target: "each needed at runtime",
      met: parallel.unexplainedEdges.length === 0,
    },
  );

  const unavailable = unmet(ENGINE_NEEDS);
  if (unavailable) {
    rows.push({ figure: "live-swarm scan", value: `not run: ${unavailable}`, floor: "-", target: "< 1 s, calls independent of size", met: undefined });
  } else {
    log("live-swarm scan (starts its own Docker engine)");
    const scan = await benchScan({ runs: options.runs });
    rows.push(
      {
        figure: `live-swarm scan: ${scan.objects.services} services, ${scan.objects.networks} networks, ${scan.objects.secrets} secrets`,
        value: `${(scan.medianSeconds * 1000).toFixed(1)} ms`,
        floor: `${(scan.emptyMedianSeconds * 1000).toFixed(1)} ms (empty swarm)`,
        target: "< 1 s",
        met: scan.medianSeconds < 1,
      },
      { figure: "Engine API calls per scan", value: String(scan.apiCallsPerScan), floor: `${scan.emptyApiCalls} (empty swarm)`, target: "same as empty", met: scan.apiCallsPerScan === scan.emptyApiCalls },
      {
        figure: `live-swarm scan over SSH (loopback sshd), ${scan.objects.services} services`,
        value: sshScanText(scan.ssh),
        floor: `${(scan.medianSeconds * 1000).toFixed(1)} ms (unix socket)`,
        target: "< 1 s, one SSH connection",
        met: "notRun" in scan.ssh ? undefined : scan.ssh.medianSeconds < 1 && scan.ssh.connectionsPerScan === 1,
      },
    );
  }

  const table = new Table({ head: ["figure", "value", "floor / ideal", "target", "met"], style: { head: [], border: [] }, colWidths: [40, 46, 30, 22, 6], wordWrap: true });
  for (const row of rows) table.push([row.figure, row.value, row.floor, row.target, row.met === undefined ? "-" : row.met ? "yes" : "NO"]);
  process.stdout.write(`${table.toString()}\n`);

  if (options.markdown) {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const machine = `${os.type()} ${os.release()}, ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`;
    const lines = [
      "| figure | value | floor / ideal | target | met |",
      "|---|---|---|---|---|",
      ...rows.map((row) => `| ${cell(row.figure)} | ${cell(row.value)} | ${cell(row.floor)} | ${cell(row.target)} | ${row.met === undefined ? "-" : row.met ? "yes" : "**no**"} |`),
    ];
    writeFileSync(options.markdown, `<!-- results of npm run bench -->\nRun on ${new Date().toISOString().slice(0, 10)}: ${machine}; ${options.runs} runs per figure (median).\n\n${lines.join("\n")}\n`);
    log(`wrote ${options.markdown}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
