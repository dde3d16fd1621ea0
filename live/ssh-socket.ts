import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as http from "node:http";
import { Duplex } from "node:stream";
import { sshArguments, type SshTarget } from "./ssh-command";
import { describeSpawnFailure, describeSshFailure } from "./ssh-failure";

/**
 * The Engine API over `ssh … docker system dial-stdio`: an http.Agent whose one connection is the
 * ssh child's stdin and stdout. dockerode sends every request through the agent (keep-alive, at
 * most one socket), so a whole scan is one SSH connection, requests queued on it, as the Docker
 * CLI's connection helper does. The socket is a Duplex with the few net.Socket methods Node's
 * HTTP client calls on it (setTimeout, setNoDelay, setKeepAlive, ref, unref).
 */

/** An SSH failure, already in words (see ssh-failure.ts). */
export class SshTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshTransportError";
  }
}

/** How long a closed connection may take to end on its own before ssh is stopped. */
const GRACE_MS = 1000;
/** Enough of ssh's stderr to explain a failure; a chatty remote cannot grow it without bound. */
const STDERR_LIMIT = 16 * 1024;

class SshStdioSocket extends Duplex {
  /** The idle timeout set by the HTTP client (net.Socket's `timeout`). */
  timeout = 0;
  /** Resolves once ssh has exited. */
  readonly exited: Promise<void>;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private stderr = "";
  private received = 0;
  private sent = 0;
  private hasExited = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    target: SshTarget,
  ) {
    super({ allowHalfOpen: false });
    let exited: () => void;
    this.exited = new Promise((resolve) => (exited = resolve));
    child.stdout.on("data", (chunk: Buffer) => {
      this.received += chunk.length;
      this.touch();
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_LIMIT);
    });
    // A write to an ssh that has died fails with EPIPE; its exit, just after, says why.
    child.stdin.on("error", () => undefined);
    child.on("error", (error) => {
      this.hasExited = true;
      exited();
      this.destroy(new SshTransportError(describeSpawnFailure(error)));
    });
    // "close" comes after the exit and after stdout and stderr have ended: all output is in.
    child.on("close", (code, signal) => {
      this.hasExited = true;
      clearTimeout(this.stopTimer);
      exited();
      if (this.destroyed) return;
      const unanswered = this.sent > 0 && this.received === 0;
      if (code === 0 && !unanswered) this.push(null);
      else if (code === 0) this.destroy(new SshTransportError(`the remote command ended without an answer from the Engine API${this.stderr ? ` (${this.stderr.trim().split("\n").at(-1)})` : ""}`));
      else this.destroy(new SshTransportError(describeSshFailure(target, { code, signal, stderr: this.stderr })));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sent += chunk.length;
    this.touch();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end(() => callback());
  }

  /** Closing the stream ends ssh: stdin's end first (dial-stdio then finishes), a signal if it lingers. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (!this.hasExited) {
      // An idle keep-alive socket is unref'd; its end must still be waited for.
      this.child.ref();
      this.child.stdin.end();
      this.stopTimer = setTimeout(() => this.child.kill("SIGTERM"), GRACE_MS);
      this.stopTimer.unref();
    }
    callback(error);
  }

  setTimeout(ms: number, onTimeout?: () => void): this {
    this.timeout = ms;
    if (onTimeout) this.once("timeout", onTimeout);
    this.touch();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    this.child.ref();
    return this;
  }

  unref(): this {
    this.child.unref();
    return this;
  }

  /** Any traffic restarts the idle timer, as on a net.Socket. */
  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.timeout > 0 && !this.destroyed) this.idleTimer = setTimeout(() => this.emit("timeout"), this.timeout);
  }
}

export interface SshTransport {
  readonly agent: http.Agent;
  /** SSH connections opened so far. */
  connections(): number;
  /** Ends every connection and waits until each ssh has exited. */
  close(): Promise<void>;
}

/**
 * Sockets to the remote engine through `ssh <host> docker system dial-stdio`, as the Docker CLI
 * opens them, failures explained.
 */
export function sshTransport(target: SshTarget, userOptions: readonly string[], timeoutMs: number): SshTransport {
  const args = sshArguments(target, userOptions, timeoutMs);
  const sockets: SshStdioSocket[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  // The one hook http.Agent offers for a connection that is not TCP (typed loosely in @types/node).
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
    const socket = new SshStdioSocket(child, target);
    sockets.push(socket);
    return socket;
  };
  return {
    agent,
    connections: () => sockets.length,
    async close() {
      agent.destroy();
      for (const socket of sockets) socket.destroy();
      await Promise.all(sockets.map((socket) => socket.exited));
    },
  };
}
