import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../config";
import { runAdopt, runDrift } from "../live/commands";
import { INTERNAL_DNS_TYPES, SWARM_TYPES } from "../lib/resource-types";
import { PROJECT_DIR } from "../lib/project-dir";
import { runOffline } from "../offline/run";
import { FakeUnifi } from "./support/fake-unifi";
import { CONTRACT_VERSIONS, loadContract } from "./support/unifi-contract";
import { type ReviewSlice, startReviewSlice } from "./support/review-slice";
import { ENGINE_NEEDS } from "../servers/engine";
import { describeWith } from "../servers/tools";

/**
 * adopt and drift against a swarm deployed the way the running lab is: compose files in its style
 * (an alias equal to the service's name, which `docker stack deploy` adds a second time; a service
 * with no `networks:`, which stack deploy puts on `<stack>_default`; `hostname:`; Homepage widget
 * `mappings`), deployed with the real `docker stack deploy` on the tests' own engine, plus the
 * old tooling's external secret `op_connect_token` and a setting the lab cannot declare.
 */

const STACKS = ["op-connect", "platform_postgres", "application_media_core"];

const UNIFI_KEY = "test-key-0b1c2d3e";

describeWith(ENGINE_NEEDS)("a swarm deployed by `docker stack deploy` from the running lab's compose files", () => {
  let review: ReviewSlice;
  let unifi: FakeUnifi;

  beforeAll(async () => {
    // The lab's UniFi console, which already holds internal records (a loopback stand-in).
    unifi = await FakeUnifi.start({ apiKey: UNIFI_KEY, protocol: "https" });
    const extraConfig = { "homelab:unifi": JSON.stringify({ apiUrl: unifi.url, site: "Default" }) };
    review = await startReviewSlice("homelab-running-lab-", { stacks: STACKS, style: "running-lab", extraConfig });
    // The old tooling's bootstrap secret, made by hand before any stack existed.
    review.engine.docker(["secret", "create", "op_connect_token", "-"], { input: "not-a-real-token\n" });
    // A setting with no field in the lab model, set by hand on a running service.
    review.engine.docker(["service", "update", "--detach", "--workdir", "/srv", "op-connect_op-connect-sync"]);
  }, 180_000);

  afterAll(async () => {
    await review?.stop();
    await unifi?.close();
  }, 60_000);

  test("what stack deploy made holds the duplicate alias and the default network, as the running lab does", () => {
    const aliases = JSON.parse(review.engine.docker(["service", "inspect", "--format", "{{json (index .Spec.TaskTemplate.Networks 0).Aliases}}", "op-connect_op-connect-sync"]));
    expect(aliases).toEqual(["op-connect-sync", "op-connect-sync"]);
    const reaperNetworks = review.engine.docker(["service", "inspect", "--format", "{{range .Spec.TaskTemplate.Networks}}{{.Target}} {{end}}", "application_media_core_download-reaper"]).trim().split(" ");
    const defaultId = review.engine.docker(["network", "inspect", "--format", "{{.Id}}", "application_media_core_default"]).trim();
    expect(reaperNetworks).toEqual([defaultId]);
    expect(review.engine.docker(["service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Hostname}}", "op-connect_op-connect-api"]).trim()).toBe("op-connect-api");
  });

  test("adopt: no false replacement, the dropped setting listed, every service and network imported", async () => {
    const out = path.join(review.work, "adopt");
    const { plan } = await runAdopt({ stack: "dev", configFile: review.configFile, outDir: out });
    expect(plan.replacements).toEqual([]);
    expect(plan.dropped).toEqual([{ name: "op-connect_op-connect-sync", settings: ["TaskTemplate.ContainerSpec.Dir"] }]);
    const services = review.slice.resources.filter((resource) => resource.type === SWARM_TYPES.service).length;
    expect(plan.adopted.filter((object) => object.kind === "service")).toHaveLength(services);
    expect(plan.adopted.map((object) => object.name)).toContain("application_media_core_default");
    // The hand-set workdir is the one in-place change; the hostnames and mappings match.
    expect(plan.updates).toEqual([]);
    const report = readFileSync(path.join(out, "adopt.md"), "utf8");
    expect(report).toContain("## Replaced by the next `pulumi up` (0): downtime");
    expect(report).toContain("## Dropped by the next `pulumi up` (1): settings the lab cannot declare");
    expect(report).toContain("- `op-connect_op-connect-sync`: `TaskTemplate.ContainerSpec.Dir`");
  });

  test("drift: the leftover op_connect_token is found, and no name built from a fake value is printed", async () => {
    const out = path.join(review.work, "drift");
    const { report } = await runDrift({ stack: "dev", configFile: review.configFile, outDir: out });
    expect(report.unmanaged).toEqual([{ kind: "secret", name: "op_connect_token", id: expect.any(String) }]);
    expect(report.services).toEqual([]);
    expect(report.networks).toEqual([]);
    expect(report.missing).toEqual([]);
    const texts = ["drift.md", "drift.json"].map((file) => readFileSync(path.join(out, file), "utf8")).join("\n");
    expect(texts).toContain("op_connect_token");
    for (const value of review.slice.fakeSecrets.values()) expect(texts).not.toContain(value);
  });

  test("the reports change when the declaration differs: a real replacement names the file and key to align", async () => {
    // The running lab's download-reaper had no networks; a lab that said so (networks: []) would replace it.
    review.engine.docker(["service", "update", "--detach", "--network-add", "op-connect_op-connect", "application_media_core_download-reaper"]);
    try {
      const out = path.join(review.work, "adopt-replace");
      const { plan } = await runAdopt({ stack: "dev", configFile: review.configFile, outDir: out });
      expect(plan.replacements).toEqual([
        {
          kind: "service",
          name: "application_media_core_download-reaper",
          fields: [{ field: "networks", declared: "(none)", live: '{"name":"op-connect_op-connect","aliases":[]}', items: true }],
          declaration: { file: "lab/stacks/application/media-core/index.ts", entry: 'service "download-reaper"' },
        },
      ]);
      expect(readFileSync(path.join(out, "adopt.md"), "utf8")).toContain('To keep it, align `lab/stacks/application/media-core/index.ts`, service "download-reaper", `networks`, with what runs.');
    } finally {
      review.engine.docker(["service", "update", "--detach", "--network-rm", "op-connect_op-connect", "application_media_core_download-reaper"]);
    }
  }, 60_000);

  test("adopt reads the UniFi console read-only, writes the homelab:unifi.adopt entries, and lists what the lab does not declare", async () => {
    const declared = review.slice.resources.filter((resource) => resource.type === INTERNAL_DNS_TYPES.record).map((resource) => String(resource.inputs.name));
    expect(declared.length).toBeGreaterThan(1);
    const [existingName] = declared;
    const existing = unifi.seed({ type: "CNAME_RECORD", enabled: true, domain: existingName!, targetDomain: "old-node.example.test", ttlSeconds: 300 });
    const stray = unifi.seed({ type: "A_RECORD", enabled: true, domain: "printer.example.test", ipv4Address: "127.0.0.9", ttlSeconds: 300 });
    unifi.requests.length = 0;

    const out = path.join(review.work, "adopt-unifi");
    const result = await runAdopt({ stack: "dev", configFile: review.configFile, outDir: out, unifi: { apiKey: UNIFI_KEY, caCert: unifi.caCertPem! } });
    expect(result.unifi?.adopt).toEqual([{ name: existingName, id: existing.id, liveTarget: "old-node.example.test", retargeted: true }]);
    expect(result.unifi?.undeclared.map((record) => record.id)).toEqual([stray.id]);
    expect(result.unifi?.created).toEqual(declared.slice(1).sort());
    // Read-only, and every request one the vendor's document describes.
    expect(unifi.requests.map((request) => request.method)).toEqual(unifi.requests.map(() => "GET"));
    for (const version of CONTRACT_VERSIONS) for (const request of unifi.requests) expect(loadContract(version).requestProblems(request)).toEqual([]);

    const report = readFileSync(path.join(out, "adopt.md"), "utf8");
    expect(report).toContain(`pulumi config set --path 'homelab:unifi.adopt["${existingName}"]' ${existing.id}`);
    expect(report).toContain(`- \`printer.example.test\`: A_RECORD → 127.0.0.9, id \`${stray.id}\``);
    // The written block is what the program then accepts, and the record is adopted, not created.
    const block = parse(readFileSync(path.join(out, "unifi-adopt.yaml"), "utf8")) as Record<string, unknown>;
    expect(block["homelab:unifi"]).toEqual({ apiUrl: unifi.url, site: "Default", adopt: { [existingName!]: existing.id } });
    const adopted = { ...review.raw, "homelab:unifi": JSON.stringify(block["homelab:unifi"]) };
    expect(parseConfig(adopted, { purpose: "evaluate" }).homelab.unifi?.adopt).toEqual({ [existingName!]: existing.id });
    const run = await runOffline({ stack: "dev", rawConfig: adopted });
    const records = run.resources.filter((resource) => resource.type === INTERNAL_DNS_TYPES.record);
    expect(records.filter((resource) => resource.inputs.adoptPolicyId !== undefined).map((resource) => [resource.inputs.name, resource.inputs.adoptPolicyId])).toEqual([[existingName, existing.id]]);
  }, 60_000);

  test("adopt without the console's key says the records were not read, and how to read them", async () => {
    const out = path.join(review.work, "adopt-no-unifi");
    const result = await runAdopt({ stack: "dev", configFile: review.configFile, outDir: out });
    expect(result.unifi).toBeUndefined();
    expect(readFileSync(path.join(out, "adopt.md"), "utf8")).toContain("## UniFi DNS records: not read\n\nNot read: the console's API key was not given: set UNIFI_API_KEY");
  });

  test("the README's command line: UNIFI_API_KEY and --unifi-ca-cert reach the console, and unifi-adopt.yaml is written", async () => {
    const caFile = path.join(review.work, "unifi-ca.pem");
    writeFileSync(caFile, unifi.caCertPem!);
    const out = path.join(review.work, "adopt-cli");
    // Not spawnSync: the fake console answers from this process, which must keep running.
    const cli = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const args = ["--transpile-only", "scripts/adopt.ts", "--stack", "dev", "--config-file", review.configFile, "--out-dir", out, "--unifi-ca-cert", caFile];
      execFile(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), args, { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, UNIFI_API_KEY: UNIFI_KEY } }, (error, stdout, stderr) =>
        resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(cli.stderr).toMatch(/adopt: \d+ objects to import, .*, \d+ UniFi records to adopt \(/);
    expect(cli.status).toBe(0);
    expect(cli.stdout.split("\n").filter(Boolean).map((file) => path.basename(file)).sort()).toEqual(["adopt.md", "import.json", "unifi-adopt.yaml"]);
    expect(cli.stderr).not.toContain(UNIFI_KEY);
    expect(readFileSync(path.join(out, "adopt.md"), "utf8")).not.toContain(UNIFI_KEY);
  }, 60_000);
});
