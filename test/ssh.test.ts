import { spawnSync } from "node:child_process";
import { engineHost, engineSshOpts } from "../live/connect";
import { parseSshUrl, sshArguments, type SshTarget } from "../live/ssh-command";
import { describeSshFailure } from "../live/ssh-failure";
import { editDistance, nearest } from "../lib/nearest";
import { parseTimeout } from "../scripts/timeout-option";
import { testWith } from "../servers/tools";

/**
 * The pure halves of the SSH path: the `ssh` command line (as the Docker CLI's connection helper
 * builds it), the sentence for each failure, `--timeout`, and the nearest-key hint. The failures'
 * stderr is OpenSSH's and the remote side's, recorded from Debian's OpenSSH 9.2 and Docker CLI.
 * test/engine-ssh.test.ts produces most of them for real, against a real sshd: an unknown and a
 * changed host key, a closed port, an unknown host name, a refused user, docker missing (bash),
 * a socket the user may not open, and no engine running. The others are recorded text only: the
 * banner timeout, docker missing (dash), a warning before the real cause, and the fallback for
 * anything else (whose text is made up).
 */

describe("ssh:// URLs, with the Docker CLI's rules", () => {
  test.each([
    ["ssh://deploy@barbary.in.hypyr.space", { host: "barbary.in.hypyr.space", user: "deploy" }],
    ["ssh://barbary", { host: "barbary" }],
    ["ssh://root@127.0.0.1:2222", { host: "127.0.0.1", user: "root", port: "2222" }],
    ["ssh://root@[::1]:2222/", { host: "::1", user: "root", port: "2222" }],
    ["ssh://deploy@nas/run/user/1000/docker.sock", { host: "nas", user: "deploy", socketPath: "/run/user/1000/docker.sock" }],
  ])("%s", (url, expected) => {
    expect(parseSshUrl(url)).toEqual({ url, ...expected });
  });

  test.each([
    ["ssh://deploy:hunter2@barbary", 'engine host "ssh://deploy:hunter2@barbary": a password in the URL is not supported (use a key) (expected ssh://[user@]host[:port])'],
    ["ssh://barbary?x=1", 'engine host "ssh://barbary?x=1": query parameters are not allowed (expected ssh://[user@]host[:port])'],
    ["ssh://barbary#a", 'engine host "ssh://barbary#a": fragments are not allowed (expected ssh://[user@]host[:port])'],
    ["ssh://", 'engine host "ssh://": the host name is empty (expected ssh://[user@]host[:port])'],
  ])("%s is refused", (url, message) => {
    expect(() => parseSshUrl(url)).toThrow(message);
  });
});

describe("the ssh command line", () => {
  const target = parseSshUrl("ssh://deploy@barbary:2222");

  test.each([
    [
      "the enforced options first, then the user's, a connect timeout from --timeout, no tty, user, port, target, remote command",
      target,
      ["-o", "ServerAliveInterval=30"],
      2500,
      ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ServerAliveInterval=30", "-o", "ConnectTimeout=3", "-T", "-l", "deploy", "-p", "2222", "--", "barbary", "docker", "system", "dial-stdio"],
    ],
    [
      "the user's own ConnectTimeout is kept",
      parseSshUrl("ssh://barbary"),
      ["-oConnectTimeout=5"],
      15000,
      ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-oConnectTimeout=5", "-T", "--", "barbary", "docker", "system", "dial-stdio"],
    ],
    [
      "a socket path becomes docker --host, quoted for the remote shell",
      parseSshUrl("ssh://nas/run/my%20docker.sock"),
      [],
      100,
      ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=1", "-T", "--", "nas", "docker", "'--host=unix:///run/my docker.sock'", "system", "dial-stdio"],
    ],
  ])("%s", (_case, sshTarget: SshTarget, options: string[], timeoutMs: number, expected: string[]) => {
    expect(sshArguments(sshTarget, options, timeoutMs)).toEqual(expected);
  });

  testWith(["ssh"])("ssh itself resolves them so: no prompt and strict host keys even when docker:sshOpts asks otherwise", () => {
    const args = sshArguments(target, ["-F", "/dev/null", "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=no"], 15000);
    // `ssh -G` prints the configuration it would use, without connecting.
    const resolved = spawnSync("ssh", ["-G", ...args.slice(0, args.indexOf("--") + 2)], { encoding: "utf8" });
    const settings = Object.fromEntries(resolved.stdout.split("\n").map((line) => line.split(" ", 2) as [string, string]));
    expect([settings.batchmode, settings.stricthostkeychecking, settings.connecttimeout, settings.user, settings.port]).toEqual(["yes", "true", "15", "deploy", "2222"]);
  });
});

