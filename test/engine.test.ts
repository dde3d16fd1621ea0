import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { parseConfig } from "../config";
import { connectEngine, EngineError, explain } from "../engine/connect";
import { runAdopt, runDrift } from "../engine/commands";
import { STACKS } from "../lab";
import { evaluateLab } from "../lib/evaluate-lab";
import { type OfflineRun, PROJECT_DIR, readStackConfig, runOffline } from "../offline/run";
import { engineUnavailable, startTestEngine, TEST_IMAGE, TEST_IMAGE_NEXT, type TestEngine } from "./support/engine";
import { deployAsOldTooling } from "./support/old-tooling";

/**
 * `adopt` and `drift` against a real Docker engine the tests start themselves (own socket, own
 * data root; see test/support/engine.ts). A slice of the lab (the caddy and platform_postgres
 * stacks with their shared networks) is deployed the way the old tooling did, then adopted,
 * changed by hand, and reviewed. Under CI=true these tests must run: a missing engine fails them.
 */

const SLICE = ["caddy", "platform_postgres"];
const unavailable = engineUnavailable();
if (unavailable && process.env.CI === "true") throw new Error(`engine tests cannot run under CI=true: ${unavailable}`);
const describeEngine = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`engine tests skipped: ${unavailable}`);

/** The slice's config: the dev stack, two stacks, every service on the local image with no tasks. */
function sliceConfig(host: string): Record<string, string> {
  const raw = { ...readStackConfig("dev"), "docker:host": host, "homelab:stacks": JSON.stringify(SLICE) };
  delete (raw as Record<string, string>)["homelab:services"];
  const lab = evaluateLab(parseConfig(raw).homelab, STACKS);
  // No tasks: the review reads specs, and an idle engine keeps the tests fast and quiet.
  const services = Object.fromEntries(lab.stacks.flatMap((stack) => stack.services.map((service) => [`${stack.name}/${service.name}`, { image: TEST_IMAGE, replicas: 0 }])));
  return { ...raw, "homelab:services": JSON.stringify(services) };
}

function writeConfig(dir: string, raw: Record<string, string>): string {
  const file = path.join(dir, "Pulumi.slice.yaml");
  const config = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value.startsWith("[") || value.startsWith("{") ? JSON.parse(value) : value]));
  writeFileSync(file, stringify({ config }));
  return file;
}

describeEngine("against a real Docker engine", () => {
  let engine: TestEngine;
  let work: string;
  let configFile: string;
  let slice: OfflineRun;

  beforeAll(async () => {
    engine = await startTestEngine();
    work = mkdtempSync(path.join(tmpdir(), "homelab-review-"));
    const raw = sliceConfig(engine.host);
    configFile = writeConfig(work, raw);
    slice = await runOffline({ stack: "dev", rawConfig: raw });
    deployAsOldTooling(engine, slice, work);
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
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
    expect(count("docker:index/service:Service")).toBe(4);

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

  test("drift: the slice as deployed shows no drift", async () => {
    const result = await runDrift({ stack: "dev", configFile, outDir: path.join(work, "drift-clean") });
    expect(result.report.unmanaged).toEqual([]);
    expect(result.report.missing).toEqual([]);
    expect(result.report.services).toEqual([]);
    expect(result.report.networks).toEqual([]);
    expect(result.drift).toBe(false);
  });

  test("drift: a label and an image changed by hand, a scaled service, an unmanaged service and network: each reported, nothing else, exit code 2", async () => {
    engine.docker(["service", "update", "--detach", "--label-add", "homepage.name=Edited by hand", "caddy_caddy"]);
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
      ["caddy_caddy", [{ field: "labels.homepage.name", declared: expect.any(String), live: "Edited by hand" }]],
      ["caddy_docker-socket-proxy", [{ field: "replicas", declared: "0", live: "2" }]],
      ["platform_postgres_pg-backup", [{ field: "image", declared: TEST_IMAGE, live: TEST_IMAGE_NEXT }]],
    ]);
    const markdown = readFileSync(path.join(out, "drift.md"), "utf8");
    expect(markdown).toContain("## Unmanaged: live, not declared (2)");
    expect(markdown).toContain("Edited by hand");
  }, 60_000);

  test("neither report holds a secret value", () => {
    const texts = ["adopt/import.json", "adopt/adopt.md", "drift/drift.json", "drift/drift.md"].map((file) => readFileSync(path.join(work, file), "utf8")).join("\n");
    const values = [...slice.fakeSecrets.values()];
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(texts).not.toContain(value);
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
