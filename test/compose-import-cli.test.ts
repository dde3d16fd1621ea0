import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../lib/project-dir";
import { copyProject } from "./support/project-copy";
import { describeWith } from "../servers/tools";

/**
 * `npm run import` at the edge where people meet it, in a copy of this project: each mistake is
 * one line naming what is wrong, with nothing written; an import the lab refuses says why and
 * which file to fix. The compose files are read by the real `docker stack config` (the Docker
 * CLI alone, no engine).
 */

const tsNode = path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node");

describeWith({ programs: ["docker"] })("npm run import: mistakes and refusals", () => {
  let copy: string;
  let compose: string;

  const run = (...args: string[]) => spawnSync(tsNode, ["--transpile-only", "scripts/import.ts", "--config-stack", "dev", ...args], { cwd: copy, encoding: "utf8" });
  const labIndex = () => readFileSync(path.join(copy, "lab", "index.ts"), "utf8");

  beforeAll(() => {
    copy = mkdtempSync(path.join(tmpdir(), "homelab-import-cli-"));
    copyProject(copy);
    symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(copy, "node_modules"));
    compose = path.join(copy, "compose");
    mkdirSync(compose);
    writeFileSync(path.join(compose, "ok.yaml"), "services:\n  whoami:\n    image: traefik/whoami:v1.10\n");
    writeFileSync(path.join(compose, "v38.yaml"), 'version: "3.8"\nservices:\n  whoami:\n    image: traefik/whoami:v1.10\n');
    // A site on a service that is not on proxy_network, where Caddy could reach it.
    writeFileSync(
      path.join(compose, "unreachable.yaml"),
      "services:\n  whoami:\n    image: traefik/whoami:v1.10\n    deploy:\n      labels:\n        caddy: whoami.in.lab.localhost\n        caddy.reverse_proxy: '{{upstreams 80}}'\n",
    );
  });

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  test.each([
    ["a stack name docker stack deploy would not take", ["--stack", "My Stack", "compose/ok.yaml"], 'import: --stack: expected lower-case letters, digits, \'_\' and \'-\', got "My Stack"\n'],
    ["an unknown tier", ["--stack", "whoami", "--tier", "apps", "compose/ok.yaml"], "import: --tier: expected one of infrastructure, platform, application, got \"apps\"\n"],
    ["a stack folder that exists", ["--stack", "caddy", "--tier", "infrastructure", "compose/ok.yaml"], "import: lab/stacks/infrastructure/caddy already exists; remove it first or import under another --stack\n"],
    ["a compose file that is not there", ["--stack", "whoami", "compose/missing.yaml"], expect.stringMatching(/^import: compose\/missing\.yaml: ENOENT: no such file or directory/)],
    ["files docker stack deploy refuses to merge, in docker's words", ["--stack", "whoami", "compose/v38.yaml", "compose/ok.yaml"], "import: docker stack config refused the compose files: version mismatched between two composefiles : 3.8 and 3.13\n"],
  ])("%s: one line, exit 1, nothing written", (_, args, stderr) => {
    const before = labIndex();
    const result = run(...args);
    expect(result.stderr).toEqual(stderr);
    expect(result.status).toBe(1);
    expect(labIndex()).toBe(before);
    expect(existsSync(path.join(copy, "lab", "stacks", "application", "whoami"))).toBe(false);
  });

  test("an env file that is not there: Node.js 20 itself refuses it (it reads `--env-file` anywhere on the command line), nothing written", () => {
    const before = labIndex();
    const result = run("--stack", "whoami", "--env-file", "compose/missing.env", "compose/ok.yaml");
    // On a Node.js that leaves the script's arguments alone, the import's own check answers instead.
    expect(result.stderr).toMatch(/^(node: compose\/missing\.env: not found|import: --env-file compose\/missing\.env: ENOENT: no such file or directory, open 'compose\/missing\.env')\n$/);
    expect(result.status).not.toBe(0);
    expect(labIndex()).toBe(before);
  });

  test("an import the lab refuses: written, with the lab's own problem naming the service and field, exit 1", () => {
    const result = run("--stack", "unreachable", "compose/unreachable.yaml");
    expect(result.stderr).toBe(
      'import: the stack was written, but it does not pass yet (1 problem):\n  unreachable/whoami: networks: a service with sites must join "proxy_network", where Caddy reaches it\n',
    );
    expect(result.status).toBe(1);
    expect(existsSync(path.join(copy, "lab", "stacks", "application", "unreachable", "index.ts"))).toBe(true);
  });

  test("npm run import from another folder, with --tier and --config-file: paths from where they were typed, the stack in its tier's folder, listed in lab/index.ts", () => {
    const result = spawnSync("npm", ["run", "-s", "import", "--", "--stack", "platform_whoami", "--tier", "platform", "--config-file", "../Pulumi.dev.yaml", "ok.yaml"], { cwd: compose, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("import: stack platform_whoami written to lab/stacks/platform/whoami\n");
    expect(result.stdout).toContain("Everything in the compose files was carried over as written.\n");
    expect(labIndex()).toContain('import whoami from "./stacks/platform/whoami";');
    expect(labIndex()).toMatch(/ {2}whoami,\n\];/);
  });
});
