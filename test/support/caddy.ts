import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type Block, cloneBlocks, marshal } from "../../caddy/caddyfile";
import { type Dropped, type Judge, processBlocks } from "../../caddy/generate";
import type { Site } from "../../lab/model";
import { type LabCaddyfile, labCaddyfile, type RegisteredLabels } from "../../caddy/lab-caddyfile";
import type { OfflineRun } from "../../offline/run";
import { allAccept, startDaemon, stopDaemon, waitUntil } from "../../servers/daemon";
import { freePort } from "../../servers/engine";

/**
 * The real Caddy (Debian's `caddy`, 2.6), run by the tests only: `caddy adapt` as
 * caddy-docker-proxy's adapter (and the lab's whole Caddyfile through it, with the sites it
 * declares), and `caddy run` on loopback, started and stopped by PID with its own data and
 * config directories, never as a service.
 */

type Loose = Record<string, any>;

/** Caddy's own storage and config, in a directory of the test's, never the user's. */
function caddyEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") };
}

/** Caddy's error without its `Error: ` and file:line decorations, so it compares with the model's words. */
export function caddyMessage(stderr: string): string {
  const line = stderr.split("\n").reverse().find((candidate) => candidate.startsWith("Error: ")) ?? stderr.trim();
  return line
    .replace(/^Error: /, "")
    .replace(/(^|: )\S*Caddyfile:\d+: /, "$1")
    .replace(/\S*Caddyfile:\d+ - Error during parsing: /g, "")
    .replace(/:0 - Error during parsing: /g, "")
    .replace(/ - are you sure your Caddyfile structure \(nesting and braces\) is correct\?$/, "")
    .replace(/ returned something other than an HTTP route or subroute: .* \(only handler/, " returned something other than an HTTP route or subroute (only handler");
}

export interface Adapted {
  readonly json?: Loose;
  readonly error?: string;
}

/** `caddy adapt` (and with `validate`, also provisioning every module) of a Caddyfile. */
export function caddyAdapt(caddyfile: string, options: { validate?: boolean } = {}): Adapted {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-caddy-"));
  try {
    const file = path.join(dir, "Caddyfile");
    writeFileSync(file, caddyfile);
    const args = ["adapt", "--adapter", "caddyfile", "--config", file, ...(options.validate ? ["--validate"] : [])];
    const result = spawnSync("caddy", args, { env: caddyEnv(dir), encoding: "utf8" });
    if (result.status !== 0) return { error: caddyMessage(result.stderr) };
    return { json: JSON.parse(result.stdout) as Loose };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** caddy-docker-proxy's judge (its Process adapts without provisioning), with the real Caddy. */
export const realCaddyJudge: Judge = (blocks) => {
  const { error } = caddyAdapt(marshal(cloneBlocks(blocks)));
  return error === undefined ? undefined : { message: error };
};

/**
 * Debian's Caddy lacks the `dns.providers.cloudflare` module. For validation, each `tls` block's
 * `dns cloudflare ...` subdirective (and only that) becomes `issuer acme`: the same ACME issuer
 * and account, with Caddy's default challenges instead of the DNS one.
 */
export function withoutCloudflareDns(blocks: readonly Block[]): { blocks: Block[]; replaced: number } {
  const copy = cloneBlocks(blocks);
  let replaced = 0;
  const visit = (list: Block[]) => {
    for (const b of list) {
      if (b.keys[0] === "tls") {
        for (const sub of b.children) {
          if (sub.keys[0] === "dns" && sub.keys[1] === "cloudflare") {
            sub.keys = ["issuer", "acme"];
            replaced++;
          }
        }
      }
      visit(b.children);
    }
  };
  visit(copy);
  return { blocks: copy, replaced };
}

/** The lab's Caddyfile as the real Caddy takes it (see `labForRealCaddy`). */
export interface LabForRealCaddy {
  readonly caddyfile: LabCaddyfile;
  /** How many `dns cloudflare` subdirectives became `issuer acme`. */
  readonly replaced: number;
  /** The blocks caddy-docker-proxy drops, as the real Caddy judges them. */
  readonly dropped: readonly Dropped[];
  /** `caddy adapt` of the blocks it keeps. */
  readonly adapted: Adapted;
}

/**
 * The lab's labels as caddy-docker-proxy turns them into a Caddyfile (`labels` may change a
 * service's), without the Cloudflare DNS module, judged block by block and adapted (with
 * `validate`, every module provisioned too) by the real Caddy.
 */
export function labForRealCaddy(run: OfflineRun, options: { labels?: (service: RegisteredLabels) => Record<string, string>; validate?: boolean } = {}): LabForRealCaddy {
  const caddyfile = labCaddyfile(run, options.labels ? { labels: options.labels } : {});
  const { blocks, replaced } = withoutCloudflareDns(caddyfile.blocks);
  const processed = processBlocks(blocks, realCaddyJudge);
  return { caddyfile, replaced, dropped: processed.dropped, adapted: caddyAdapt(processed.text, { validate: options.validate ?? false }) };
}

export interface DeclaredSite {
  readonly host: string;
  readonly site: Site;
  /** The swarm service that serves it (`<stack>_<service>`). */
  readonly swarmName: string;
}

/** Every site the lab declares (its ingress plan's routes), with the service that serves it. */
export function declaredSites(run: OfflineRun): DeclaredSite[] {
  return run.lab.ingressPlan.routes.map((route) => {
    const service = run.lab.stacks.find((stack) => stack.name === route.stack)!.services.find((candidate) => candidate.name === route.service)!;
    return { host: route.host, site: service.sites![route.index]!, swarmName: `${route.stack}_${route.service}` };
  });
}

/**
 * An adapted config made to run on loopback: every server listens on a free 127.0.0.1 port of its
 * own (by its original listen address), plain HTTP with automatic HTTPS off and no certificates,
 * and every upstream `dial` rewritten by `dial`. Returns the config and the port of each server.
 */
export async function forLoopback(json: Loose, dial: (address: string) => string): Promise<{ config: Loose; ports: Map<string, number> }> {
  const config = JSON.parse(JSON.stringify(json)) as Loose;
  const ports = new Map<string, number>();
  for (const server of Object.values(config.apps.http.servers as Record<string, Loose>)) {
    const port = await freePort();
    ports.set(String(server.listen[0]), port);
    server.listen = [`127.0.0.1:${port}`];
    server.automatic_https = { disable: true };
    delete server.tls_connection_policies;
  }
  delete config.apps.tls;
  config.admin = { disabled: true };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      const record = value as Loose;
      if (typeof record.dial === "string") record.dial = dial(record.dial);
      Object.values(record).forEach(walk);
    }
  };
  walk(config.apps.http);
  return { config, ports };
}

export interface RunningCaddy {
  readonly pid: number;
  readonly log: string;
  stop(): Promise<void>;
}

/** `caddy run` with a JSON config, until every given port accepts connections. */
export async function startCaddy(config: Loose, ports: readonly number[]): Promise<RunningCaddy> {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-caddy-run-"));
  const file = path.join(dir, "caddy.json");
  writeFileSync(file, JSON.stringify(config));
  const log = path.join(dir, "caddy.log");
  const daemon = startDaemon("caddy", ["run", "--config", file], { env: caddyEnv(dir), log });
  const stop = async () => {
    await stopDaemon(daemon);
    rmSync(dir, { recursive: true, force: true });
  };
  const listening = () => allAccept(ports);
  try {
    await waitUntil(`caddy to listen on ports ${ports.join(", ")}`, listening, { timeoutMs: 15_000, exited: daemon.exited, log });
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: daemon.pid, log, stop };
}
