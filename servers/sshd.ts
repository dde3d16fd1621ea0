import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import * as path from "node:path";
import { allAccept, startDaemon, stopDaemon, waitUntil } from "./daemon";
import { freePort } from "./engine";
import type { Needs } from "./tools";

/**
 * An SSH server of the tests' own: Debian's OpenSSH sshd, started as a process on 127.0.0.1 with
 * its own config, freshly generated host key, authorized keys and pid file, password login off.
 * Its sessions run `docker system dial-stdio` against the tests' engine (`SetEnv DOCKER_HOST`).
 * It runs in a private mount namespace with an empty home for root and its own /run (sshd needs
 * /run/sshd), so nothing of the machine's is read or changed; it is stopped by PID.
 *
 * Four ports, four remote hosts: a good one; one whose PATH has no docker (as on a host without
 * the CLI: the remote shell's own "command not found"); one whose sessions run as `nobody`
 * (ForceCommand through setpriv), who may not open the engine's socket; and one where no engine
 * runs: its sessions drop DOCKER_HOST (ForceCommand through `env -u`, which no SetEnv overrides),
 * so docker dials its default /var/run/docker.sock, which the server's private /run lacks.
 *
 * The client side (`clientHome`) runs a command in a mount namespace of its own where the home
 * directory ssh reads (`~` is the passwd entry's, never $HOME) is a test directory, and name
 * resolution asks 127.0.0.1 only: never the user's ~/.ssh, never a network beyond loopback.
 */

