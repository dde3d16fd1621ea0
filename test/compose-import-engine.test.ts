import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseEnv } from "node:util";
import { stringify } from "yaml";
import type { ImportResult } from "../compose-import/import-stack";
import { SHARED_NETWORKS } from "../lab/networks";
import type { DriftReport } from "../live/drift";
import { PROJECT_DIR } from "../lib/project-dir";
import { ENGINE_NEEDS, startTestEngine, type TestEngine } from "../servers/engine";
import { accountForDrift } from "./support/import-drift";
import { copyProject } from "./support/project-copy";
import { describeWith } from "../servers/tools";

/**
 * `npm run import`, proven by the real consumers. Each compose file of test/fixtures/compose/ (the
 * styles real labs use) is imported into a copy of this project (the real lab/index.ts is never
 * touched), and deployed as it was written with the real `docker stack deploy` on the tests' own
 * engine; then `npm run drift` of the imported lab against that engine must show exactly the
 * differences the imports announced, no more and no fewer, and `npm run render` must show the
 * stacks. The engine's only node is drained: the review reads specs, no task needs to run.
 */

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "compose");

interface ComposeCase {
  readonly stack: string;
  readonly dir: string;
  readonly files: readonly string[];
  readonly envFile?: string;
  /** Secrets the compose files name as external, created by hand before the deploy. */
  readonly externalSecrets?: readonly string[];
}

const CASES: readonly ComposeCase[] = [
  { stack: "media", dir: "media", files: ["compose.yaml"], envFile: ".env" },
  { stack: "apps", dir: "apps", files: ["compose.yaml", "compose.override.yaml"], envFile: ".env", externalSecrets: ["wiki_db_password"] },
  { stack: "plain", dir: "plain", files: ["compose.yaml"] },
];

/** The stack of the program the tests evaluate: a dev-like lab of only the imported stacks, on the tests' engine. */
function importedConfig(host: string): Record<string, unknown> {
  return {
    config: {
      "docker:host": host,
      "homelab:domain": "lab.localhost",
      "homelab:internalDomain": "in.lab.localhost",
      "homelab:timezone": "UTC",
      "homelab:acmeEmail": "dev@lab.localhost",
      "homelab:mediaUser": { uid: 1000, gid: 1000 },
      "homelab:nodes": [{ hostname: "dev", role: "manager" }],
      "homelab:storageNode": "dev",
      "homelab:paths": { appdata: "/srv/appdata", media: "/srv/media", backups: "/srv/backups", dockerRoot: "/var/lib/docker" },
      "homelab:secrets": { source: "config" },
      "homelab:cloudflare": { enabled: false },
      "homelab:forwardAuth": { enabled: false, reason: "the tests' swarm runs no Authentik" },
      "homelab:stacks": CASES.map((entry) => entry.stack),
    },
  };
}

const tsNode = path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node");