describe("each SSH failure in one sentence", () => {
  const target = parseSshUrl("ssh://deploy@barbary:2222");
  const CHANGED = [
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
    "The fingerprint for the ED25519 key sent by the remote host is",
    "SHA256:GuvkLZtXzeZoYG0Bx1uyLGAyO1OpLqX9qYyZ2GdlNSc.",
    "Offending ED25519 key in /home/deploy/.ssh/known_hosts:3",
    "Host key for [barbary]:2222 has changed and you have requested strict checking.",
    "Host key verification failed.",
  ].join("\r\n");

  test.each([
    [
      "host key unknown",
      255,
      "No ED25519 host key is known for [barbary]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n",
      "the host key of [barbary]:2222 is not in known_hosts, and adopt and drift never trust a key on first use: check its fingerprint (ssh-keyscan -p 2222 barbary | ssh-keygen -lf -) with the host's owner, then add it (ssh-keyscan -p 2222 barbary >> ~/.ssh/known_hosts), or connect once with ssh -p 2222 deploy@barbary and compare the fingerprint it shows",
    ],
    [
      "host key changed",
      255,
      CHANGED,
      "the host key of [barbary]:2222 has CHANGED (it now presents SHA256:GuvkLZtXzeZoYG0Bx1uyLGAyO1OpLqX9qYyZ2GdlNSc), unlike the key in /home/deploy/.ssh/known_hosts:3: it may be an impostor, so nothing was read. If the host was reinstalled, confirm the new fingerprint with its owner, then replace the old key: ssh-keygen -R '[barbary]:2222' && ssh-keyscan -p 2222 barbary >> ~/.ssh/known_hosts",
    ],
    ["refused", 255, "ssh: connect to host barbary port 2222: Connection refused\r\n", "nothing accepts SSH connections at barbary port 2222 (connection refused): is sshd running there, and is the port in docker:host right?"],
    [
      "unknown host",
      255,
      "ssh: Could not resolve hostname barbary: Name or service not known\r\n",
      "cannot resolve the SSH host barbary (Name or service not known): check the host name in docker:host (and any HostName for it in ~/.ssh/config)",
    ],
    [
      "auth refused",
      255,
      "deploy@barbary: Permission denied (publickey).\r\n",
      "the SSH server at barbary port 2222 refused user deploy (tried: publickey): check the user in docker:host, that its key is offered (ssh-add -l, an IdentityFile in ~/.ssh/config, or -i in docker:sshOpts) and that the host lists it in authorized_keys",
    ],
    ["banner timeout", 255, "Connection timed out during banner exchange\r\nConnection to barbary port 2222 timed out\r\n", "no SSH answer from barbary port 2222 in time (Connection timed out during banner exchange)"],
    [
      "docker missing (bash)",
      127,
      "bash: line 1: docker: command not found\n",
      "the docker CLI is not on the PATH of deploy on barbary (bash: line 1: docker: command not found): install it there, since adopt and drift run `docker system dial-stdio` on the host, as the Docker CLI and the provider do",
    ],
    ["docker missing (dash)", 127, "sh: 1: docker: not found\n", expect.stringMatching(/^the docker CLI is not on the PATH of deploy on barbary \(sh: 1: docker: not found\)/)],
    [
      "socket denied",
      1,
      "failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: permission denied\n",
      "deploy on barbary may not use the Docker socket there (failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: permission denied): add it to the host's docker group (usermod -aG docker deploy) or connect as a user who may",
    ],
    [
      "engine down on the host",
      1,
      "failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory\n",
      "docker on barbary cannot reach its engine (failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory): is dockerd running there?",
    ],
    ["a warning on the way does not hide the real cause", 255, "Warning: Identity file /nope not accessible: No such file or directory.\r\ndeploy@barbary: Permission denied (publickey).\r\n", expect.stringMatching(/^the SSH server at barbary port 2222 refused user deploy/)],
    ["anything else: the status and the last line", 3, "something odd\nreally odd\n", "ssh exited with status 3: really odd"],
  ])("%s", (_case, code, stderr, expected) => {
    const message = describeSshFailure(target, { code, signal: null, stderr });
    expect(message).toEqual(expected);
    expect(message).not.toContain("\n");
  });
});

