import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, copyFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";

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

/** Why the engine tests cannot run here, or undefined when they can. */
export function engineUnavailable(): string | undefined {
  if (process.env.HOMELAB_TEST_DOCKER_HOST) return undefined;
  for (const binary of ["dockerd", "docker", "busybox"]) {
    if (spawnSync("sh", ["-c", `command -v ${binary}`]).status !== 0) return `${binary} is not installed (apt-get install -y docker.io busybox-static)`;
  }
  if (process.getuid?.() !== 0) return "dockerd needs root";
  return undefined;
}

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

async function waitFor(what: string, check: () => boolean, timeoutMs: number, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`test engine: ${what} did not happen within ${timeoutMs} ms${log ? ` (log: ${log})` : ""}`);
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
  const output = openSync(log, "a");
  const daemon: ChildProcess = spawn(
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
    // Use a local image when present instead of asking a registry first.
    { stdio: ["ignore", output, output], env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" } },
  );
  let exited = false;
  daemon.on("exit", () => {
    exited = true;
  });
  const docker = cli(host);
  const answers = () => {
    if (exited) throw new Error(`test engine: dockerd exited during start (log: ${log})`);
    return spawnSync("docker", ["version"], { env: { ...process.env, DOCKER_HOST: host } }).status === 0;
  };
  const engine: TestEngine = {
    host,
    docker,
    kill: () => {
      if (!exited) daemon.kill("SIGKILL");
    },
    stop: async () => {
      if (!exited) {
        daemon.kill("SIGTERM");
        await waitFor("dockerd exit", () => exited, 20_000).catch(() => daemon.kill("SIGKILL"));
      }
      // A killed engine leaves its containerd and shims behind; they live under our exec root.
      spawnSync("sh", ["-c", `pkill -f ${JSON.stringify(path.join(dir, "exec"))} || true`]);
      spawnSync("sh", ["-c", `grep ${JSON.stringify(dir)} /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l`]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor("the engine's API", answers, 30_000, log);
    const [listen, dataPath] = [await freePort(), await freePort()];
    docker(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", `127.0.0.1:${listen}`, "--data-path-port", String(dataPath % 40000 + 9000)]);
    buildImages(host, dir);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}