export interface TestSshServer {
  readonly ports: { readonly good: number; readonly noDocker: number; readonly socketDenied: number; readonly engineDown: number };
  /** The user the keys are authorized for. */
  readonly user: string;
  /** The private key in the default place of a client home (`~/.ssh/id_ed25519`). */
  readonly defaultKey: string;
  /** Another authorized private key, for `docker:sshOpts: ["-i", ...]`. */
  readonly extraKey: string;
  /** known_hosts lines for every port. */
  readonly knownHosts: string;
  /** A known_hosts line for `port` with another key: what a changed (or impostor) host looks like. */
  changedKnownHosts(port: number): string;
  /** PIDs of the server and of every session it has running. */
  pids(): number[];
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

/** What the SSH tests need (see tools.ts): both sides of OpenSSH, and root for sshd and the mount namespaces. */
export const SSH_NEEDS: Needs = { programs: ["sshd", "ssh", "ssh-keygen", "unshare", "setpriv", "ssh-agent", "ssh-add"], root: true };

function keygen(file: string, comment: string): string {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  return readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/** Every descendant of `pid`, from /proc (sshd forks one process per connection). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (of: number) => (children.get(of) ?? []).forEach((child) => (found.push(child), walk(child)));
  walk(pid);
  return found;
}

/**
 * Debian's sshd on free loopback ports in a private mount namespace, with a fresh host key and its
 * own authorized keys, its sessions reaching the engine at `dockerHost`.
 */
export async function startTestSshServer(dockerHost: string): Promise<TestSshServer> {
  const dir = mkdtempSync("/tmp/homelab-sshd-");
  const serverHome = path.join(dir, "server-home");
  mkdirSync(serverHome, { mode: 0o700 });
  const hostKey = keygen(path.join(dir, "ssh_host_ed25519_key"), "homelab-test-host");
  const impostorKey = keygen(path.join(dir, "impostor_host_key"), "homelab-test-impostor");
  const defaultKey = path.join(dir, "id_default");
  const extraKey = path.join(dir, "id_extra");
  const authorized = [keygen(defaultKey, "homelab-test-default"), keygen(extraKey, "homelab-test-extra")];
  writeFileSync(path.join(dir, "authorized_keys"), `${authorized.join("\n")}\n`, { mode: 0o600 });
  const free = new Set<number>();
  while (free.size < 4) free.add(await freePort());
  const [good, noDocker, socketDenied, engineDown] = [...free] as [number, number, number, number];
  const ports = { good, noDocker, socketDenied, engineDown };
  const user = userInfo().username;

  writeFileSync(
    path.join(dir, "sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      ...Object.values(ports).map((port) => `Port ${port}`),
      `HostKey ${path.join(dir, "ssh_host_ed25519_key")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      `AllowUsers ${user}`,
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      // The files live under /tmp, which is world-writable: the ownership checks would refuse them.
      "StrictModes no",
      "PermitUserRC no",
      "PermitUserEnvironment no",
      "AllowTcpForwarding no",
      "X11Forwarding no",
      "PrintMotd no",
      "PrintLastLog no",
      "Subsystem sftp none",
      `SetEnv DOCKER_HOST=${dockerHost}`,
      `Match LocalPort ${ports.noDocker}`,
      "  SetEnv PATH=/nonexistent/bin",
      `Match LocalPort ${ports.socketDenied}`,
      '  ForceCommand exec setpriv --reuid=65534 --regid=65534 --clear-groups -- /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
      `Match LocalPort ${ports.engineDown}`,
      '  ForceCommand exec env -u DOCKER_HOST /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
      "",
    ].join("\n"),
  );
  const log = path.join(dir, "sshd.log");
  // One process from start to end: unshare and sh exec, so the PID spawned is sshd's.
  const daemon = startDaemon(
    "unshare",
    ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && mount --bind "$1" "$2" && exec "$3" -D -e -f "$4"', "sh", serverHome, userInfo().homedir, SSHD, path.join(dir, "sshd_config")],
    { log },
  );
  const pid = daemon.pid;

  // Its sessions are processes of their own, which a stopped sshd leaves running.
  const stop = async () => {
    await stopDaemon(daemon, descendants(pid));
    rmSync(dir, { recursive: true, force: true });
  };
  const listening = () => allAccept(Object.values(ports));
  try {
    await waitUntil(`sshd to listen on ports ${Object.values(ports).join(", ")}`, listening, { timeoutMs: 10_000, exited: daemon.exited, log });
  } catch (error) {
    await stop();
    throw error;
  }
  const line = (port: number, key: string) => `[127.0.0.1]:${port} ${key}`;
  return {
    ports,
    user,
    defaultKey,
    extraKey,
    knownHosts: `${Object.values(ports)
      .map((port) => line(port, hostKey))
      .join("\n")}\n`,
    changedKnownHosts: (port) => `${line(port, impostorKey)}\n`,
    pids: () => (daemon.exited() ? [] : [pid, ...descendants(pid)]),
    stop,
  };
}

export interface ClientHome {
  /** The home directory ssh sees as `~` inside `run`. */
  readonly dir: string;
  /** Writes a file under `~/.ssh` (mode 600, as ssh wants for keys and config). */
  writeSsh(name: string, text: string): string;
  /** Runs a command where `~` is this directory and only 127.0.0.1 answers DNS. */
  run(command: string, args: readonly string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string }): SpawnSyncReturns<string>;
  remove(): void;
}

/** What a client run must not inherit from the person running the tests. */
const FOREIGN_ENV = ["SSH_AUTH_SOCK", "SSH_AGENT_PID", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_SSH_OPTS", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"];

/**
 * A home directory of the test's own for ssh clients (its `.ssh` files written by the test), and a
 * runner whose clients inherit none of the person's SSH agent or Docker settings.
 */
export function clientHome(): ClientHome {
  const dir = mkdtempSync("/tmp/homelab-ssh-client-");
  chmodSync(dir, 0o700);
  mkdirSync(path.join(dir, ".ssh"), { mode: 0o700 });
  const resolv = path.join(dir, "resolv.conf");
  writeFileSync(resolv, "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
  const home = userInfo().homedir;
  return {
    dir,
    writeSsh(name, text) {
      const file = path.join(dir, ".ssh", name);
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    },
    run(command, args, options = {}) {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...options.env };
      for (const name of FOREIGN_ENV) if (!(options.env && name in options.env)) delete env[name];
      return spawnSync(
        "unshare",
        ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", 'mount --bind "$1" "$2" && mount --bind "$3" /etc/resolv.conf && shift 3 && exec "$@"', "sh", dir, home, resolv, command, ...args],
        { encoding: "utf8", env, cwd: options.cwd, input: options.input, timeout: 120_000 },
      );
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
