/**
 * The `ssh` command line that reaches a Docker engine, built the way the Docker CLI's connection
 * helper (docker/cli `cli/connhelper`) and so the Docker provider build it: the system client runs
 * `docker system dial-stdio` on the host and the Engine API is spoken over that one stream. Because
 * it is the user's own `ssh`, `~/.ssh/config`, `known_hosts`, identity files, the agent and
 * `docker:sshOpts` all apply exactly as they do for `pulumi up`. Pure.
 */

export interface SshTarget {
  /** `ssh://[user@]host[:port][/socket]`, as given. */
  readonly url: string;
  readonly user?: string;
  readonly host: string;
  readonly port?: string;
  /** A remote socket other than the host's default (`docker --host=unix://<path>`). */
  readonly socketPath?: string;
}

/** The URL could not be an SSH engine address; the message names what is wrong. */
export class SshUrlError extends Error {
  constructor(url: string, problem: string) {
    super(`engine host "${url}": ${problem} (expected ssh://[user@]host[:port])`);
    this.name = "SshUrlError";
  }
}

/** Parses `ssh://` URLs with the Docker CLI's rules: no password, query or fragment. */
export function parseSshUrl(url: string): SshTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SshUrlError(url, "not a URL");
  }
  if (parsed.protocol !== "ssh:") throw new SshUrlError(url, `scheme ${parsed.protocol} is not ssh:`);
  if (parsed.password) throw new SshUrlError(url, "a password in the URL is not supported (use a key)");
  if (parsed.search) throw new SshUrlError(url, "query parameters are not allowed");
  if (parsed.hash) throw new SshUrlError(url, "fragments are not allowed");
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new SshUrlError(url, "the host name is empty");
  const socketPath = parsed.pathname.replace(/^\/+$/, "");
  return {
    url,
    host,
    ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.port ? { port: parsed.port } : {}),
    ...(socketPath ? { socketPath: decodeURIComponent(socketPath) } : {}),
  };
}

/**
 * Options that come before the user's, so they win: ssh takes the first value it is given for each
 * option, over `docker:sshOpts` and `~/.ssh/config` alike. A review never prompts (it runs in CI)
 * and never trusts a host key on first use (`accept-new` would make an impostor's swarm the report).
 */
export const ENFORCED_SSH_OPTIONS: readonly string[] = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"];

/** A word the remote shell passes through unchanged. */
function shellQuoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `ssh` arguments: ours, the user's, a connect timeout unless they set one, then the target. */
export function sshArguments(target: SshTarget, userOptions: readonly string[], timeoutMs: number): string[] {
  const remote = target.socketPath ? ["docker", shellQuoted(`--host=unix://${target.socketPath}`), "system", "dial-stdio"] : ["docker", "system", "dial-stdio"];
  // Like the Docker CLI: a connect timeout unless the user chose one; no pseudo-terminal.
  const connectTimeout = userOptions.some((option) => /ConnectTimeout/i.test(option)) ? [] : ["-o", `ConnectTimeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`];
  return [
    ...ENFORCED_SSH_OPTIONS,
    ...userOptions,
    ...connectTimeout,
    "-T",
    ...(target.user ? ["-l", target.user] : []),
    ...(target.port ? ["-p", target.port] : []),
    "--",
    target.host,
    ...remote,
  ];
}

/** How a person would reach the same host by hand, for the hints in error messages. */
export function sshCommandLine(target: SshTarget): string {
  return ["ssh", ...(target.port ? ["-p", target.port] : []), target.user ? `${target.user}@${target.host}` : target.host].join(" ");
}

/** The `ssh-keyscan` line that fetches the host's keys. */
export function keyscanCommandLine(target: SshTarget): string {
  return ["ssh-keyscan", ...(target.port ? ["-p", target.port] : []), target.host].join(" ");
}
