import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel } from "@pulumi/policy";
import { type OfflineRun, runOffline } from "../../offline/run";
import { POLICIES } from "../../policy/policies";
import { analyze, type Finding, type PackConfig, PREVIEW_UNKNOWNS, renderedResources, type TestResource } from "../support/policy-analyzer";
import { PolicyPackProcess } from "../support/policy-pack";

/** The pack as a whole: its policies, and the pack served by its own process. */

const PACK: readonly [string, EnforcementLevel, readonly string[]][] = [
  ["docker-socket-only-in-socket-proxy", "mandatory", []],
  ["docker-socket-ancestor-not-mounted", "advisory", []],
  ["caddy-sites-use-forward-auth", "mandatory", ["exceptions"]],
  ["env-holds-no-secret-values", "mandatory", ["allowedNames"]],
  ["swarm-secret-data-is-secret", "mandatory", []],
  ["node-local-state-is-pinned", "mandatory", ["sharedStorageRoots"]],
  ["databases-not-floating-on-shared-storage", "advisory", ["sharedStorageRoots", "databaseImages"]],
  ["host-ports-only-where-declared", "mandatory", ["allowed"]],
  ["tunnel-dns-records-are-proxied-cnames", "mandatory", []],
  ["tunnel-config-ends-with-catch-all", "mandatory", []],
  ["images-have-tag-or-digest", "mandatory", []],
  ["images-avoid-latest", "advisory", []],
];

describe("the pack", () => {
  it("lists each policy once, in this order, with its enforcement level and its config", () => {
    expect(POLICIES.map((policy) => [policy.name, policy.enforcementLevel, Object.keys(policy.configSchema?.properties ?? {})])).toEqual(PACK);
  });

  it("describes each policy", () => {
    for (const policy of POLICIES) expect({ policy: policy.name, described: policy.description.length > 20 }).toEqual({ policy: policy.name, described: true });
  });
});

describe("the pack in its own process, as pulumi preview --policy-pack policy runs it", () => {
  let starting: Promise<PolicyPackProcess> | undefined;
  let pack: PolicyPackProcess;
  let prod: OfflineRun;
  let dev: OfflineRun;

  beforeAll(async () => {
    // The pack starts (and type-checks) while the program runs; the offline runs share global mocks, one at a time.
    starting = PolicyPackProcess.start();
    prod = await runOffline({ stack: "prod" });
    dev = await runOffline({ stack: "dev" });
    pack = await starting;
  }, 180_000);

  afterAll(async () => {
    const started = await starting?.catch(() => undefined);
    await started?.stop();
  });

  /** What the process reports, and what the in-process analyzer reports, each as is. */
  async function both(resources: readonly TestResource[], config: PackConfig = {}) {
    const served = (await Promise.all(resources.map((resource) => pack.analyze(resource)))).flat();
    const expected = await analyze(resources, config);
    const order = (a: Finding, b: Finding) => a.resource.localeCompare(b.resource) || a.policy.localeCompare(b.policy) || a.message.localeCompare(b.message);
    return { served: served.sort(order), expected: expected.sort(order) };
  }

  it("serves the same policies, descriptions, levels and config schemas", async () => {
    expect(await pack.policies()).toEqual(
      POLICIES.map((policy) => ({ name: policy.name, description: policy.description, enforcementLevel: policy.enforcementLevel, configSchema: policy.configSchema?.properties })),
    );
  });

  it("reports on prod's render exactly what the tests' analyzer reports", async () => {
    const { served, expected } = await both(renderedResources(prod));
    expect(served.length).toBeGreaterThan(0);
    expect(served).toEqual(expected);
  });

  it("reports on values unknown during preview exactly what the tests' analyzer reports", async () => {
    const { served, expected } = await both(Object.values(PREVIEW_UNKNOWNS));
    // At least one policy read an unknown value, so the SDK's own wording is compared too.
    expect(served.filter((finding) => finding.message.includes("during preview")).length).toBeGreaterThan(0);
    expect(served).toEqual(expected);
  });

  it("reports on dev's render with policy/config.dev.json exactly what the tests' analyzer reports", async () => {
    const config = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "policy", "config.dev.json"), "utf8")) as PackConfig;
    await pack.configure(config);
    const { served, expected } = await both(renderedResources(dev), config);
    expect(served.length).toBeGreaterThan(0);
    expect(served).toEqual(expected);
  });

  it("loads the pack, forward auth, Caddy's model and the shared names, but no part of the lab, the program or a provider SDK", async () => {
    const loaded = await pack.stop();
    const ours = loaded.filter((file) => !file.startsWith("node_modules/"));
    expect(ours).toEqual(expect.arrayContaining(["policy/index.ts", "policy/rules/forward-auth.ts", "forward-auth/index.ts", "lib/naming.ts", "evaluation/host-paths.ts", "images/image-ref.ts"]));
    const outOfPlace = ours.filter((file) => !/^(policy|lib|caddy|forward-auth)\//.test(file) && !["lab/model.ts", "evaluation/host-paths.ts", "images/image-ref.ts"].includes(file));
    expect(outOfPlace).toEqual([]);
    expect(loaded.filter((file) => /^node_modules\/@(pulumi\/(docker|cloudflare|pulumiservice)|1password)\//.test(file))).toEqual([]);
  });
});
