import { connectEngine } from "../engine/connect";
import { scanSwarm } from "../engine/scan";
import { SYSTEM_NETWORKS } from "../lib/swarm-state";
import { startTestEngine, TEST_IMAGE } from "../test/support/engine";
import { median } from "./stats";

/**
 * The live-swarm scan behind `adopt` and `drift`, on a swarm holding 200 services, 50 networks and
 * 100 secrets, in the tests' own engine. Prints wall time (median of several scans) and Engine API
 * calls per scan. Targets: under one second, and a call count that does not grow with the swarm.
 */

export interface ScanFigures {
  readonly objects: { services: number; networks: number; secrets: number };
  readonly medianSeconds: number;
  readonly runs: number;
  readonly apiCallsPerScan: number;
  /** The same scan of the empty swarm: the floor, and the calls it takes. */
  readonly emptyMedianSeconds: number;
  readonly emptyApiCalls: number;
}


async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(work));
}

async function timeScans(host: string, runs: number): Promise<{ seconds: number; calls: number; counts: ScanFigures["objects"] }> {
  const times: number[] = [];
  let calls = 0;
  let counts = { services: 0, networks: 0, secrets: 0 };
  for (let run = 0; run < runs; run++) {
    const engine = connectEngine({ host });
    const started = process.hrtime.bigint();
    const state = await scanSwarm(engine);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    calls = engine.calls();
    counts = { services: state.services.length, networks: state.networks.filter((network) => !SYSTEM_NETWORKS.includes(network.name)).length, secrets: state.secrets.length };
  }
  return { seconds: median(times), calls, counts };
}

export async function benchScan(options: { services?: number; networks?: number; secrets?: number; runs?: number } = {}): Promise<ScanFigures> {
  const [services, networks, secrets, runs] = [options.services ?? 200, options.networks ?? 50, options.secrets ?? 100, options.runs ?? 7];
  const engine = await startTestEngine();
  try {
    const empty = await timeScans(engine.host, runs);
    const { docker } = connectEngine({ host: engine.host, timeoutMs: 60_000 });
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    await inBatches(range(networks), 10, (i) => docker.createNetwork({ Name: `bench_net${i}`, Driver: "overlay", Attachable: true, Labels: { "com.docker.stack.namespace": "bench" } }));
    await inBatches(range(secrets), 20, (i) => docker.createSecret({ Name: `bench_secret${i}`, Data: Buffer.from(`value ${i}`).toString("base64"), Labels: { "com.docker.stack.namespace": "bench" } }));
    await inBatches(range(services), 10, (i) =>
      docker.createService({
        Name: `bench_service${i}`,
        Labels: { "com.docker.stack.namespace": "bench", caddy: `service${i}.in.example.com`, "caddy.reverse_proxy": "{{upstreams 80}}" },
        TaskTemplate: {
          ContainerSpec: { Image: TEST_IMAGE, Env: [`INDEX=${i}`], Labels: { "com.docker.stack.namespace": "bench" } },
          Networks: [{ Target: `bench_net${i % networks}`, Aliases: [`service${i}`] }],
        },
        Mode: { Replicated: { Replicas: 0 } },
      }),
    );
    const full = await timeScans(engine.host, runs);
    return { objects: full.counts, medianSeconds: full.seconds, runs, apiCallsPerScan: full.calls, emptyMedianSeconds: empty.seconds, emptyApiCalls: empty.calls };
  } finally {
    await engine.stop();
  }
}

if (require.main === module) {
  benchScan()
    .then((figures) => {
      process.stdout.write(
        `live-swarm scan: ${figures.objects.services} services, ${figures.objects.networks} networks, ${figures.objects.secrets} secrets: ` +
          `${(figures.medianSeconds * 1000).toFixed(1)} ms median of ${figures.runs} (target < 1000 ms; empty swarm ${(figures.emptyMedianSeconds * 1000).toFixed(1)} ms), ` +
          `${figures.apiCallsPerScan} API calls per scan (empty swarm: ${figures.emptyApiCalls}; target: the same)\n`,
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
