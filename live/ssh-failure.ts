import { keyscanCommandLine, sshCommandLine, type SshTarget } from "./ssh-command";

/**
 * One sentence for each way `ssh … docker system dial-stdio` ends badly, read from what ssh and the
 * remote side print (OpenSSH's messages, the remote shell's "command not found", the Docker CLI's
 * dial errors) and the exit status (255: ssh itself failed; otherwise the remote command's). Each
 * names the host and says what to do. Pure.
 */

export interface SshExit {
  /** The exit status, or null when a signal ended ssh. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What ssh and the remote command wrote to stderr. */
  readonly stderr: string;
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.replace(/\r/g, "").trim())
    .filter((line) => line.length > 0 && !/^@+$/.test(line));

/** The first stderr line matching `pattern`, or undefined. */
const lineMatching = (stderr: string, pattern: RegExp) => lines(stderr).find((line) => pattern.test(line));

/** How ssh names the host in known_hosts: `[host]:port` unless the port is 22. */
function knownHostsName(target: SshTarget): string {
  return target.port && target.port !== "22" ? `[${target.host}]:${target.port}` : target.host;
}

function where(target: SshTarget): string {
  return `${target.host}${target.port ? ` port ${target.port}` : ""}`;
}

function hostKeyFailure(target: SshTarget, stderr: string): string | undefined {
  if (!/Host key verification failed/.test(stderr)) return undefined;
  const name = /host key is known for (\S+) and/.exec(stderr)?.[1] ?? /Host key for (\S+) has changed/.exec(stderr)?.[1] ?? knownHostsName(target);
  const scan = keyscanCommandLine(target);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
    const fingerprint = /remote host is\s+(\S+?)\.?\s*$/m.exec(stderr.replace(/\r/g, ""))?.[1];
    const offending = /Offending \S+ key in (\S+)/.exec(stderr)?.[1];
    return (
      `the host key of ${name} has CHANGED${fingerprint ? ` (it now presents ${fingerprint})` : ""}` +
      `${offending ? `, unlike the key in ${offending}` : ""}: it may be an impostor, so nothing was read. ` +
      `If the host was reinstalled, confirm the new fingerprint with its owner, then replace the old key: ssh-keygen -R '${name}' && ${scan} >> ~/.ssh/known_hosts`
    );
  }
  return (
    `the host key of ${name} is not in known_hosts, and adopt and drift never trust a key on first use: ` +
    `check its fingerprint (${scan} | ssh-keygen -lf -) with the host's owner, then add it (${scan} >> ~/.ssh/known_hosts), ` +
    `or connect once with ${sshCommandLine(target)} and compare the fingerprint it shows`
  );
}

/** The sentence for a failed `ssh`, without the host URL (the caller puts that first). */
export function describeSshFailure(target: SshTarget, exit: SshExit): string {
  const { stderr } = exit;
  const hostKey = hostKeyFailure(target, stderr);
  if (hostKey) return hostKey;

  const unresolved = /Could not resolve hostname (\S+): (.*)$/m.exec(stderr.replace(/\r/g, ""));
  if (unresolved) {
    return `cannot resolve the SSH host ${unresolved[1]!.replace(/:$/, "")} (${unresolved[2]!.trim()}): check the host name in docker:host (and any HostName for it in ~/.ssh/config)`;
  }
  if (/Connection refused/.test(stderr)) {
    return `nothing accepts SSH connections at ${where(target)} (connection refused): is sshd running there, and is the port in docker:host right?`;
  }
  const timedOut = lineMatching(stderr, /timed out/i);
  if (timedOut) return `no SSH answer from ${where(target)} in time (${timedOut})`;
  const unreachable = lineMatching(stderr, /No route to host|Network is unreachable/);
  if (unreachable) return `cannot reach ${where(target)} (${unreachable})`;
  const denied = /^(\S+)@\S+: Permission denied \(([^)]*)\)/m.exec(stderr);
  if (denied) {
    return (
      `the SSH server at ${where(target)} refused user ${denied[1]} (tried: ${denied[2]}): check the user in docker:host, ` +
      "that its key is offered (ssh-add -l, an IdentityFile in ~/.ssh/config, or -i in docker:sshOpts) and that the host lists it in authorized_keys"
    );
  }
  const closed = lineMatching(stderr, /Connection (closed|reset) by|kex_exchange_identification/);
  if (exit.code === 255 && closed) return `the SSH server at ${where(target)} closed the connection before login (${closed})`;

  // From here on ssh got in: the status and the messages are the remote command's.
  const user = target.user ?? "the SSH user";
  const notFound = lineMatching(stderr, /docker: (command )?not found|command not found: docker|docker: No such file/);
  if (exit.code === 127 || notFound) {
    return `the docker CLI is not on the PATH of ${user} on ${target.host}${notFound ? ` (${notFound})` : ""}: install it there, since adopt and drift run \`docker system dial-stdio\` on the host, as the Docker CLI and the provider do`;
  }
  const socketDenied = lineMatching(stderr, /permission denied while trying to connect|dial unix .*permission denied/i);
  if (socketDenied) {
    return `${user} on ${target.host} may not use the Docker socket there (${socketDenied}): add it to the host's docker group (usermod -aG docker ${target.user ?? "<user>"}) or connect as a user who may`;
  }
  const noEngine = lineMatching(stderr, /Cannot connect to the Docker daemon|failed to open the raw stream connection|dial unix /i);
  if (noEngine) return `docker on ${target.host} cannot reach its engine (${noEngine}): is dockerd running there?`;
  if (/is not a docker command|unknown command "dial-stdio"/.test(stderr)) {
    return `docker on ${target.host} has no \`system dial-stdio\`: Docker 18.09 or later is needed on the host`;
  }
  const last = lines(stderr).at(-1);
  const status = exit.code === null ? `was ended by ${exit.signal}` : `exited with status ${exit.code}`;
  return `ssh ${status}${last ? `: ${last}` : " without a message"}`;
}

/** Why ssh could not even be started here. */
export function describeSpawnFailure(error: NodeJS.ErrnoException): string {
  if (error.code === "ENOENT") return "the ssh client is not installed here: adopt and drift reach ssh:// engines through the system ssh, as the Docker CLI does (install openssh-client)";
  return `cannot run ssh: ${error.message}`;
}