describeWith(ENGINE_NEEDS)("compose import, proven by docker stack deploy and drift on a real engine", () => {
  let engine: TestEngine;
  let copy: string;
  const imports = new Map<string, { status: number | null; stderr: string; stdout: string; result: ImportResult }>();
  let drift: { status: number | null; stderr: string; report: DriftReport };

  const run = (script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(tsNode, ["--transpile-only", script, ...args], { cwd: copy, encoding: "utf8", env });

  beforeAll(async () => {
    engine = await startTestEngine();
    copy = mkdtempSync(path.join(tmpdir(), "homelab-import-"));
    copyProject(copy);
    symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(copy, "node_modules"));
    writeFileSync(path.join(copy, "Pulumi.imported.yaml"), stringify(importedConfig(engine.host)));

    for (const entry of CASES) {
      const dir = path.join(FIXTURES, entry.dir);
      const report = path.join(copy, `import-${entry.stack}.json`);
      const envFile = entry.envFile ? ["--env-file", path.join(dir, entry.envFile)] : [];
      const result = run("scripts/import.ts", ["--stack", entry.stack, "--config-stack", "imported", "--report", report, ...envFile, ...entry.files.map((file) => path.join(dir, file))]);
      imports.set(entry.stack, { status: result.status, stderr: result.stderr, stdout: result.stdout, result: JSON.parse(readFileSync(report, "utf8")) as ImportResult });
    }

    // What the old tooling did by hand before each stack: the shared networks, the external secrets.
    const node = engine.docker(["info", "--format", "{{.Swarm.NodeID}}"]).trim();
    engine.docker(["node", "update", "--availability", "drain", node]);
    const shared = [...SHARED_NETWORKS, ...[...imports.values()].flatMap((entry) => entry.result.newSharedNetworks)];
    for (const network of shared) {
      engine.docker(["network", "create", "--driver", "overlay", "--attachable", ...(network.namespace ? ["--label", `com.docker.stack.namespace=${network.namespace}`] : []), network.name]);
    }
    for (const entry of CASES) {
      for (const secret of entry.externalSecrets ?? []) engine.docker(["secret", "create", secret, "-"], { input: "made by hand\n" });
      const dir = path.join(FIXTURES, entry.dir);
      // docker stack deploy interpolates from the environment only: the env file goes there.
      const env = entry.envFile ? parseEnv(readFileSync(path.join(dir, entry.envFile), "utf8")) : {};
      const deploy = spawnSync("docker", ["stack", "deploy", "--resolve-image", "never", "--detach=true", ...entry.files.flatMap((file) => ["--compose-file", file]), entry.stack], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, ...env, DOCKER_HOST: engine.host },
      });
      if (deploy.status !== 0) throw new Error(`docker stack deploy ${entry.stack}: ${deploy.stderr}`);
    }

    const out = path.join(copy, "reports");
    const result = run("scripts/drift.ts", ["--stack", "imported", "--out-dir", out]);
    drift = { status: result.status, stderr: result.stderr, report: JSON.parse(readFileSync(path.join(out, "drift.json"), "utf8")) as DriftReport };
  }, 300_000);

  afterAll(async () => {
    await engine?.stop();
    if (copy) rmSync(copy, { recursive: true, force: true });
  }, 60_000);

  test.each(CASES.map((entry) => [entry.stack]))("%s: the import writes a stack file the compiler and lab validation accept, and lists what it left out", (stack) => {
    const entry = imports.get(stack)!;
    expect(entry.stderr).toBe("");
    expect(entry.status).toBe(0);
    expect(entry.result.problems).toEqual([]);
    expect(entry.result.written).toContain(`lab/${entry.result.folder}/index.ts`);
    expect(entry.result.written).toContain("lab/index.ts");
    expect(readFileSync(path.join(copy, "lab", "index.ts"), "utf8")).toContain(`from "./${entry.result.folder}";`);
    expect(entry.stdout).toContain("The stack file passes the type check and lab validation");
    // Every note points at a line of one of the case's files.
    for (const note of entry.result.notes) expect(note.line).toBeGreaterThan(0);
  });

  test("an external network the lab did not know is added to lab/networks.ts; what was left out is listed in the stack file too; host paths under the lab's roots go through lab.media(...)", () => {
    expect(readFileSync(path.join(copy, "lab", "stacks", "application", "media", "index.ts"), "utf8")).toContain('bind(lab.media("sonarr"), "/config")');
    expect(imports.get("apps")!.result.newSharedNetworks).toEqual([{ key: "metrics", name: "platform_metrics", purpose: "external network of the apps stack (imported from compose.yaml:105)" }]);
    expect(readFileSync(path.join(copy, "lab", "networks.ts"), "utf8")).toContain('name: "platform_metrics"');
    const stackFile = readFileSync(path.join(copy, "lab", "stacks", "application", "apps", "index.ts"), "utf8");
    const left = imports.get("apps")!.result.notes.filter((note) => note.kind === "not-representable");
    expect(left.length).toBeGreaterThan(0);
    for (const note of left) expect(stackFile).toContain(` * - ${note.file}:${note.line}: ${note.key}: `);
  });

  test.each(CASES.map((entry) => [entry.stack]))("%s: drift of the imported lab shows exactly the differences the import announced", (stack) => {
    const notes = imports.get(stack)!.result.notes;
    const mine = (name: string) => name === stack || name.startsWith(`${stack}_`);
    const report: DriftReport = {
      ...drift.report,
      unmanaged: drift.report.unmanaged.filter((ref) => mine(ref.name) || notes.some((note) => note.drift?.unmanaged?.some((announced) => announced.name === ref.name))),
      missing: drift.report.missing.filter((ref) => mine(ref.name)),
      services: drift.report.services.filter((service) => mine(service.name)),
      networks: drift.report.networks.filter((network) => mine(network.name)),
    };
    expect(accountForDrift(report, notes)).toEqual({ unexplained: [], unseen: [] });
  });

  test("drift of the whole imported lab: nothing any import left unexplained, and the differences are there (exit code 2)", () => {
    const notes = [...imports.values()].flatMap((entry) => entry.result.notes);
    expect(drift.stderr).toContain("drift: DRIFT");
    expect(drift.status).toBe(2);
    expect(accountForDrift(drift.report, notes).unexplained).toEqual([]);
    // The shared networks, created as the program declares them, match.
    expect(drift.report.networks).toEqual([]);
  });

  test("npm run render shows every imported service", () => {
    const render = run("scripts/render.ts", ["--stack", "imported"]);
    expect(render.stderr).toBe("");
    expect(render.status).toBe(0);
    for (const service of ["media_sonarr", "media_radarr", "media_media-db", "apps_wiki", "apps_agent", "apps_edge", "plain_web-app", "plain_cache"]) expect(render.stdout).toContain(service);
  });

  test("no secret of the compose files reaches the lab's files", () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name)) : [path.join(dir, name)]));
    const lab = files(path.join(copy, "lab")).map((file) => readFileSync(file, "utf8")).join("\n");
    for (const value of ["hunter2-not-for-the-repo", "change-me-please", "literal-token-value-xyz"]) expect(lab).not.toContain(value);
    // The template of 1Password references is shipped, its vault left to config.
    expect(readFileSync(path.join(copy, "lab", "stacks", "application", "apps", "secrets", "wiki.env.tpl"), "utf8")).toBe("WIKI_API_TOKEN={{ op://wiki/api_token }}\n");
  });
});