describe("which engine, as the provider decides", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_SSH_OPTS"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test.each([
    ["--host wins", "unix:///a.sock", { host: "ssh://x" }, {}, "unix:///a.sock"],
    ["then docker:host", undefined, { host: "ssh://deploy@nas" }, { DOCKER_HOST: "unix:///b.sock" }, "ssh://deploy@nas"],
    ["then DOCKER_HOST", undefined, {}, { DOCKER_HOST: "unix:///b.sock" }, "unix:///b.sock"],
    ["then the local socket", undefined, {}, {}, "unix:///var/run/docker.sock"],
    ["DOCKER_CONTEXT=default is no context", undefined, { host: "ssh://deploy@nas" }, { DOCKER_CONTEXT: "default" }, "ssh://deploy@nas"],
  ])("%s", (_case, explicit, docker, env: Record<string, string>, expected) => {
    delete process.env.DOCKER_HOST;
    delete process.env.DOCKER_CONTEXT;
    Object.assign(process.env, env);
    expect(engineHost(explicit, docker)).toBe(expected);
  });

  test.each([
    [{ context: "lab" }, {}, `docker:context is "lab": the provider would reach that Docker context's engine, and adopt and drift do not read contexts; pass --host with its endpoint (docker context inspect lab --format '{{.Endpoints.docker.Host}}')`],
    [{ host: "ssh://deploy@nas" }, { DOCKER_CONTEXT: "remote" }, expect.stringMatching(/^DOCKER_CONTEXT is "remote": the provider would reach that Docker context's engine/)],
  ])("a Docker context is not guessed at: %j %j", (docker, env: Record<string, string>, message) => {
    delete process.env.DOCKER_CONTEXT;
    Object.assign(process.env, env);
    let error: unknown;
    try {
      engineHost(undefined, docker);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toEqual(message);
  });

  test("docker:sshOpts, else DOCKER_SSH_OPTS split at white space, as the provider reads it", () => {
    process.env.DOCKER_SSH_OPTS = " -o  ServerAliveInterval=30 -v ";
    expect(engineSshOpts(undefined)).toEqual(["-o", "ServerAliveInterval=30", "-v"]);
    expect(engineSshOpts(["-i", "/k"])).toEqual(["-i", "/k"]);
    delete process.env.DOCKER_SSH_OPTS;
    expect(engineSshOpts(undefined)).toEqual([]);
  });
});

describe("--timeout", () => {
  test.each([
    ["30s", 30_000],
    ["1500ms", 1500],
    ["2.5s", 2500],
    [" 1ms ", 1],
  ])("%j is %d ms", (value, ms) => {
    expect(parseTimeout(value)).toBe(ms);
  });

  test.each(["0", "0s", "0.0001s", "15", "-2s", "1.5ms2", "fast", "30m", "1e3ms", "99999999s"])("%j is refused", (value) => {
    expect(() => parseTimeout(value)).toThrow(`expected a positive duration with its unit, seconds or milliseconds (e.g. 30s or 1500ms), got "${value}"`);
  });
});

describe("the nearest valid key", () => {
  test.each([
    ["hots", ["host", "context", "sshOpts"], "host"],
    ["docker:hots", ["docker:host", "docker:context"], "docker:host"],
    ["storagenode", ["storageNode", "nodes"], "storageNode"],
    ["dokcer:sshOpts", ["docker:sshOpts", "docker:host"], "docker:sshOpts"],
    ["docker:host", ["pulumi:tags", "pulumiservice:apiUrl"], undefined],
  ])("%s among %j: %s", (word, candidates, expected) => {
    expect(nearest(word, candidates)).toBe(expected);
  });

  test.each([
    ["host", "hots", 1],
    ["host", "host", 0],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("distance %s to %s is %d", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});
