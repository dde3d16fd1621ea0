import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { startDaemon, stopDaemon, waitUntil } from "../../servers/daemon";

/**
 * Debian's PostgreSQL for the tests: the image's first start emulated by pg-entrypoint.sh in a
 * private mount namespace, then a server of the test's own on 127.0.0.1, and pg-provision's script
 * run as its task runs it, each started and stopped by PID, never as a service.
 */

const ENTRYPOINT = path.join(__dirname, "pg-entrypoint.sh");

/** The newest Debian PostgreSQL installed, as its bin directory, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((version) => existsSync(path.join(root, version, "bin", "postgres")));
  const newest = versions.sort((a, b) => Number(a) - Number(b)).pop();
  return newest === undefined ? undefined : path.join(root, newest, "bin");
}

export function majorVersion(bindir: string): number {
  const out = spawnSync(path.join(bindir, "postgres"), ["--version"], { encoding: "utf8" }).stdout;
  return Number(/\s(\d+)\./.exec(out)?.[1]);
}

export interface ImageStart {
  readonly pgdata: string;
  /** Laid out as /run/secrets will see it (files with their owner and mode). */
  readonly secrets: string;
  readonly initdb: string;
  /** The system user standing in for the image's postgres user. */
  readonly user: string;
  readonly env: Readonly<Record<string, string>>;
  /** What the image's /bin/sh is, to run `#!/bin/sh` scripts with (e.g. "busybox sh"). */
  readonly imageSh: string;
}

/** One start of the image's entrypoint on the data directory; its output, or a thrown error with it. */
export function startLikeImage(bindir: string, start: ImageStart): string {
  // It re-runs itself as the postgres user, who may not see into the repository (a clone under a
  // private home): a copy beside the data directory, which that user owns.
  const entrypoint = path.join(path.dirname(start.pgdata), "pg-entrypoint.sh");
  copyFileSync(ENTRYPOINT, entrypoint);
  const result = spawnSync("unshare", ["-m", "--propagation", "private", "bash", entrypoint, bindir, start.pgdata, start.secrets, start.initdb, start.user], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...start.env, IMAGE_SH: start.imageSh },
    encoding: "utf8",
    timeout: 120_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`the entrypoint failed (${result.status ?? result.signal}):\n${output}`);
  return output;
}

export interface Server {
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * `postgres` on 127.0.0.1:port as `user`, with an hba file of the test's: password (the method the
 * image appended) for every TCP connection, as a client in another container meets it, and trust
 * on the test's own socket directory for the checks made as the superuser.
 */
export async function startServer(bindir: string, options: { pgdata: string; port: number; socketDir: string; method: string; user: string; log: string }): Promise<Server> {
  const hba = path.join(options.socketDir, "pg_hba.conf");
  writeFileSync(hba, `local all all trust\nhost all all all ${options.method}\n`);
  const uid = spawnSync("id", ["-u", options.user], { encoding: "utf8" }).stdout.trim();
  const gid = spawnSync("id", ["-g", options.user], { encoding: "utf8" }).stdout.trim();
  const args = ["-D", options.pgdata, "-c", "listen_addresses=127.0.0.1", "-p", String(options.port), "-c", `unix_socket_directories=${options.socketDir}`, "-c", `hba_file=${hba}`];
  // setpriv execs postgres itself, so the PID is the postmaster's. SIGINT is its fast shutdown
  // (SIGTERM would wait for every client to leave); it still writes a checkpoint, hence 10 s.
  const daemon = startDaemon("setpriv", ["--reuid", uid, "--regid", gid, "--clear-groups", path.join(bindir, "postgres"), ...args], { log: options.log, stopSignal: "SIGINT", graceMs: 10_000 });
  const stop = () => stopDaemon(daemon);
  const ready = () => spawnSync(path.join(bindir, "pg_isready"), ["-h", "127.0.0.1", "-p", String(options.port)]).status === 0;
  try {
    await waitUntil(`postgres on 127.0.0.1:${options.port}`, ready, { timeoutMs: 30_000, exited: daemon.exited, log: options.log });
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: daemon.pid, stop };
}

/** psql with the given connection; returns stdout, or throws with psql's stderr. */
export function psql(bindir: string, connection: { host: string; port: number; user: string; database: string; password?: string }, sql: string): string {
  const result = spawnSync(path.join(bindir, "psql"), ["-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-At", "-h", connection.host, "-p", String(connection.port), "-U", connection.user, "-d", connection.database, "-c", sql], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...(connection.password !== undefined ? { PGPASSWORD: connection.password } : {}), PGCONNECT_TIMEOUT: "5" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(result.stderr.trim());
  return result.stdout.trim();
}

export interface Provisioner {
  readonly pid: number;
  /** Whether the service's health check passes, run inside the provisioner's own mount namespace. */
  healthy(): boolean;
  /** Waits until the health check passes; throws with the log if the provisioner exits first. */
  untilHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A task of the pg-provision service: its script run by the image's /bin/sh, as root, with its
 * environment, in a private mount namespace whose /run/secrets holds its secrets (laid out under
 * `secrets` with owner and mode) and whose /tmp is its own, as in a container.
 */
export function startProvisioner(bindir: string, options: { secrets: string; script: string; env: Readonly<Record<string, string>>; imageSh: string; healthcheck: readonly string[]; log: string }): Provisioner {
  const setup = [
    "set -eu",
    "mount -t tmpfs -o mode=0755 tmpfs /run",
    "mkdir /run/secrets",
    'cp -a "$1"/. /run/secrets/',
    'cp "$2" /run/init-databases.sh',
    "mount -t tmpfs -o mode=1777 tmpfs /tmp",
    "shift 2",
    'exec "$@" /run/init-databases.sh',
  ].join("\n");
  // A process group of its own, so a stop reaches the script and the sleep it waits on.
  const daemon = startDaemon("unshare", ["-m", "--propagation", "private", "bash", "-c", setup, "bash", options.secrets, options.script, ...options.imageSh.split(" ")], {
    env: { PATH: `${bindir}:${process.env.PATH ?? "/usr/bin:/bin"}`, ...options.env },
    log: options.log,
    group: true,
  });
  const [kind, ...test] = options.healthcheck;
  const check = kind === "CMD-SHELL" ? ["sh", "-c", test.join(" ")] : test;
  const healthy = () => !daemon.exited() && spawnSync("nsenter", ["-t", String(daemon.pid), "-m", "--", ...check]).status === 0;
  return {
    pid: daemon.pid,
    healthy,
    untilHealthy: (timeoutMs = 60_000) => waitUntil("pg-provision's health check to pass", healthy, { timeoutMs, exited: daemon.exited, log: options.log }),
    stop: () => stopDaemon(daemon),
  };
}
