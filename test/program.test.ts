import { type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { services, sitePrefixes } from "./helpers";

/** Whole-program properties: determinism, the dev stack, convergence and resource options. (The seed's stack order: test/lab.test.ts.) */

test("two evaluations register identical resources and inputs (no perpetual diffs from the program)", async () => {
  // Pulumi diffs by resource, not by the order registrations arrive in (serialising the UniFi
  // provider's code on the first run delays its records), so compare the sorted set.
  const snapshot = (run: OfflineRun) =>
    JSON.stringify(
      run.resources.map((resource) => [resource.type, resource.name, resource.inputs]).sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`)),
    );
  const first = await runOffline({ stack: "prod" });
  const second = await runOffline({ stack: "prod" });
  expect(first.resources.length).toBeGreaterThan(100);
  expect(snapshot(second)).toBe(snapshot(first));
});

describe("dev stack", () => {
  let dev: OfflineRun;
  beforeAll(async () => {
    dev = await runOffline({ stack: "dev" });
  });

  test("deploys the chosen subset, without the services the config turns off", () => {
    const config = readStackConfig("dev");
    const chosen = JSON.parse(config["homelab:stacks"]!) as string[];
    const off = Object.entries(JSON.parse(config["homelab:services"] ?? "{}") as Record<string, { enabled?: boolean }>).filter(([, override]) => override.enabled === false);
    expect(off.length).toBeGreaterThan(0);
    const stacks = new Set(services(dev).map((svc) => svc.stack));
    expect([...stacks].sort()).toEqual([...chosen].sort());
    const names = services(dev).map((svc) => svc.name);
    for (const [key] of off) expect(names).not.toContain(key.replace("/", "_"));
  });

  test("reads secrets from config, never from 1Password", () => {
    expect(dev.invocations).toEqual([]);
    expect(dev.outputs.secretSource).toBe("Pulumi config (homelab:secretValues)");
  });

  test("has no Cloudflare: no tunnel, no API token, Caddy's internal CA", () => {
    const names = services(dev).map((svc) => svc.name);
    expect(names).not.toContain("caddy_cloudflared");
    for (const svc of services(dev)) {
      expect(JSON.stringify(svc.inputs)).not.toContain("CLOUDFLARE_API_TOKEN");
      if (svc.labels.caddy) expect(svc.labels["caddy.tls"]).toBe("internal");
    }
    const domain = readStackConfig("dev")["homelab:domain"]!;
    const hosts = services(dev).flatMap((svc) => sitePrefixes(svc).map((prefix) => svc.labels[prefix]!));
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) expect({ host, inDevZone: host.endsWith(`.${domain}`) }).toEqual({ host, inDevZone: true });
  });

  test("pins nothing to the lab's nodes", () => {
    for (const svc of services(dev)) expect([svc.name, svc.task.placement?.constraints ?? []]).toEqual([svc.name, []]);
  });
});

test("every replicated service is created and updated with convergence (so waiting means running); global ones cannot be", async () => {
  const run = await runOffline({ stack: "prod" });
  const all = services(run);
  expect(all.filter((svc) => svc.inputs.convergeConfig === undefined).every((svc) => svc.inputs.mode?.global === true)).toBe(true);
  expect(all.filter((svc) => svc.inputs.mode?.global !== true).every((svc) => svc.inputs.convergeConfig !== undefined)).toBe(true);
  expect(all.filter((svc) => svc.inputs.mode?.global === true).length).toBeGreaterThan(0);
});

test("the options reach the engine: platforms the engine fills are ignored, convergeConfig is not (it would turn gating off after an import)", async () => {
  const run = await runOffline({ stack: "prod" });
  const registered = run.resources.filter((resource) => resource.type === "docker:index/service:Service");
  expect(registered.length).toBeGreaterThan(0);
  for (const resource of registered) {
    expect([resource.name, resource.options.ignoreChanges]).toEqual([resource.name, ["taskSpec.placement.platforms"]]);
    expect([resource.name, resource.options.deleteBeforeReplace]).toEqual([resource.name, true]);
  }
  const secrets = run.resources.filter((resource) => resource.type === "docker:index/secret:Secret");
  for (const resource of secrets) expect([resource.name, resource.options.additionalSecretOutputs.includes("data")]).toEqual([resource.name, true]);
});
