import { readFileSync } from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import type { DockerSettings } from "../config";
import { parseSshUrl, SshUrlError } from "./ssh-command";
import { type SshTransport, SshTransportError, sshTransport } from "./ssh-socket";

/**
 * Reaching a Docker engine the way the program does: `docker:host` (unix://, ssh://, tcp://) from
 * the stack's config, else DOCKER_HOST, else the local socket. dockerode speaks the Engine API;
 * over ssh:// it goes through the system ssh client (ssh-socket.ts). This module chooses where,
 * counts the calls and connections, and turns every way of failing into one clear `EngineError`.
 */

export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineError";
  }
}

export interface EngineOptions {
  /** `unix:///path`, `ssh://[user@]host[:port]`, `tcp://host:port`. */
  readonly host: string;
  /** Per-call deadline, and ssh's connect timeout. @default 15000 */
  readonly timeoutMs?: number;
  /** A directory with ca.pem, cert.pem and key.pem for tcp:// with TLS (as DOCKER_CERT_PATH). */
  readonly tlsDir?: string;
  /** Extra `ssh` arguments for ssh:// (the provider's `docker:sshOpts`). @default none */
  readonly sshOpts?: readonly string[];
}

export interface Engine {
  readonly host: string;
  readonly docker: Docker;
  /** Engine API requests made so far. */
  calls(): number;
  /** SSH connections opened so far (ssh:// only). */
  sshConnections(): number | undefined;
  /** Runs one API call under the deadline, with failures explained. */
  call<T>(what: string, run: (docker: Docker) => Promise<T>): Promise<T>;
  /** Ends the engine's connections (over ssh://, waits until ssh has exited). */
  close(): Promise<void>;
}

export const DEFAULT_ENGINE_HOST = "unix:///var/run/docker.sock";

/**
 * Which engine: an explicit choice, else the stack's `docker:host`, else DOCKER_HOST, as for the
 * provider. A Docker context (`docker:context` or DOCKER_CONTEXT) would make the provider use that
 * context's engine instead; the review does not read contexts, so it asks for `--host` rather
 * than scan an engine `pulumi up` would not touch.
 */
export function engineHost(explicit: string | undefined, docker: DockerSettings): string {
  if (explicit !== undefined) return explicit;
  const context = docker.context ?? (process.env.DOCKER_CONTEXT && process.env.DOCKER_CONTEXT !== "default" ? process.env.DOCKER_CONTEXT : undefined);
  if (context !== undefined) {
    const source = docker.context !== undefined ? "docker:context" : "DOCKER_CONTEXT";
    throw new EngineError(
      `${source} is "${context}": the provider would reach that Docker context's engine, and adopt and drift do not read contexts; pass --host with its endpoint (docker context inspect ${context} --format '{{.Endpoints.docker.Host}}')`,
    );
  }
  return docker.host ?? process.env.DOCKER_HOST ?? DEFAULT_ENGINE_HOST;
}

/** The provider's own fallback for `docker:sshOpts`: DOCKER_SSH_OPTS, split at white space. */
export function engineSshOpts(configured: readonly string[] | undefined): readonly string[] {
  return configured ?? (process.env.DOCKER_SSH_OPTS?.trim() ? process.env.DOCKER_SSH_OPTS.trim().split(/\s+/) : []);
}

function dockerOptions(options: EngineOptions, ssh: () => SshTransport): Docker.DockerOptions {
  const timeout = options.timeoutMs ?? 15_000;
  let url: URL;
  try {
    url = new URL(options.host);
  } catch {
    throw new EngineError(`engine host "${options.host}": expected unix:///path, ssh://user@host or tcp://host:port`);
  }
  switch (url.protocol) {
    case "unix:":
      return { socketPath: url.pathname, timeout };
    case "ssh:":
      // Plain HTTP over the ssh child's stdio; the host name is a placeholder, as in the Docker CLI.
      // docker-modem passes `agent` to http.request; @types/dockerode does not list it.
      return { protocol: "http", host: "docker.example.com", port: 80, agent: ssh().agent, timeout } as Docker.DockerOptions;
    case "tcp:": {
      const tlsDir = options.tlsDir ?? process.env.DOCKER_CERT_PATH;
      if (tlsDir === undefined) return { protocol: "http", host: url.hostname, port: url.port || 2375, timeout };
      const read = (file: string) => {
        try {
          return readFileSync(path.join(tlsDir, file));
        } catch (error) {
          throw new EngineError(`TLS material: cannot read ${path.join(tlsDir, file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        }
      };
      return { protocol: "https", host: url.hostname, port: url.port || 2376, ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem"), timeout };
    }
    default:
      throw new EngineError(`engine host "${options.host}": unsupported scheme ${url.protocol} (expected unix://, ssh:// or tcp://)`);
  }
}

/** A sentence for each way a call can fail, naming the engine and what was being done. */
export function explain(host: string, what: string, error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  if (error instanceof SshTransportError) return new EngineError(`${what}: ${host}: ${error.message}`);
  const err = error as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: string } };
  const at = `the Docker engine at ${host}`;
  switch (err.code) {
    case "ENOENT":
      return new EngineError(`${what}: no Docker engine at ${host}: the socket does not exist (is dockerd running?)`);
    case "EACCES":
    case "EPERM":
      return new EngineError(`${what}: permission denied on ${host}: run as a user in the docker group, or as root`);
    case "ECONNREFUSED":
      return new EngineError(`${what}: ${at} refused the connection (is dockerd running?)`);
    case "ECONNRESET":
    case "EPIPE":
      return new EngineError(`${what}: ${at} closed the connection mid-request (did it stop?)`);
  }
  if (err.statusCode === 503 && /swarm/i.test(err.json?.message ?? err.message)) {
    return new EngineError(`${what}: ${at} is not a swarm manager (${err.json?.message ?? err.message})`);
  }
  if (err.statusCode !== undefined) {
    return new EngineError(`${what}: ${at} answered ${err.statusCode}: ${err.json?.message ?? err.message}`);
  }
  if (/socket hang up/i.test(err.message)) return new EngineError(`${what}: ${at} closed the connection mid-request (did it stop?)`);
  return new EngineError(`${what}: ${at}: ${err.message}`);
}

/**
 * The Docker engine `docker:host` names, reached as the Docker CLI reaches it (a unix socket, TCP
 * with TLS, or `ssh` to the host), each call with a timeout and a clear error.
 */
export function connectEngine(options: EngineOptions): Engine {
  const timeoutMs = options.timeoutMs ?? 15_000;
  let ssh: SshTransport | undefined;
  const openSsh = () => {
    try {
      ssh = sshTransport(parseSshUrl(options.host), options.sshOpts ?? [], timeoutMs);
    } catch (error) {
      throw error instanceof SshUrlError ? new EngineError(error.message) : error;
    }
    return ssh;
  };
  const docker = new Docker(dockerOptions(options, openSsh));
  let calls = 0;
  // Count every request at the one place dockerode sends them.
  const modem = docker.modem as unknown as { dial(options: unknown, callback: unknown): unknown };
  const dial = modem.dial.bind(modem);
  modem.dial = (dialOptions, callback) => {
    calls += 1;
    return dial(dialOptions, callback);
  };
  return {
    host: options.host,
    docker,
    calls: () => calls,
    sshConnections: () => ssh?.connections(),
    close: async () => {
      await ssh?.close();
    },
    async call<T>(what: string, run: (client: Docker) => Promise<T>): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EngineError(`${what}: the Docker engine at ${options.host} did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([run(docker), deadline]);
      } catch (error) {
        throw explain(options.host, what, error);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
