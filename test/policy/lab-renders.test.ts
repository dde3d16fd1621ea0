import { readFileSync } from "node:fs";
import * as path from "node:path";
import { swarmName } from "../../lib/naming";
import { isSecretWrapper, registeredServices } from "../../lib/registered";
import { type OfflineRun, runOffline } from "../../offline/run";
import { PUBLIC_INGRESS_TYPE, RESOURCE_TYPES } from "../../policy/rules/resources";
import { analyze, type Finding, type PackConfig, renderedResources } from "../support/policy-analyzer";

/** The pack over the lab's own renders (its lists are generated from the lab: test/policy/lab-lists.test.ts). */

let prod: OfflineRun;
let dev: OfflineRun;

beforeAll(async () => {
  prod = await runOffline({ stack: "prod" });
  dev = await runOffline({ stack: "dev" });
});

const devConfig = (): PackConfig => JSON.parse(readFileSync(path.join(__dirname, "..", "..", "policy", "config.dev.json"), "utf8")) as PackConfig;
const summary = (findings: readonly Finding[]) => findings.map((finding) => `${finding.policy}: ${finding.resource}`).sort();

describe("the lab's renders", () => {
  /** The services of a render whose image floats on `latest` or a `latest-*` tag without a digest (read from what it registered, whatever the lab holds). */
  const onLatest = (run: OfflineRun) =>
    registeredServices(run.resources)
      .filter((service) => /:latest(-[\w.-]*)?$/.test(String(service.container.image)))
      .map((service) => service.name);
  const latest = (names: readonly string[]) => names.map((name) => `images-avoid-latest: ${name}`);

  it("prod: no mandatory violation; the advisories are exactly these", async () => {
    const findings = await analyze(renderedResources(prod));
    expect(findings.filter((finding) => finding.level === "mandatory")).toEqual([]);
    expect(onLatest(prod).length).toBeGreaterThan(0); // the advisory below is seen to fire
    expect(summary(findings)).toEqual(
      [
        ...latest(onLatest(prod)),
        // node-exporter's view of the host's root file system includes /run/docker.sock.
        "docker-socket-ancestor-not-mounted: platform_monitoring_node-exporter",
      ].sort(),
    );
  });

  /** Dev turns forward auth off (homelab:forwardAuth): the services whose sites it opens. */
  const openedInDev = () =>
    dev.lab.stacks.flatMap((stack) =>
      stack.services.filter((svc) => (svc.sites ?? []).some((site) => site.auth?.kind === "none" && site.auth.reason.includes("homelab:forwardAuth"))).map((svc) => swarmName(stack.name, svc.name)),
    );

  it("dev, with policy/config.dev.json: no mandatory violation; the advisories are the latest images and the sites dev opens", async () => {
    const findings = await analyze(renderedResources(dev), devConfig());
    expect(findings.filter((finding) => finding.level === "mandatory")).toEqual([]);
    expect(openedInDev()).toContain("application_media_core_sonarr");
    expect(summary(findings)).toEqual([...latest(onLatest(dev)), ...openedInDev().map((name) => `caddy-sites-use-forward-auth: ${name}`)].sort());
  });

  it("dev without its config: the single-node swarm pins nothing, and its open sites have no forward auth: all the pack reports", async () => {
    const findings = await analyze(renderedResources(dev));
    const mandatory = findings.filter((finding) => finding.level === "mandatory");
    expect(new Set(mandatory.map((finding) => finding.policy))).toEqual(new Set(["node-local-state-is-pinned", "caddy-sites-use-forward-auth"]));
    expect(mandatory.map((finding) => finding.resource)).toContain("platform_postgres_postgresql");
  });

  it("the program marks every swarm secret's data secret and puts no Pulumi secret in any environment (what the pack cannot see)", () => {
    for (const run of [prod, dev]) {
      const secrets = run.resources.filter((resource) => resource.type === RESOURCE_TYPES.secret);
      expect(secrets.length).toBeGreaterThan(0);
      for (const secret of secrets) {
        expect({ name: secret.name, dataIsSecret: isSecretWrapper(secret.inputs.data) }).toEqual({ name: secret.name, dataIsSecret: true });
        expect(secret.options.additionalSecretOutputs).toContain("data");
      }
      const containsSecret = (value: unknown): boolean =>
        isSecretWrapper(value) || (value !== null && typeof value === "object" && Object.values(value).some(containsSecret));
      for (const resource of run.resources.filter((candidate) => candidate.type === RESOURCE_TYPES.service)) {
        const env = (resource.inputs.taskSpec as { containerSpec?: { env?: unknown } } | undefined)?.containerSpec?.env;
        expect({ service: resource.name, secretInEnv: containsSecret(env) }).toEqual({ service: resource.name, secretInEnv: false });
      }
    }
  });

  it("the types the pack checks are the types the program registers (a policy for another type would never run)", () => {
    const registered = new Set(prod.resources.map((resource) => resource.type));
    for (const type of Object.values(RESOURCE_TYPES)) expect({ type, registered: registered.has(type) }).toEqual({ type, registered: true });
    const records = prod.resources.filter((resource) => resource.type === RESOURCE_TYPES.dnsRecord);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record.parent.split("::")[2]).toBe(PUBLIC_INGRESS_TYPE);
  });
});
