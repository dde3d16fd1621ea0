import { op, SecretEnv, type ServiceSpec, type StackSpec, tmpfs } from "../lab/model";
import { SERVICE_IGNORE_CHANGES, toServiceArgs } from "../components/service-args";
import { EMPTY_LOCK } from "../images/image-lock";
import { type PlanContext, planService } from "../evaluation/service-plan";
import type { ServiceInputs } from "../lib/registered";

/**
 * The one conversion of a service plan into `docker.Service` arguments, on its own: exact
 * arguments for a small plan, then the fields that appear only when the plan has them.
 */

const CONTEXT: PlanContext = {
  ingress: { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas", tls: "internal", acmeEmail: "ops@example.com" },
  storageNode: "nas",
  sharedNetworks: new Map(),
  images: EMPTY_LOCK,
  readFile: () => "listen 80;",
};
const STACK: StackSpec = { name: "app", tier: "application", description: "test", networks: [{ key: "backend", purpose: "test" }], services: [] };

/** Stand-ins for the IDs and names of the objects the service refers to, as SwarmStack passes them. */
const REFS = {
  networkId: (key: string) => `network-id(${key})`,
  secret: (key: string) => ({ id: `secret-id(${key})`, name: `secret-name(${key})` }),
  config: (key: string) => ({ id: `config-id(${key})`, name: `config-name(${key})` }),
};

/** The arguments as plain values (they hold no Output here: the references are strings). */
const args = (overrides: Partial<ServiceSpec> = {}) =>
  toServiceArgs(planService(STACK, { name: "web", image: "nginx:1.27", networks: ["backend"], ...overrides }, CONTEXT), REFS) as ServiceInputs;

describe("toServiceArgs", () => {
  test("a minimal service: every field the provider reads back is declared, in its read-back form", () => {
    expect(args()).toEqual({
      name: "app_web",
      labels: [
        { label: "com.docker.stack.image", value: "nginx:1.27" },
        { label: "com.docker.stack.namespace", value: "app" },
      ],
      mode: { replicated: { replicas: 1 } },
      taskSpec: {
        containerSpec: {
          image: "nginx:1.27",
          labels: [{ label: "com.docker.stack.namespace", value: "app" }],
          env: undefined,
          commands: undefined,
          args: undefined,
          user: undefined,
          init: undefined,
          stopGracePeriod: undefined,
          hosts: undefined,
          mounts: [],
          secrets: [],
          configs: [],
          healthcheck: undefined,
        },
        networksAdvanceds: [{ id: "network-id(backend)", aliases: ["web"] }],
        // Always present: ignoreChanges names a path inside it (see SERVICE_IGNORE_CHANGES).
        placement: { constraints: [] },
        resources: undefined,
        restartPolicy: { condition: "any", delay: "5s", maxAttempts: 0, window: "0s" },
      },
      endpointSpec: undefined,
      updateConfig: { parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "1m", maxFailureRatio: "0.0", order: "start-first" },
      rollbackConfig: { parallelism: 1, delay: "0s", failureAction: "pause", monitor: "1m", maxFailureRatio: "0.0", order: "start-first" },
      // A first pull (10m) plus the image's own health check at Docker's defaults (4m).
      convergeConfig: { delay: "7s", timeout: "14m" },
    });
  });

  test("secrets and configs refer to the swarm objects by id and name, mounted where the plan says", () => {
    const container = args({ secretEnv: { TOKEN: op("web", "token") }, secretEnvDelivery: SecretEnv.postgres, configs: [{ file: "web.conf", target: "/etc/web.conf", mode: 0o440 }] }).taskSpec.containerSpec;
    expect(container.env).toEqual({ TOKEN_FILE: "/run/secrets/TOKEN" });
    expect(container.secrets).toEqual([{ secretId: "secret-id(TOKEN)", secretName: "secret-name(TOKEN)", fileName: "/run/secrets/TOKEN", fileUid: "0", fileGid: "0", fileMode: 0o444 }]);
    expect(container.configs).toEqual([{ configId: "config-id(web.conf)", configName: "config-name(web.conf)", fileName: "/etc/web.conf", fileMode: 0o440 }]);
  });

  test("tmpfs sizes, extra hosts, published ports and resources appear only where declared", () => {
    const service = args({
      mounts: [tmpfs("/tmp", 64 * 1024 ** 2)],
      extraHosts: { "host.docker.internal": "host-gateway" },
      ports: [{ target: 80, published: 8080, mode: "host" }],
      limits: { memory: "256M" },
    });
    const container = service.taskSpec.containerSpec;
    expect(container.mounts).toEqual([{ type: "tmpfs", source: undefined, target: "/tmp", readOnly: false, tmpfsOptions: { sizeBytes: 64 * 1024 ** 2 } }]);
    expect(container.hosts).toEqual([{ host: "host.docker.internal", ip: "host-gateway" }]);
    expect(service.endpointSpec).toEqual({ ports: [{ targetPort: 80, publishedPort: 8080, publishMode: "host", protocol: "tcp" }] });
    expect(service.taskSpec.resources).toEqual({ limits: { memoryBytes: 256 * 1024 ** 2 }, reservation: undefined });
    expect(service.updateConfig?.order).toBe("stop-first");
  });

  test("a global service: mode global and no convergence wait", () => {
    const service = args({ replicas: "global" });
    expect([service.mode, service.convergeConfig]).toEqual([{ global: true }, undefined]);
  });

  test("the engine-filled platforms are the only path the program leaves to the engine", () => {
    expect(SERVICE_IGNORE_CHANGES).toEqual(["taskSpec.placement.platforms"]);
  });
});
