import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runAdopt, runDrift } from "../engine/commands";
import { SWARM_TYPES } from "../lib/resource-types";
import { type ReviewSlice, startReviewSlice } from "./support/review-slice";
import { ENGINE_NEEDS } from "./support/engine";
import { describeWith } from "./support/tools";

/**
 * adopt and drift against a swarm deployed the way the running lab is: compose files in its style
 * (an alias equal to the service's name, which `docker stack deploy` adds a second time; a service
 * with no `networks:`, which stack deploy puts on `<stack>_default`; `hostname:`; Homepage widget
 * `mappings`), deployed with the real `docker stack deploy` on the tests' own engine, plus the
 * old tooling's external secret `op_connect_token` and a setting the lab cannot declare.
 */

const STACKS = ["op-connect", "platform_postgres", "application_media_core"];

describeWith(ENGINE_NEEDS)("a swarm deployed by `docker stack deploy` from the running lab's compose files", () => {
  let review: ReviewSlice;

  beforeAll(async () => {
    review = await startReviewSlice("homelab-running-lab-", { stacks: STACKS, style: "running-lab" });
    // The old tooling's bootstrap secret, made by hand before any stack existed.
    review.engine.docker(["secret", "create", "op_connect_token", "-"], { input: "not-a-real-token\n" });
    // A setting with no field in the lab model, set by hand on a running service.
    review.engine.docker(["service", "update", "--detach", "--workdir", "/srv", "op-connect_op-connect-sync"]);
  }, 180_000);

  afterAll(async () => {
    await review?.stop();
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
});
