import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import * as path from "node:path";
import { readWorkflow, stepNamed } from "./support/workflows";
import { preRunCommands, RUN_ENV } from "../ops/settings";
import { PROJECT_DIR } from "../lib/project-dir";
import { waitUntil } from "../servers/daemon";
import { ENGINE_NEEDS, freePort } from "../servers/engine";
import { type ReviewSlice, startReviewSlice, writeConfig } from "./support/review-slice";
import { type ClientHome, clientHome, SSH_NEEDS, startTestSshServer, type TestSshServer } from "../servers/sshd";
import { describeWith } from "../servers/tools";

/**
 * `adopt` and `drift` on the path prod uses: `docker:host: ssh://...`, through the system ssh
 * client, to Debian's real sshd (servers/sshd.ts) whose sessions reach the tests' own engine.
 * Every run is the CLI, as a user or a workflow runs it, in a client home of its own. Under CI=true
 * these tests must run: a missing sshd or engine fails them.
 */

type Command = "adopt" | "drift";
const COMMANDS: readonly Command[] = ["adopt", "drift"];
const TS_NODE = path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node");

describeWith(ENGINE_NEEDS, SSH_NEEDS)("adopt and drift over SSH, against a real sshd", () => {
  let review: ReviewSlice;
  let sshd: TestSshServer;
  const homes: ClientHome[] = [];
  let runs = 0;

  beforeAll(async () => {
    review = await startReviewSlice("homelab-review-ssh-");
    sshd = await startTestSshServer(review.engine.host);
  }, 180_000);

  afterAll(async () => {
    for (const home of homes) home.remove();
    await sshd?.stop();
    await review?.stop();
  }, 60_000);

  /** A client home with the default key and known_hosts, unless told otherwise. */
  function home(files: { key?: boolean; knownHosts?: string } = {}): ClientHome {
    const client = clientHome();
    homes.push(client);
    if (files.key !== false) client.writeSsh("id_ed25519", readFileSync(sshd.defaultKey, "utf8"));
    if (files.knownHosts !== "") client.writeSsh("known_hosts", files.knownHosts ?? sshd.knownHosts);
    return client;
  }

  /** The slice's config pointed at an ssh:// host, with more docker:* keys if given. */
  function sshConfig(host: string, extra: Record<string, string> = {}): string {
    runs += 1;
    return writeConfig(review.work, { ...review.raw, "docker:host": host, ...extra }, `Pulumi.ssh-${runs}.yaml`);
  }

  const hostUrl = (port: number, user = sshd.user) => `ssh://${user}@127.0.0.1:${port}`;

  function cli(client: ClientHome, command: Command, configFile: string, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    const outDir = path.join(review.work, `out-${command}-${(runs += 1)}`);
    const result = client.run(TS_NODE, ["--transpile-only", `scripts/${command}.ts`, "--config-file", configFile, "--out-dir", outDir, ...extraArgs], { cwd: PROJECT_DIR, env });
    const files = existsSync(outDir) ? readdirSync(outDir).sort() : [];
    return { status: result.status, stderr: result.stderr, stdout: result.stdout, outDir, files };
  }

  /** A failed run: exit 1, exactly one line of error after the progress lines, no stack trace, no file. */
  function expectRefused(run: ReturnType<typeof cli>, command: Command): string {
    expect(run.files).toEqual([]);
    expect(existsSync(run.outDir)).toBe(false);
    expect(run.status).toBe(1);
    const errors = run.stderr.trim().split("\n").filter((line) => !/^\w+: (evaluating|connecting|listing|read )/.test(line));
    expect(errors).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at |Error:|DeprecationWarning/);
    expect(errors[0]).toMatch(new RegExp(`^${command}: reading the engine's info: `));
    return errors[0]!;
  }

  /** The reports of a scan without the lines that name where and when it ran. */
  function reports(outDir: string): Record<string, unknown> {
    const read = (file: string) => readFileSync(path.join(outDir, file), "utf8");
    if (existsSync(path.join(outDir, "drift.json"))) {
      const { host: _host, scannedAt: _at, ...drift } = JSON.parse(read("drift.json")) as Record<string, unknown>;
      return { drift, markdown: read("drift.md").split("\n").slice(3).join("\n") };
    }
    return { importFile: JSON.parse(read("import.json")), markdown: read("adopt.md").split("\n").slice(1).join("\n").replaceAll(outDir, "<out>") };
  }

  describe.each(COMMANDS)("%s", (command) => {
    test("a known host key: the reports are written, identical to the same scan over unix://, in one SSH connection", async () => {
      const overSsh = cli(home(), command, sshConfig(hostUrl(sshd.ports.good)));
      expect(overSsh.stderr).toMatch(new RegExp(`over 1 SSH connection[,)]`));
      expect(overSsh.stderr).not.toMatch(/Warning|\n\s+at /);
      expect(overSsh.status).toBe(0);
      expect(overSsh.files).toEqual(command === "adopt" ? ["adopt.md", "import.json"] : ["drift.json", "drift.md"]);
      const overSocket = cli(home(), command, review.configFile);
      expect(overSocket.status).toBe(0);
      expect(reports(overSsh.outDir)).toEqual(reports(overSocket.outDir));
      // The session ended with the command: only the listening sshd is left.
      await waitUntil("the session's processes to end", () => sshd.pids().length <= 1, { timeoutMs: 2000 });
      expect(sshd.pids()).toHaveLength(1);
    });

    test("no known_hosts entry: refused, naming the host and how to add its key", () => {
      const run = cli(home({ knownHosts: "" }), command, sshConfig(hostUrl(sshd.ports.good)));
      const port = sshd.ports.good;
      expect(expectRefused(run, command)).toBe(
        `${command}: reading the engine's info: ${hostUrl(port)}: the host key of [127.0.0.1]:${port} is not in known_hosts, and adopt and drift never trust a key on first use: ` +
          `check its fingerprint (ssh-keyscan -p ${port} 127.0.0.1 | ssh-keygen -lf -) with the host's owner, then add it (ssh-keyscan -p ${port} 127.0.0.1 >> ~/.ssh/known_hosts), ` +
          `or connect once with ssh -p ${port} ${sshd.user}@127.0.0.1 and compare the fingerprint it shows`,
      );
    });

    test("a changed host key: refused as a possible impostor, nothing read", () => {
      const port = sshd.ports.good;
      const line = expectRefused(cli(home({ knownHosts: sshd.changedKnownHosts(port) }), command, sshConfig(hostUrl(port))), command);
      expect(line).toMatch(new RegExp(`: the host key of \\[127\\.0\\.0\\.1\\]:${port} has CHANGED \\(it now presents SHA256:[\\w+/]+\\), unlike the key in \\S+known_hosts:1: it may be an impostor, so nothing was read\\.`));
      expect(line).toContain(`ssh-keygen -R '[127.0.0.1]:${port}' && ssh-keyscan -p ${port} 127.0.0.1 >> ~/.ssh/known_hosts`);
    });

    test("a closed port: refused, not 'is dockerd running?'", async () => {
      const port = await freePort();
      expect(expectRefused(cli(home(), command, sshConfig(hostUrl(port))), command)).toBe(
        `${command}: reading the engine's info: ${hostUrl(port)}: nothing accepts SSH connections at 127.0.0.1 port ${port} (connection refused): is sshd running there, and is the port in docker:host right?`,
      );
    });

    test("a wrong user: the login is refused, naming the user", () => {
      const url = hostUrl(sshd.ports.good, "intruder");
      expect(expectRefused(cli(home(), command, sshConfig(url)), command)).toBe(
        `${command}: reading the engine's info: ${url}: the SSH server at 127.0.0.1 port ${sshd.ports.good} refused user intruder (tried: publickey): check the user in docker:host, ` +
          "that its key is offered (ssh-add -l, an IdentityFile in ~/.ssh/config, or -i in docker:sshOpts) and that the host lists it in authorized_keys",
      );
    });

    test("docker:sshOpts is honoured: an identity file passed only there logs in (and without it, the login is refused)", () => {
      const client = home({ key: false });
      const url = hostUrl(sshd.ports.good);
      const withOpts = cli(client, command, sshConfig(url, { "docker:sshOpts": JSON.stringify(["-i", sshd.extraKey, "-o", "ServerAliveInterval=30"]) }));
      expect(withOpts.status).toBe(0);
      expect(withOpts.files).toHaveLength(2);
      expect(expectRefused(cli(client, command, sshConfig(url)), command)).toContain(`refused user ${sshd.user} (tried: publickey)`);
    });
  });

  test("~/.ssh/config applies: a host alias with its own port, user and identity file", () => {
    const client = home({ key: false });
    client.writeSsh("lab_key", readFileSync(sshd.extraKey, "utf8"));
    client.writeSsh("config", `Host swarm-manager\n  HostName 127.0.0.1\n  Port ${sshd.ports.good}\n  User ${sshd.user}\n  IdentityFile ~/.ssh/lab_key\n`);
    const run = cli(client, "drift", sshConfig("ssh://swarm-manager"));
    expect(run.stderr).toContain("drift: no drift");
    expect(run.status).toBe(0);
  });

  test("an unknown host name: named, with what to check (name resolution asks only 127.0.0.1)", () => {
    const url = "ssh://root@swarm.invalid";
    expect(expectRefused(cli(home(), "drift", sshConfig(url)), "drift")).toMatch(
      /^drift: reading the engine's info: ssh:\/\/root@swarm\.invalid: cannot resolve the SSH host swarm\.invalid \(.+\): check the host name in docker:host \(and any HostName for it in ~\/\.ssh\/config\)$/,
    );
  });

  test("docker missing on the remote host: the remote shell's own message, and what to install", () => {
    const url = hostUrl(sshd.ports.noDocker);
    expect(expectRefused(cli(home(), "adopt", sshConfig(url)), "adopt")).toBe(
      `adopt: reading the engine's info: ${url}: the docker CLI is not on the PATH of root on 127.0.0.1 (bash: line 1: docker: command not found): ` +
        "install it there, since adopt and drift run `docker system dial-stdio` on the host, as the Docker CLI and the provider do",
    );
  });

  test("the remote user may not use the Docker socket: named, with the fix", () => {
    const url = hostUrl(sshd.ports.socketDenied);
    expect(expectRefused(cli(home(), "drift", sshConfig(url)), "drift")).toMatch(
      new RegExp(`^drift: reading the engine's info: ${url}: root on 127\\.0\\.0\\.1 may not use the Docker socket there \\(.*dial unix .*: connect: permission denied\\): add it to the host's docker group \\(usermod -aG docker root\\) or connect as a user who may$`),
    );
  });

  test("no engine running on the remote host: named, asking whether dockerd runs there", () => {
    const url = hostUrl(sshd.ports.engineDown);
    expect(expectRefused(cli(home(), "drift", sshConfig(url)), "drift")).toBe(
      `drift: reading the engine's info: ${url}: docker on 127.0.0.1 cannot reach its engine ` +
        "(failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory): is dockerd running there?",
    );
  });

  test("a host that accepts the connection and never answers: --timeout ends it, and ssh is stopped", async () => {
    const sockets: Socket[] = [];
    let closed = 0;
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
      socket.resume();
      socket.on("close", () => (closed += 1));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    try {
      const started = Date.now();
      const run = cli(home(), "drift", sshConfig(hostUrl(port)), ["--timeout", "1500ms"]);
      expect(expectRefused(run, "drift")).toBe(`drift: reading the engine's info: the Docker engine at ${hostUrl(port)} did not answer within 1500 ms`);
      expect(Date.now() - started).toBeLessThan(60_000);
      // ssh did not outlive the command: no process of it is left, and its connection was closed.
      expect(processesWith(["ssh", "-p", String(port)])).toEqual([]);
      await waitUntil("ssh's connection to close", () => closed >= 1, { timeoutMs: 2000 });
      expect([sockets.length, closed]).toEqual([1, 1]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  // The whole table of values is in test/ssh.test.ts; here, that the CLI says it and stops.
  test.each([["0"], ["15"]])("--timeout %s is refused before anything runs, saying the syntax", (value) => {
    const run = cli(home(), "drift", review.configFile, ["--timeout", value]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: option '--timeout <duration>' argument '${value}' is invalid. expected a positive duration with its unit, seconds or milliseconds (e.g. 30s or 1500ms), got "${value}"`,
    );
    expect(run.files).toEqual([]);
  });

  test("--help states the --timeout syntax and its default", () => {
    const help = home().run(TS_NODE, ["--transpile-only", "scripts/adopt.ts", "--help"], { cwd: PROJECT_DIR });
    expect(help.stdout.replace(/\s+/g, " ")).toContain("--timeout <duration> deadline for each Engine API call and for the SSH connection, in seconds or milliseconds: 30s, 1500ms (default: 15s)");
  });

  /** PIDs of the processes whose command line holds these words in this order (read from /proc). */
  function processesWith(words: readonly string[]): number[] {
    const needle = `\0${words.join("\0")}\0`;
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          return `\0${readFileSync(`/proc/${entry}/cmdline`, "utf8")}`.includes(needle);
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  /** A workflow's shell step, by name. */
  function workflowStep(file: string, name: RegExp): { run: string } {
    const { run } = stepNamed(readWorkflow(file), name);
    if (run === undefined) throw new Error(`${file}: the step matching ${name} runs no shell script`);
    return { run };
  }

  test("the nightly drift workflow's SSH step (agent and DOCKER_SSH_KNOWN_HOSTS) is what drift then uses", () => {
    const client = home({ key: false, knownHosts: "" });
    // The runner's own temporary directory exists before any step runs.
    const runnerTemp = mkdtempSync("/tmp/homelab-runner-");
    const githubEnv = path.join(runnerTemp, "github-env");
    const step = workflowStep("lab-drift.yml", /^SSH key for the Docker host/);
    const setup = client.run("bash", ["-e", "-c", step.run], {
      env: { DOCKER_SSH_PRIVATE_KEY: readFileSync(sshd.defaultKey, "utf8"), DOCKER_SSH_KNOWN_HOSTS: sshd.knownHosts.trim(), RUNNER_TEMP: runnerTemp, GITHUB_ENV: githubEnv },
    });
    const exported = Object.fromEntries(
      (existsSync(githubEnv) ? readFileSync(githubEnv, "utf8") : "")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("=", 2) as [string, string]),
    );
    try {
      expect(setup.stderr).toBe("");
      expect(setup.status).toBe(0);
      expect(Object.keys(exported).sort()).toEqual(["SSH_AGENT_PID", "SSH_AUTH_SOCK"]);
      const run = cli(client, "drift", sshConfig(hostUrl(sshd.ports.good)), [], { SSH_AUTH_SOCK: exported.SSH_AUTH_SOCK });
      expect(run.stderr).toContain("drift: no drift");
      expect(run.status).toBe(0);
    } finally {
      if (exported.SSH_AGENT_PID) process.kill(Number(exported.SSH_AGENT_PID), "SIGTERM");
      rmSync(runnerTemp, { recursive: true, force: true });
    }
  });

  test("the Deployments pre-run SSH setup (deploy key, known_hosts, ssh config) is what drift then uses", () => {
    const client = home({ key: false, knownHosts: "" });
    const sshSetup = preRunCommands().find((command) => command.includes("known_hosts"));
    expect(sshSetup).toBeDefined();
    const setup = client.run("bash", ["-e", "-c", sshSetup!], {
      env: { [RUN_ENV.dockerSshPrivateKey]: readFileSync(sshd.defaultKey, "utf8").trim(), [RUN_ENV.dockerSshKnownHosts]: sshd.knownHosts.trim() },
    });
    expect(setup.status).toBe(0);
    const run = cli(client, "adopt", sshConfig(hostUrl(sshd.ports.good)));
    expect(run.files).toEqual(["adopt.md", "import.json"]);
    expect(run.status).toBe(0);
  });
});
