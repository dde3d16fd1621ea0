import { Auth, bind, op, SecretEnv, type ServiceSpec, type StackSpec, tmpfs, volume } from "../lab/model";
import { EMPTY_LOCK } from "../images/image-lock";
import type { IngressSettings } from "../evaluation/labels";
import { type PlanContext, planService, type ServicePlan } from "../evaluation/service-plan";

/**
 * The service plan on its own: one small stack, one service, each case changing one thing of the
 * declaration and naming the part of the plan it must produce. No Pulumi, no lab of the user's.
 */

const INGRESS: IngressSettings = { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas", tls: "internal", acmeEmail: "ops@example.com" };
const CONTEXT: PlanContext = {
  ingress: INGRESS,
  storageNode: "nas",
  sharedNetworks: new Map([["proxy_network", "proxy_network"]]),
  images: EMPTY_LOCK,
  readFile: (file) => `contents of ${file}`,
};

const STACK: StackSpec = {
  name: "app",
  tier: "application",
  description: "test",
  networks: [{ key: "backend", purpose: "test" }],
  services: [],
};

function plan(overrides: Partial<ServiceSpec> = {}, ctx: Partial<PlanContext> = {}): ServicePlan {
  const service: ServiceSpec = { name: "web", image: "nginx:1.27", networks: ["backend"], ...overrides };
  return planService(STACK, service, { ...CONTEXT, ...ctx });
}

describe("planService", () => {
  test("names: the swarm name is <stack>_<service>; the short name is its alias on every network, own or shared", () => {
    const planned = plan({ networks: ["backend", "proxy_network"] });
    expect([planned.stack, planned.name, planned.swarmName]).toEqual(["app", "web", "app_web"]);
    expect(planned.networks).toEqual([
      { key: "backend", name: "app_backend", aliases: ["web"] },
      { key: "proxy_network", name: "proxy_network", aliases: ["web"] },
    ]);
  });

  test("labels: the stack namespace and image as docker stack deploy sets them, the role when there is one", () => {
    const planned = plan({ role: "socket-proxy" });
    expect(planned.labels).toEqual({ "com.docker.stack.namespace": "app", "com.docker.stack.image": "nginx:1.27", "homelab.role": "socket-proxy" });
    expect(planned.containerLabels).toEqual({ "com.docker.stack.namespace": "app" });
  });

  test.each<[string, Partial<ServiceSpec>, Partial<PlanContext>, readonly string[]]>([
    ["a stateful service is pinned to the storage node", { stateful: true }, {}, ["node.hostname == nas"]],
    ["a stateless one floats", {}, {}, []],
    ["pinning off (dev): nothing is pinned", { stateful: true }, { storageNode: undefined }, []],
  ])("placement: %s", (_case, overrides, ctx, constraints) => {
    expect(plan(overrides, ctx).constraints).toEqual(constraints);
  });

  test.each<[string, Partial<ServiceSpec>, ServicePlan["restart"]]>([
    ["defaults, written out (left out, the provider shows a diff on every preview)", {}, { condition: "any", delay: "5s", maxAttempts: 0, window: "0s" }],
    ["durations in the provider's read-back form: 60s is 1m", { restart: { condition: "on-failure", delay: "60s", maxAttempts: 3, window: "90s" } }, { condition: "on-failure", delay: "1m", maxAttempts: 3, window: "1m30s" }],
  ])("restart: %s", (_case, overrides, restart) => {
    expect(plan(overrides).restart).toEqual(restart);
  });

  test("a file-variable delivery mounts each secret variable as a file and points the variable at it", () => {
    const planned = plan({ user: "1000:1001", secretEnv: { DB_PASSWORD: op("web", "password") }, secretEnvDelivery: SecretEnv.postgres });
    expect(planned.env).toEqual({ DB_PASSWORD_FILE: "/run/secrets/DB_PASSWORD" });
    expect(planned.secrets).toEqual([
      { key: "DB_PASSWORD", identity: "app_web_DB_PASSWORD", content: { kind: "value", value: op("web", "password") }, target: "/run/secrets/DB_PASSWORD", uid: "1000", gid: "1001", mode: 0o440 },
    ]);
  });

  test("an env-file delivery mounts one env file and runs the command through /bin/sh after sourcing it", () => {
    const planned = plan({ secretEnv: { TOKEN: op("web", "token") }, secretEnvDelivery: SecretEnv.envFile(["web", "serve"]) });
    expect(planned.secrets.map((mount) => [mount.key, mount.target, mount.content.kind, mount.mode])).toEqual([["env", "/run/secrets/web.env", "env-file", 0o444]]);
    expect(planned.entrypoint).toEqual(["/bin/sh", "-c", 'set -a && . /run/secrets/web.env && set +a && exec "$@"', "web"]);
    expect(planned.command).toEqual(["web", "serve"]);
    expect(planned.env).toEqual({});
  });

  test("secret files keep their own owner and mode; configs get their file's content and mode 0444 by default", () => {
    const planned = plan({
      secretFiles: [{ target: "/etc/web/key.pem", value: op("web", "key"), uid: 0, gid: 0, mode: 0o400 }],
      configs: [{ file: "web/site.conf", target: "/etc/web/site.conf" }],
    });
    expect(planned.secrets.map((mount) => [mount.key, mount.identity, mount.uid, mount.gid, mount.mode])).toEqual([["key.pem", "app_web_key.pem", "0", "0", 0o400]]);
    expect(planned.configs).toEqual([{ key: "site.conf", identity: "app_web_site.conf", file: "web/site.conf", content: "contents of web/site.conf", target: "/etc/web/site.conf", mode: 0o444 }]);
  });

  test("mounts: a volume is named <stack>_<name> as docker stack deploy names it; tmpfs is never read-only", () => {
    expect(plan({ mounts: [bind("/srv/web", "/data", true), volume("cache", "/cache"), tmpfs("/tmp", 1024)] }).mounts).toEqual([
      { type: "bind", source: "/srv/web", target: "/data", readOnly: true, sizeBytes: undefined },
      { type: "volume", source: "app_cache", target: "/cache", readOnly: false, sizeBytes: undefined },
      { type: "tmpfs", source: undefined, target: "/tmp", readOnly: false, sizeBytes: 1024 },
    ]);
  });

  test("limits and reservations in the API's units, the health check's durations in read-back form", () => {
    const planned = plan({ limits: { cpus: "0.5", memory: "512M" }, reservations: { cpus: 1 }, healthcheck: { test: ["CMD", "true"], interval: "60s", timeout: "5s", retries: 3, startPeriod: "120s" } });
    expect(planned.limits).toEqual({ nanoCpus: 500_000_000, memoryBytes: 512 * 1024 ** 2 });
    expect(planned.reservations).toEqual({ nanoCpus: 1_000_000_000 });
    expect(planned.healthcheck).toEqual({ test: ["CMD", "true"], interval: "1m", timeout: "5s", retries: 3, startPeriod: "2m" });
  });

  test.each<[string, Partial<ServiceSpec>, "start-first" | "stop-first"]>([
    ["a stateless service starts its new task first", {}, "start-first"],
    ["a stateful one stops the old task first", { stateful: true }, "stop-first"],
    ["so does one with a host-mode port", { ports: [{ target: 80, published: 8080, mode: "host" }] }, "stop-first"],
  ])("rollout: %s", (_case, overrides, order) => {
    const planned = plan(overrides);
    expect([planned.rollout.update.order, planned.rollout.update.failureAction]).toEqual([order, "rollback"]);
  });

  test("a global service has no convergence wait (the provider refuses it there)", () => {
    expect(plan({ replicas: "global" }).rollout.converge).toBeUndefined();
    expect(plan().rollout.converge).toBeDefined();
  });

  test("sites are resolved once, and their labels come from the resolution", () => {
    const planned = plan({ networks: ["proxy_network"], sites: [{ host: "web", port: 8080 }, { host: "docs", port: 8081, auth: Auth.own("its own login") }] });
    expect(planned.sites.map((site) => [site.host, site.protected, site.upstream, site.record])).toEqual([
      ["web.in.example.com", true, "{{upstreams 8080}}", { kind: "internal", target: "nas.in.example.com" }],
      ["docs.in.example.com", false, "{{upstreams 8081}}", { kind: "internal", target: "nas.in.example.com" }],
    ]);
    expect(planned.labels.caddy).toBe("web.in.example.com");
    expect(planned.labels["caddy.route.1_reverse_proxy"]).toBe("{{upstreams 8080}}");
    expect(planned.labels["caddy_1.reverse_proxy"]).toBe("{{upstreams 8081}}");
  });

  test("the image is the declared reference when the lock has no digest for it, the pinned one when it has", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(plan().image).toBe("nginx:1.27");
    expect(plan({}, { images: { images: new Map([["nginx:1.27", digest]]) } }).image).toBe(`nginx:1.27@${digest}`);
  });
});
