import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { startDaemon, stopDaemon, waitUntil } from "./daemon";
import type { Needs } from "./tools";

/**
 * A Docker engine of the tests' own: Debian's dockerd with its own socket, data root, exec root
 * and pid file, no bridge and no iptables, in swarm mode on loopback. It never touches the user's
 * daemon. Set HOMELAB_TEST_DOCKER_HOST to use an engine you started yourself (a swarm manager the
 * tests may change) instead.
 *
 * No registry is reachable here, so the one image is built from Debian's busybox-static with
 * `docker import`, under a name on a loopback registry: should the engine ever try to pull it,
 * the attempt goes nowhere but 127.0.0.1.
 */

export const TEST_IMAGE = "127.0.0.1:5999/homelab-test/busybox:1";
export const TEST_IMAGE_NEXT = "127.0.0.1:5999/homelab-test/busybox:2";

export interface TestEngine {
  /** `unix:///.../docker.sock`. */
  readonly host: string;
  /** Runs the docker CLI against this engine; returns stdout. */
  docker(args: readonly string[], options?: { cwd?: string; input?: string }): string;
  /** Kills the engine now (for failure tests); `stop` still cleans up. */
  kill(): void;
  stop(): Promise<void>;
}

/**
 * What the engine tests need (see tools.ts): the docker CLI and busybox for the test images, and
 * for an engine of their own dockerd, as root; an engine named by HOMELAB_TEST_DOCKER_HOST needs neither.
 */
export const ENGINE_NEEDS: Needs = process.env.HOMELAB_TEST_DOCKER_HOST ? { programs: ["docker", "busybox"] } : { programs: ["dockerd", "docker", "busybox"], root: true };

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function cli(host: string) {
  return (args: readonly string[], options: { cwd?: string; input?: string } = {}) =>
    execFileSync("docker", [...args], {
      env: { ...process.env, DOCKER_HOST: host, DOCKER_CLI_HINTS: "false" },
      cwd: options.cwd,
      input: options.input,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });
}

/** Builds the test images from busybox-static (idempotent). */
function buildImages(host: string, dir: string): void {
  const rootfs = path.join(dir, "rootfs");
  mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  const busybox = path.join(rootfs, "bin", "busybox");
  if (!existsSync(busybox)) {
    copyFileSync(execFileSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).trim(), busybox);
    for (const tool of ["sh", "sleep", "true", "cat"]) symlinkSync("busybox", path.join(rootfs, "bin", tool));
  }
  execFileSync("sh", ["-c", 'tar -C "$ROOTFS" -c . | docker import - "$IMAGE" >/dev/null'], { env: { ...process.env, DOCKER_HOST: host, ROOTFS: rootfs, IMAGE: TEST_IMAGE } });
  cli(host)(["tag", TEST_IMAGE, TEST_IMAGE_NEXT]);
}

/**
 * A Docker engine of the tests' own (or the one `HOMELAB_TEST_DOCKER_HOST` names), in swarm mode
 * on loopback, stopped by PID.
 */
export async function startTestEngine(): Promise<TestEngine> {
  const external = process.env.HOMELAB_TEST_DOCKER_HOST;
  if (external) {
    buildImages(external, mkdtempSync("/tmp/homelab-engine-"));
    return { host: external, docker: cli(external), kill: () => undefined, stop: async () => undefined };
  }
  // Under /tmp: a unix socket path must stay under 108 bytes.
  const dir = mkdtempSync("/tmp/homelab-engine-");
  const socket = path.join(dir, "docker.sock");
  const host = `unix://${socket}`;
  const log = path.join(dir, "dockerd.log");
  const daemon = startDaemon(
    "dockerd",
    [
      "--host", host,
      "--data-root", path.join(dir, "data"),
      "--exec-root", path.join(dir, "exec"),
      "--pidfile", path.join(dir, "dockerd.pid"),
      "--bridge", "none",
      "--iptables=false",
      "--ip6tables=false",
      "--shutdown-timeout", "2",
    ],
    // Use a local image when present instead of asking a registry first. Its clean shutdown stops
    // the containers, the swarm and containerd, which may take longer than another server's 5 s.
    { log, env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" }, graceMs: 20_000 },
  );
  const docker = cli(host);
  const answers = () => spawnSync("docker", ["version"], { env: { ...process.env, DOCKER_HOST: host } }).status === 0;
  const engine: TestEngine = {
    host,
    docker,
    kill: () => daemon.signal("SIGKILL"),
    stop: async () => {
      await stopDaemon(daemon);
      // A killed engine leaves its containerd and shims behind; they live under our exec root.
      spawnSync("sh", ["-c", `pkill -f ${JSON.stringify(path.join(dir, "exec"))} || true`]);
      spawnSync("sh", ["-c", `grep ${JSON.stringify(dir)} /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l`]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil("the test engine's API", answers, { timeoutMs: 30_000, intervalMs: 200, exited: daemon.exited, log });
    const [listen, dataPath] = [await freePort(), await freePort()];
    docker(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", `127.0.0.1:${listen}`, "--data-path-port", String(dataPath % 40000 + 9000)]);
    buildImages(host, dir);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}
