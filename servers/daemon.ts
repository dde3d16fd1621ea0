import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { connect } from "node:net";

/**
 * How the tests start, await and stop the servers they run themselves (dockerd, docker-registry,
 * sshd, Caddy, PostgreSQL and pg-provision's script): spawned with their output appended to a log
 * file; awaited with a deadline, whose error names what was awaited and ends with the log's last
 * lines; stopped by their PID, never by name: their own shutdown signal, SIGKILL if they are not
 * gone by a deadline, then their exit awaited, so no server outlives its test. `waitUntil` is
 * also how a test waits for anything else that happens in its own time.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last lines of a log, for an error message: read when the wait fails, before a stop removes it. */
function logTail(log: string | undefined, count = 20): string {
  if (log === undefined || !existsSync(log)) return "";
  const text = readFileSync(log, "utf8").trimEnd();
  return text === "" ? ` (${log} is empty)` : `; the last lines of ${log}:\n${text.split("\n").slice(-count).join("\n")}`;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Between two checks; 100 ms unless told. */
  readonly intervalMs?: number;
  /** True once the process awaited is gone: the wait then fails at once instead of at its deadline. */
  readonly exited?: () => boolean;
  /** A log file whose last lines the error shows. */
  readonly log?: string;
}

/** Resolves once `check` is true; throws naming `what` at the deadline, or when `exited` says the process is gone. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.exited?.()) throw new Error(`waiting for ${what}: the process exited first${logTail(options.log)}`);
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`waiting for ${what}: not within ${options.timeoutMs} ms${logTail(options.log)}`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** Whether something accepts TCP connections at host:port right now. */
export function accepts(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Whether every one of `ports` accepts connections at host right now (a server listening on several). */
export async function allAccept(ports: readonly number[], host = "127.0.0.1"): Promise<boolean> {
  return (await Promise.all(ports.map((port) => accepts(port, host)))).every(Boolean);
}

export interface DaemonOptions {
  /** The file its stdout and stderr are appended to. */
  readonly log: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The signal it shuts down cleanly on: SIGTERM unless told. */
  readonly stopSignal?: NodeJS.Signals;
  /** How long a clean shutdown may take before SIGKILL: 5 s unless told. */
  readonly graceMs?: number;
  /**
   * Started as the leader of a process group of its own, and every signal goes to the group: for
   * a script, whose commands (a `sleep` it waits on) would not hear a signal sent to the shell.
   */
  readonly group?: boolean;
}

export interface Daemon {
  readonly pid: number;
  readonly log: string;
  exited(): boolean;
  /** Sends `signal` to it (to its group, if it has one) unless it is gone. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves once it has exited. */
  readonly gone: Promise<void>;
  /** How `stopDaemon` stops it. */
  readonly stopping: { readonly signal: NodeJS.Signals; readonly graceMs: number };
}

/**
 * Starts a server, its output appended to its log (in a process group of its own if told); it is
 * stopped by PID with `stopDaemon`: its own shutdown signal, SIGKILL after the grace period.
 */
export function startDaemon(command: string, args: readonly string[], options: DaemonOptions): Daemon {
  const output = openSync(options.log, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, [...args], { stdio: ["ignore", output, output], env: options.env ?? process.env, detached: options.group ?? false });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(output);
  }
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once("exit", () => ((exited = true), resolve()));
    // A program that cannot be started never exits: its failure ends it.
    child.once("error", () => ((exited = true), resolve()));
  });
  const group = options.group ?? false;
  return {
    pid: child.pid ?? -1,
    log: options.log,
    exited: () => exited,
    signal: (signal) => {
      if (exited || child.pid === undefined) return;
      if (group) signalGroup(child.pid, signal);
      else child.kill(signal);
    },
    gone,
    stopping: { signal: options.stopSignal ?? "SIGTERM", graceMs: options.graceMs ?? 5000 },
  };
}

function signalGroup(leader: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-leader, signal);
  } catch {
    // no member of the group is left
  }
}

/** Whether `pid` is a process that has not ended (a zombie has). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ended on its own meanwhile
  }
}

/**
 * Stops it: its shutdown signal, SIGKILL once the grace time is over, then waits for its exit.
 * `companions` are PIDs of its own that do not end with it (sshd's sessions): they get the same
 * signals, and the grace time waits for them too.
 */
export async function stopDaemon(daemon: Daemon, companions: readonly number[] = []): Promise<void> {
  const { signal, graceMs } = daemon.stopping;
  const left = () => companions.filter(running);
  daemon.signal(signal);
  for (const pid of left()) signalPid(pid, signal);
  await waitUntil("a clean shutdown", () => daemon.exited() && left().length === 0, { timeoutMs: graceMs, intervalMs: 50 }).catch(() => undefined);
  daemon.signal("SIGKILL");
  for (const pid of left()) signalPid(pid, "SIGKILL");
  await daemon.gone;
}
