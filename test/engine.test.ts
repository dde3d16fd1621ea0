import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import * as path from "node:path";
import { connectEngine, EngineError, explain } from "../live/connect";
import { runAdopt, runDrift } from "../live/commands";
import { UNMANAGED_VALUE } from "../live/drift";
import { type OfflineRun } from "../offline/run";
import { PROJECT_DIR } from "../lib/project-dir";
import { ENGINE_NEEDS, TEST_IMAGE, TEST_IMAGE_NEXT, type TestEngine } from "../servers/engine";
import { type ReviewSlice, startReviewSlice } from "./support/review-slice";
import { describeWith } from "../servers/tools";

/**
 * `adopt` and `drift` against a real Docker engine the tests start themselves (own socket, own
 * data root; see servers/engine.ts). A slice of the lab (the caddy and platform_postgres
 * stacks with their shared networks) is deployed the way the old tooling did, then adopted,
 * changed by hand, and reviewed. Under CI=true these tests must run: a missing engine fails them.
 */

describeWith(ENGINE_NEEDS)("against a real Docker engine", () => {
  let review: ReviewSlice;
  let engine: TestEngine;
  let work: string;
  let configFile: string;
  let slice: OfflineRun;

  beforeAll(async () => {
    review = await startReviewSlice("homelab-review-");
    ({ engine, work, configFile, slice } = review);
  }, 120_000);

  afterAll(async () => {
    await review?.stop();
  }, 60_000);

  const count = (type: string) => slice.resources.filter((resource) => resource.type === type).length;

  test("adopt: the import file covers every network, service and config of the slice, with types, parents and live IDs", async () => {
    const out = path.join(work, "adopt");
    const result = await runAdopt({ stack: "dev", configFile, outDir: out });
    const file = JSON.parse(readFileSync(path.join(out, "import.json"), "utf8")) as { resources: Record<string, any>[] };

    const byType = (type: string) => file.resources.filter((entry) => entry.type === type);
    expect(byType("docker:index/network:Network")).toHaveLength(count("docker:index/network:Network"));
    expect(byType("docker:index/service:Service")).toHaveLength(count("docker:index/service:Service"));
    expect(byType("docker:index/serviceConfig:ServiceConfig")).toHaveLength(count("docker:index/serviceConfig:ServiceConfig"));
    expect(byType("docker:index/secret:Secret")).toEqual([]);
    expect(count("docker:index/service:Service")).toBeGreaterThan(0); // whatever the two stacks hold

    // IDs are the live ones, names the program's logical names.
    const liveServices = engine.docker(["service", "ls", "--format", "{{.ID}} {{.Name}}"]).trim().split("\n");
    for (const entry of byType("docker:index/service:Service")) {
      const live = liveServices.find((line) => line.endsWith(` ${entry.name}`));
      expect(live).toBeDefined();
      expect(live!.startsWith(entry.id.slice(0, 12))).toBe(true);
      expect(entry.version).toBe("5.2.0");
    }
    const networkId = engine.docker(["network", "inspect", "--format", "{{.Id}}", "proxy_network"]).trim();
    expect(byType("docker:index/network:Network").find((entry) => entry.name === "proxy_network")?.id).toBe(networkId);

    // Each child names a parent the file creates as an empty component.
    const components = file.resources.filter((entry) => entry.component === true);
    expect(components.map((entry) => `${entry.type} ${entry.name}`).sort()).toEqual(["homelab:swarm:SharedNetworks shared-networks", "homelab:swarm:Stack caddy", "homelab:swarm:Stack platform_postgres"]);
    for (const entry of file.resources.filter((candidate) => !candidate.component)) expect(components.map((component) => component.name)).toContain(entry.parent);
    expect(file.resources.find((entry) => entry.name === "caddy_caddy")?.parent).toBe("caddy");

    // Secrets cannot be imported: named, and counted among what `up` creates.
    expect(result.plan.notImportable.map((secret) => secret.name).sort()).toEqual(
      slice.resources.filter((resource) => resource.type === "docker:index/secret:Secret").map((resource) => String(resource.inputs.name)).sort(),
    );
    expect(result.plan.notImportable.length).toBeGreaterThan(0);
    const report = readFileSync(path.join(out, "adopt.md"), "utf8");
    expect(report).toContain("cannot import swarm secrets");
    // Deployed as declared: nothing to replace, nothing unmatched.
    expect(result.plan.replacements).toEqual([]);
    expect(result.plan.unmatched).toEqual([]);
    expect(result.summary.apiCalls).toBe(5);
  });

  test("adopt.md is honest about secrets the swarm already holds under this program's names, and who an up may then update", async () => {
    // The old tooling here named the secrets as the program does (identity and digest).
    const out = path.join(work, "adopt-existing");
    const result = await runAdopt({ stack: "dev", configFile, outDir: out });
    expect(result.plan.notImportable.length).toBeGreaterThan(0);
    for (const secret of result.plan.notImportable) expect(secret.existing).toBe(secret.name);
    const users = slice.resources.filter((resource) => resource.type === "docker:index/service:Service" && ((resource.inputs as any).taskSpec.containerSpec.secrets ?? []).length > 0);
    expect([...result.plan.updatesIfValueChanged].sort()).toEqual(users.map((resource) => String(resource.inputs.name)).sort());
    const report = readFileSync(path.join(out, "adopt.md"), "utf8");
    expect(report).toContain(`**Already in the swarm under this program's names (${result.plan.notImportable.length}).**`);
    expect(report).toContain("the engine refuses a second secret of one name, and that `up` fails there");
    expect(report).not.toContain("**New names");
    expect(report).toContain("`pulumi preview --diff` after the import is the complete list");
  });

  test("drift: the slice as deployed shows no drift", async () => {
    const result = await runDrift({ stack: "dev", configFile, outDir: path.join(work, "drift-clean") });
    expect(result.report.unmanaged).toEqual([]);
    expect(result.report.missing).toEqual([]);
    expect(result.report.services).toEqual([]);
    expect(result.report.networks).toEqual([]);
    expect(result.drift).toBe(false);
  });

  test("drift: labels and an image changed by hand, a scaled service, an unmanaged service and network: each reported, nothing else, exit code 2", async () => {
    // A label the program does not declare (shown by name only) and one it does (shown with its live value).
    engine.docker(["service", "update", "--detach", "--label-add", "homepage.name=Edited by hand", "caddy_caddy"]);
    engine.docker(["service", "update", "--detach", "--label-add", "homelab.role=edited-by-hand", "caddy_docker-socket-proxy"]);
    engine.docker(["service", "update", "--detach", "--image", TEST_IMAGE_NEXT, "platform_postgres_pg-backup"]);
    engine.docker(["service", "scale", "--detach", "caddy_docker-socket-proxy=2"]);
    engine.docker(["service", "create", "--detach", "--name", "rogue", "--replicas", "0", TEST_IMAGE, "sleep", "1"]);
    engine.docker(["network", "create", "--driver", "overlay", "rogue_net"]);

    const out = path.join(work, "drift");
    const cli = spawnSync(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", "scripts/drift.ts", "--stack", "dev", "--config-file", configFile, "--out-dir", out], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    expect(cli.stderr).toContain("drift: DRIFT");
    expect(cli.status).toBe(2);

    const report = JSON.parse(readFileSync(path.join(out, "drift.json"), "utf8"));
    expect(report.drift).toBe(true);
    expect(report.unmanaged).toEqual([
      { kind: "network", name: "rogue_net", id: expect.any(String) },
      { kind: "service", name: "rogue", id: expect.any(String) },
    ]);
    expect(report.missing).toEqual([]);
    expect(report.networks).toEqual([]);
    expect(report.services.map((service: { name: string; differences: unknown[] }) => [service.name, service.differences])).toEqual([
      ["caddy_caddy", [{ field: "labels.homepage.name", declared: "(absent)", live: UNMANAGED_VALUE }]],
      [
        "caddy_docker-socket-proxy",
        [
          { field: "labels.homelab.role", declared: "socket-proxy", live: "edited-by-hand" },
          { field: "replicas", declared: "0", live: "2" },
        ],
      ],
      ["platform_postgres_pg-backup", [{ field: "image", declared: TEST_IMAGE, live: TEST_IMAGE_NEXT }]],
    ]);
    const markdown = readFileSync(path.join(out, "drift.md"), "utf8");
    expect(markdown).toContain("## Unmanaged: live, not declared (2)");
    expect(markdown).toContain("edited-by-hand");
    // A hand-made label's value reaches neither report: it may be a credential, and drift.md is posted into an issue.
    expect(markdown).not.toContain("Edited by hand");
    expect(readFileSync(path.join(out, "drift.json"), "utf8")).not.toContain("Edited by hand");
  }, 60_000);

  test("neither report holds a secret value", () => {
    const texts = ["adopt/import.json", "adopt/adopt.md", "drift/drift.json", "drift/drift.md"].map((file) => readFileSync(path.join(work, file), "utf8")).join("\n");
    const values = [...slice.fakeSecrets.values()];
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(texts).not.toContain(value);
  });

  test("an --out-dir that cannot be written: named in one line before anything is evaluated or scanned, exit 1", () => {
    const file = path.join(work, "a-file");
    writeFileSync(file, "not a directory\n");
    const out = path.join(file, "reports");
    const cli = spawnSync(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", "scripts/drift.ts", "--stack", "dev", "--config-file", configFile, "--out-dir", out], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    expect(cli.stderr).toBe(`drift: --out-dir ${out}: cannot write reports there (ENOTDIR: not a directory); nothing was scanned\n`);
    expect(cli.status).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("not a directory\n");
  });

  test("the report directory fails only after the scan: the reports are written elsewhere and the error says where", async () => {
    const out = path.join(work, "vanishing-out");
    const failure = await runDrift({
      stack: "dev",
      configFile,
      outDir: out,
      // Checked and fine before the scan; a file takes its place while the scan runs.
      progress: (message) => void (message.startsWith("listing") && writeFileSync(out, "")),
    }).then(
      () => new Error("expected the write to fail"),
      (error: unknown) => error as Error,
    );
    const rescued = /the scan's reports are in (\S+) instead$/.exec(failure.message)?.[1];
    expect(failure.message).toMatch(new RegExp(`^cannot write the reports to ${out} \\(E\\w+: [^)]+\\); the scan's reports are in /\\S+ instead$`));
    try {
      expect(readdirSync(rescued!).sort()).toEqual(["drift.json", "drift.md"]);
      expect(JSON.parse(readFileSync(path.join(rescued!, "drift.json"), "utf8")).drift).toBe(true);
    } finally {
      if (rescued) rmSync(rescued, { recursive: true, force: true });
    }
  });

  test("an engine that answers too slowly: a clear error within the deadline, no files", async () => {
    const socket = path.join(work, "slow.sock");
    const server: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const out = path.join(work, "slow-out");
      const failure = await runDrift({ stack: "dev", configFile, host: `unix://${socket}`, timeoutMs: 300, outDir: out }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(EngineError);
      expect((failure as Error).message).toBe(`reading the engine's info: the Docker engine at unix://${socket} did not answer within 300 ms`);
      expect(existsSync(out)).toBe(false);
    } finally {
      server.close();
    }
  });

  test("a missing socket: a clear error and no files", async () => {
    const out = path.join(work, "missing-out");
    const failure = await runAdopt({ stack: "dev", configFile, host: "unix:///nonexistent/docker.sock", outDir: out }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as Error).message).toBe("reading the engine's info: no Docker engine at unix:///nonexistent/docker.sock: the socket does not exist (is dockerd running?)");
    expect(existsSync(out)).toBe(false);
  });

  test("the engine stops mid-run: the CLI exits 1 with a clear error and leaves no file", async () => {
    const out = path.join(work, "stopped-out");
    // The program evaluation comes first; the engine is killed while it runs, before the scan.
    const failure = await runDrift({
      stack: "dev",
      configFile,
      outDir: out,
      progress: (message) => {
        if (message.startsWith("evaluating")) engine.kill();
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineError);
    // Depending on how far the engine got in dying: its socket gone, refusing, or hanging up.
    expect((failure as Error).message).toMatch(
      /^reading the engine's info: (no Docker engine at unix:\/\/.+: the socket does not exist|the Docker engine at unix:\/\/.+ (refused the connection|closed the connection mid-request))/,
    );
    expect(existsSync(out)).toBe(false);

    const cli = spawnSync(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", "scripts/adopt.ts", "--stack", "dev", "--config-file", configFile, "--out-dir", out], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/^adopt: reading the engine's info: /m);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 60_000);
});

describe("engine errors, explained", () => {
  test.each([
    [{ code: "EACCES", message: "connect EACCES" }, "scanning: permission denied on unix:///x.sock: run as a user in the docker group, or as root"],
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, "scanning: the Docker engine at unix:///x.sock refused the connection (is dockerd running?)"],
    [{ code: "ECONNRESET", message: "read ECONNRESET" }, "scanning: the Docker engine at unix:///x.sock closed the connection mid-request (did it stop?)"],
    [{ statusCode: 503, message: "(HTTP code 503)", json: { message: "This node is not a swarm manager." } }, "scanning: the Docker engine at unix:///x.sock is not a swarm manager (This node is not a swarm manager.)"],
    [{ statusCode: 500, message: "(HTTP code 500)", json: { message: "boom" } }, "scanning: the Docker engine at unix:///x.sock answered 500: boom"],
  ])("%j", (error, message) => {
    expect(explain("unix:///x.sock", "scanning", Object.assign(new Error(error.message), error)).message).toBe(message);
  });

  test("an unsupported host scheme is refused before any connection", () => {
    expect(() => connectEngine({ host: "http://engine:2375" })).toThrow('engine host "http://engine:2375": unsupported scheme http: (expected unix://, ssh:// or tcp://)');
  });
});
