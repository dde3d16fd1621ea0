import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { connectEngine } from "../live/connect";
import { scanSwarm } from "../live/scan";
import { SYSTEM_NETWORKS } from "../live/swarm-state";
import { startTestEngine, TEST_IMAGE } from "../servers/engine";
import { SSH_NEEDS, startTestSshServer, type TestSshServer } from "../servers/sshd";
import { unmet } from "../servers/tools";
import { median } from "./stats";

/**
 * The live-swarm scan behind `adopt` and `drift`, on a swarm holding 200 services, 50 networks and
 * 100 secrets, in the tests' own engine: over its unix socket, and over SSH on loopback (Debian's
 * sshd, as prod's `ssh://` host is reached). Prints wall time (median of several scans), Engine API
 * calls and SSH connections per scan. Targets: under one second, a call count that does not grow
 * with the swarm, one SSH connection per scan.
 */

export interface ScanFigures {
  readonly objects: { services: number; networks: number; secrets: number };
  readonly medianSeconds: number;
  readonly runs: number;
  readonly apiCallsPerScan: number;
  /** The same scan of the empty swarm: the floor, and the calls it takes. */
  readonly emptyMedianSeconds: number;
  readonly emptyApiCalls: number;
  /** The full swarm's scan over SSH, or why it was not run. */
  readonly ssh: { readonly medianSeconds: number; readonly apiCallsPerScan: number; readonly connectionsPerScan: number } | { readonly notRun: string };
}


async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(work));
}

async function timeScans(host: string, runs: number, sshOpts: readonly string[] = []): Promise<{ seconds: number; calls: number; connections: number; counts: ScanFigures["objects"] }> {
  const times: number[] = [];
  let [calls, connections] = [0, 0];
  let counts = { services: 0, networks: 0, secrets: 0 };
  for (let run = 0; run < runs; run++) {
    // A fresh engine per scan, as each adopt or drift run makes one: the SSH handshake counts.
    const engine = connectEngine({ host, sshOpts });
    const started = process.hrtime.bigint();
    const state = await scanSwarm(engine);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    await engine.close();
    calls = engine.calls();
    connections = engine.sshConnections() ?? 0;
    counts = { services: state.services.length, networks: state.networks.filter((network) => !SYSTEM_NETWORKS.includes(network.name)).length, secrets: state.secrets.length };
  }
  return { seconds: median(times), calls, connections, counts };
}

/**
 * The same scan over SSH. ssh reads `~` from the passwd entry, not $HOME, so instead of the user's
 * ~/.ssh this run names its own config file, known_hosts and key (what `docker:sshOpts` is for).
 */
async function timeSshScans(sshd: TestSshServer, runs: number): Promise<ScanFigures["ssh"]> {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-bench-ssh-"));
  try {
    const knownHosts = path.join(dir, "known_hosts");
    writeFileSync(knownHosts, sshd.knownHosts);
    const key = path.join(dir, "id_ed25519");
    writeFileSync(key, readFileSync(sshd.defaultKey), { mode: 0o600 });
    const config = path.join(dir, "ssh_config");
    writeFileSync(config, `Host *\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile /dev/null\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  IdentityAgent none\n`);
    const scans = await timeScans(`ssh://${sshd.user}@127.0.0.1:${sshd.ports.good}`, runs, ["-F", config]);
    return { medianSeconds: scans.seconds, apiCallsPerScan: scans.calls, connectionsPerScan: scans.connections };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Times `adopt`/`drift`'s scan of a synthetic swarm of the given size in a test engine of its
 * own, over its socket and over SSH; the medians of `runs` scans.
 */
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
    const unavailable = unmet(SSH_NEEDS);
    let ssh: ScanFigures["ssh"] = { notRun: unavailable ?? "" };
    if (!unavailable) {
      const sshd = await startTestSshServer(engine.host);
      try {
        ssh = await timeSshScans(sshd, runs);
      } finally {
        await sshd.stop();
      }
    }
    return { objects: full.counts, medianSeconds: full.seconds, runs, apiCallsPerScan: full.calls, emptyMedianSeconds: empty.seconds, emptyApiCalls: empty.calls, ssh };
  } finally {
    await engine.stop();
  }
}

/** The SSH figures in one line. */
export function sshScanText(ssh: ScanFigures["ssh"]): string {
  return "notRun" in ssh ? `not run: ${ssh.notRun}` : `${(ssh.medianSeconds * 1000).toFixed(1)} ms, ${ssh.apiCallsPerScan} API calls over ${ssh.connectionsPerScan} SSH connection${ssh.connectionsPerScan === 1 ? "" : "s"}`;
}

if (require.main === module) {
  benchScan()
    .then((figures) => {
      process.stdout.write(
        `live-swarm scan: ${figures.objects.services} services, ${figures.objects.networks} networks, ${figures.objects.secrets} secrets: ` +
          `${(figures.medianSeconds * 1000).toFixed(1)} ms median of ${figures.runs} (target < 1000 ms; empty swarm ${(figures.emptyMedianSeconds * 1000).toFixed(1)} ms), ` +
          `${figures.apiCallsPerScan} API calls per scan (empty swarm: ${figures.emptyApiCalls}; target: the same)\n` +
          `the same scan over SSH on loopback: ${sshScanText(figures.ssh)} (target: one connection, < 1000 ms)\n`,
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
