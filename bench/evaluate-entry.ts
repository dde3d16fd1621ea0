import { readStackConfig } from "../config/stack-file";
import { runOffline } from "../offline/run";
import { syntheticLab } from "./synthetic";

/**
 * One evaluation of the program, as `pulumi preview` runs it, in a process of its own:
 * `evaluate-entry [copies] [--no-unifi]` (without the UniFi records, whose dynamic provider's code
 * the SDK serializes on every run). Prints one JSON line: services and resources registered, seconds
 * spent evaluating (loading excluded), and the process's peak memory.
 */
async function main(): Promise<void> {
  const copies = Number(process.argv[2] ?? "1");
  const rawConfig = readStackConfig("prod");
  if (process.argv.includes("--no-unifi")) delete rawConfig["homelab:unifi"];
  const started = process.hrtime.bigint();
  const run = await runOffline({ stack: "prod", rawConfig, deploy: copies > 1 ? { definitions: syntheticLab(copies) } : {} });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const services = run.resources.filter((resource) => resource.type === "docker:index/service:Service").length;
  process.stdout.write(`${JSON.stringify({ copies, services, resources: run.resources.length, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
