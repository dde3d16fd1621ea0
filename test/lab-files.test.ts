import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { bind, type ServiceSpec, type StackSpec } from "../lab/model";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { LAB_DIR } from "../evaluation/lab-files";
import { type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { services } from "./helpers";
import { layOut, mountedConfigs } from "./support/mounted-files";
import { parseCommand, shellcheckDialect, shellScripts } from "./support/shell-scripts";
import { describeWith } from "../servers/tools";

/**
 * The lab's shipped files, judged by the programs that consume them where Debian has them:
 * promtool (Prometheus 2.42; the lab runs Prometheus 3.5) on the Prometheus configuration as the
 * Prometheus service mounts it, and ShellCheck plus the real shell's own parse on every shell
 * script the stacks ship (lab/stacks/<tier>/<stack>/), with the shell that runs it. Loki, Alloy, Grafana, Apprise, Kometa and
 * Authentik have no Debian package; their files are not judged here.
 */

/** Every file the stacks' folders ship (not their stack files), named from lab/ as the evaluation names them. */
function labFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(LAB_DIR, dir))) {
      const relative = path.posix.join(dir, entry);
      if (statSync(path.join(LAB_DIR, relative)).isDirectory()) walk(relative);
      else if (!relative.endsWith(".ts")) files.set(relative, readFileSync(path.join(LAB_DIR, relative), "utf8"));
    }
  };
  walk("stacks");
  return files;
}

const prod = evaluateLab(parseConfig({ ...readStackConfig("prod"), "onepassword:serviceAccountToken": "fake-token-for-tests" }).homelab, STACKS);
const scripts = shellScripts(prod.stacks.map((stack) => stack.spec), labFiles());

function shellcheck(shell: Parameters<typeof shellcheckDialect>[0], file: string) {
  return spawnSync("shellcheck", [`--shell=${shellcheckDialect(shell)}`, "--severity=style", file], { encoding: "utf8" });
}

describe("which files are shell scripts, and which shell runs them", () => {
  const stack = (services: ServiceSpec[]): StackSpec[] => [{ name: "app", tier: "application", description: "test", services }];
  const files = new Map([
    ["a/loop.sh", "set -eu\nwhile true; do sleep 1; done\n"],
    ["b/init.sh", "#!/bin/sh\necho init\n"],
    ["b/sourced.sh", "echo sourced\n"],
    ["c/tool", "#!/usr/bin/env bash\necho tool\n"],
    ["d/config.yml", "key: value\n"],
  ]);
  test("by the service command, the postgres entrypoint's rules, and the #! line", () => {
    expect(
      shellScripts(
        stack([
          { name: "loop", image: "alpine:3", networks: [], configs: [{ file: "a/loop.sh", target: "/usr/local/bin/loop.sh" }], command: ["/bin/sh", "/usr/local/bin/loop.sh"] },
          {
            name: "db",
            image: "postgres:17-alpine",
            networks: [],
            configs: [
              { file: "b/init.sh", target: "/docker-entrypoint-initdb.d/init.sh", mode: 0o555 },
              { file: "b/sourced.sh", target: "/docker-entrypoint-initdb.d/sourced.sh" },
              { file: "d/config.yml", target: "/etc/app/config.yml" },
            ],
            mounts: [bind("/srv/db", "/var/lib/postgresql/data")],
          },
        ]),
        files,
      ).map(({ file, shell }) => [file, shell]),
    ).toEqual([
      ["a/loop.sh", "busybox"],
      ["b/init.sh", "busybox"],
      ["b/sourced.sh", "bash"],
      ["c/tool", "bash"],
    ]);
  });
});

describeWith(["shellcheck", "busybox", "dash", "bash"])("every shell script the stacks ship, with the shell that runs it (ShellCheck 0.9 has no busybox dialect: dash stands in, and busybox itself parses)", () => {
  test("the lab has shell scripts, and every file with a #! line is among them", () => {
    expect(scripts.length).toBeGreaterThan(0);
    const shebanged = [...labFiles()].filter(([, content]) => content.startsWith("#!")).map(([file]) => file);
    for (const file of shebanged) expect(scripts.map((script) => script.file)).toContain(file);
  });

  test.each(scripts.map((script) => [script.file, script.shell, script] as const))("%s (%s)", (_file, _shell, script) => {
    const file = path.join(LAB_DIR, script.file);
    const lint = shellcheck(script.shell, file);
    expect({ because: script.because, shellcheck: lint.stdout }).toEqual({ because: script.because, shellcheck: "" });
    expect(lint.status).toBe(0);
    const [program, ...args] = parseCommand(script.shell);
    const parse = spawnSync(program!, [...args, file], { encoding: "utf8" });
    expect({ parse: parse.stderr, status: parse.status }).toEqual({ parse: "", status: 0 });
  });

  test("the tests' own emulation of the postgres entrypoint passes ShellCheck too", () => {
    const lint = shellcheck("bash", path.join(__dirname, "support", "pg-entrypoint.sh"));
    expect({ status: lint.status, output: lint.stdout }).toEqual({ status: 0, output: "" });
  });

  test("a script with a bug fails the same checks", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-sh-"));
    try {
      const file = path.join(dir, "bad.sh");
      writeFileSync(file, "#!/bin/sh\nfor f in $(ls /data); do rm $f; done\nif [ -n x ]; then echo\n");
      expect(shellcheck("busybox", file).status).not.toBe(0);
      expect(spawnSync("busybox", ["sh", "-n", file]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWith(["promtool"])("the Prometheus configuration, as the Prometheus service mounts it (promtool 2.42; the lab runs Prometheus 3.5)", () => {
  let run: OfflineRun;
  let dir: string;
  beforeAll(async () => {
    run = await runOffline({ stack: "prod" });
    dir = mkdtempSync(path.join(tmpdir(), "homelab-prom-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const prometheus = () => services(run).filter((svc) => /^prom\/prometheus:/.test(String(svc.container.image)));
  const configFile = (args: readonly string[]) => args.find((arg) => arg.startsWith("--config.file="))!.slice("--config.file=".length);

  test("promtool accepts the file Prometheus reads, with every rule file it names shipped beside it", () => {
    expect(prometheus().length).toBeGreaterThan(0);
    for (const svc of prometheus()) {
      const root = path.join(dir, svc.name);
      const mounted = mountedConfigs(run, svc.name);
      layOut(root, mounted);
      const target = configFile(svc.container.args ?? []);
      expect(mounted.map((file) => file.target)).toContain(target);
      const ruleFiles = ((parseYaml(readFileSync(path.join(root, target), "utf8")) as { rule_files?: string[] }).rule_files ?? []).map((rule) => path.posix.resolve(path.posix.dirname(target), rule));
      for (const rule of ruleFiles) expect(mounted.map((file) => file.target)).toContain(rule);
      const check = spawnSync("promtool", ["check", "config", path.join(root, target)], { encoding: "utf8" });
      expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: expect.stringContaining("SUCCESS") });
    }
  });

  test("promtool refuses a broken copy (the check can fail)", () => {
    const file = path.join(dir, "broken.yml");
    writeFileSync(file, "global:\n  scrape_interval: 15x\nscrape_configs: []\n");
    expect(spawnSync("promtool", ["check", "config", file]).status).not.toBe(0);
  });
});
