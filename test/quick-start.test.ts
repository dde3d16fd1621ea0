import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../lib/project-dir";
import { postgresBinDir } from "./support/postgres";
import { describeWith } from "../servers/tools";

/**
 * The README's Quick start: two commands, the second the one CI runs, ending in the README's test
 * command. Its scripts run for real against stand-ins: in a private mount namespace whose /usr/sbin
 * and /usr/lib/postgresql are empty and whose PATH holds only the tools a case has, `id` saying who
 * runs it, and an `apt-get` and an `npm` that write down what they are asked (nothing is installed).
 */

const read = (file: string) => readFileSync(path.join(PROJECT_DIR, file), "utf8");
/** A shell text's commands: no comments, no blank lines, no `set`/`cd` preamble. */
const commands = (text: string) =>
  text
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "" && !/^(set|cd) /.test(line));

describe("two commands from a fresh machine", () => {
  const quickStart = /## Quick start\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(read("README.md"))?.[1];

  test("the README's Quick start is two commands: the main job offline, then the whole suite", () => {
    expect(commands(quickStart ?? "")).toEqual(["npm ci && npm run render", "bash scripts/test-all.sh"]);
  });

  test(".ci/run runs the second with CI=true, and it ends in the README's test command, which is npm's test script", () => {
    expect(commands(read(".ci/run")).slice(-2)).toEqual(["export CI=true", commands(quickStart!)[1]]);
    const steps = commands(read("scripts/test-all.sh"));
    expect(steps[0]).toBe("if ! bash scripts/install-test-tools.sh; then");
    expect(steps.slice(-6)).toEqual(["if node scripts/node-modules-current.js; then", 'echo "test-all: node_modules already matches package-lock.json; not reinstalling it" >&2', "else", "npm ci --no-audit --no-fund", "fi", "npm test"]);
    expect(read("README.md")).toContain("`npm test` (`tsc --noEmit`, then every jest suite)");
    expect(JSON.parse(read("package.json")).scripts.test).toBe("tsc --noEmit && jest");
  });
});

describeWith(["shellcheck"])("the scripts, by ShellCheck", () => {
  test.each(["scripts/install-test-tools.sh", "scripts/test-all.sh", ".ci/run"])("%s", (file) => {
    const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", path.join(PROJECT_DIR, file)], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

describeWith(["unshare", postgresBinDir() ? path.join(postgresBinDir()!, "postgres") : "postgres (Debian's postgresql)"], { root: true })(
  "scripts/install-test-tools.sh and scripts/test-all.sh, with stand-ins for the tools, id, apt-get and npm",
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), "homelab-tools-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const ALL = ["dockerd", "busybox", "caddy", "promtool", "shellcheck", "sshd", "ssh", "unshare", "setpriv", "nsenter", "docker-registry", "openssl", "chromium"];
    let runs = 0;
    /** Runs `script` (install-test-tools.sh, or test-all.sh from a copy of scripts/) in the namespace. */
    const install = (options: { uid: number; present: readonly string[]; postgres: boolean; aptGet: boolean; script?: string; env?: string }) => {
      const at = path.join(dir, String(++runs));
      const bin = path.join(at, "bin");
      mkdirSync(bin, { recursive: true });
      const stub = (name: string, body: string) => {
        writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(path.join(bin, name), 0o755);
      };
      stub("id", `echo ${options.uid}`);
      for (const tool of options.present) stub(tool, "exit 0");
      const log = path.join(at, "apt-get.log");
      if (options.aptGet) stub("apt-get", `echo "$*" >> ${log}`);
      const npmLog = path.join(at, "npm.log");
      stub("npm", `echo "$*" >> ${npmLog}`);
      stub("dirname", 'exec /usr/bin/dirname "$@"');
      const setup = [
        "set -eu",
        "mount -t tmpfs tmpfs /usr/sbin",
        "mount -t tmpfs tmpfs /usr/lib/postgresql",
        ...(options.postgres ? ["mkdir -p /usr/lib/postgresql/15/bin", "printf '#!/bin/sh\\n' > /usr/lib/postgresql/15/bin/postgres", "chmod 755 /usr/lib/postgresql/15/bin/postgres"] : []),
        `${options.env ?? ""} PATH=${bin} exec /bin/bash ${options.script ?? path.join(PROJECT_DIR, "scripts", "install-test-tools.sh")}`,
      ].join("\n");
      // CI as the case says, whatever the suite runs under.
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "CI"));
      const result = spawnSync("unshare", ["-m", "--propagation", "private", "/bin/bash", "-c", setup], { encoding: "utf8", env });
      const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);
      return { status: result.status, stdout: result.stdout, stderr: result.stderr, apt: lines(log), npm: lines(npmLog) };
    };
    /** scripts/test-all.sh and the installer it calls, in a tree of their own (npm is a stand-in). */
    const testAll = () => {
      const tree = path.join(dir, `tree-${++runs}`);
      mkdirSync(path.join(tree, "scripts"), { recursive: true });
      for (const file of ["test-all.sh", "install-test-tools.sh", "node-modules-current.js"]) writeFileSync(path.join(tree, "scripts", file), read(`scripts/${file}`));
      return path.join(tree, "scripts", "test-all.sh");
    };

    test("as root with some tools missing: installs those packages and no others, each once", () => {
      const result = install({ uid: 0, present: ALL.filter((tool) => !["dockerd", "sshd", "setpriv", "nsenter"].includes(tool)), postgres: false, aptGet: true });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("test tools: installing docker.io postgresql openssh-server util-linux");
      expect(result.apt).toEqual(["update -q", "install -y -q --no-install-recommends docker.io postgresql openssh-server util-linux"]);
    });

    test("with everything present: nothing to do, neither root nor apt-get needed", () => {
      const result = install({ uid: 1000, present: ALL, postgres: true, aptGet: false });
      expect([result.status, result.stdout.trim(), result.apt]).toEqual([0, "test tools: all present", []]);
    });

    test("without root: names the missing packages and what follows for the suites, installs nothing, exits 1", () => {
      const result = install({ uid: 1000, present: ["caddy"], postgres: false, aptGet: true });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("test tools: missing docker.io busybox-static prometheus shellcheck postgresql openssh-server openssh-client util-linux docker-registry openssl chromium; run this script as root on Debian");
      expect(result.stderr).toContain("skipped with a warning (under CI=true they fail)");
      expect(result.apt).toEqual([]);
    });

    test("as root without apt-get (not Debian): says so, exits 1", () => {
      const result = install({ uid: 0, present: ALL.filter((tool) => tool !== "caddy"), postgres: true, aptGet: false });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("test tools: missing caddy; no apt-get: install them with this system's package manager");
    });

    test("scripts/test-all.sh without the tools: goes on to npm ci and npm test, the suites that need them skipping", () => {
      const result = install({ uid: 1000, present: ["caddy"], postgres: false, aptGet: true, script: testAll() });
      expect(result.status).toBe(0);
      expect(result.stderr).toContain("test-all: going on without them: the suites that need them are skipped");
      expect(result.npm).toEqual(["ci --no-audit --no-fund", "test"]);
    });

    test("scripts/test-all.sh without the tools under CI=true: stops before npm, exit 1", () => {
      const result = install({ uid: 1000, present: ["caddy"], postgres: false, aptGet: true, script: testAll(), env: "CI=true" });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("test-all: under CI=true every suite must run, so every tool must be installed");
      expect(result.npm).toEqual([]);
    });
  },
);
