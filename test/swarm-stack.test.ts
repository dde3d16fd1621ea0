import * as docker from "@pulumi/docker";
import { op, SecretEnv, type StackSpec } from "../lab/model";
import type { StackPlan } from "../evaluation/evaluate-lab";
import { EMPTY_LOCK } from "../images/image-lock";
import { contentAddressedName } from "../lib/naming";
import { SWARM_TYPES } from "../lib/resource-types";
import { planService } from "../evaluation/service-plan";
import { type MockMonitor, startMockMonitor } from "../offline/mock-monitor";
import { isSecretWrapper, type RegisteredResource } from "../lib/registered";

/**
 * One SwarmStack under Pulumi's mock monitor: one stack with its own network, one stateful service
 * with a secret and a config, and a published secret. Exact child types, names, parents, inputs and
 * resource options, read from the monitor's requests.
 */

const SPEC: StackSpec = {
  name: "app",
  tier: "application",
  description: "test",
  networks: [{ key: "backend", purpose: "test" }],
  publishedSecrets: [{ name: "app_token", value: op("app", "client_token"), reason: "for clients outside the program" }],
  services: [
    {
      name: "db",
      image: "postgres:17-alpine",
      networks: ["backend", "proxy_network"],
      stateful: true,
      secretEnv: { POSTGRES_PASSWORD: op("app", "db_password") },
      secretEnvDelivery: SecretEnv.postgres,
      configs: [{ file: "init.sql", target: "/docker-entrypoint-initdb.d/init.sql" }],
    },
  ],
};
const VALUES = new Map([
  ["app/db_password", "s3cret-db"],
  ["app/client_token", "s3cret-token"],
]);
const INIT_SQL = "CREATE TABLE t (id int);";

let monitor: MockMonitor;
let dependency: docker.Network;

beforeAll(async () => {
  monitor = await startMockMonitor("homelab", "unit");
  const { SwarmStack } = await import("../components/swarm-stack");
  const plan = planService(SPEC, SPEC.services[0]!, {
    ingress: { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas", tls: "internal", acmeEmail: "ops@example.com" },
    storageNode: "nas",
    sharedNetworks: new Map([["proxy_network", "proxy_network"]]),
    images: EMPTY_LOCK,
    readFile: () => INIT_SQL,
  });
  const stack: StackPlan = { name: SPEC.name, spec: SPEC, services: [plan] };
  // Stands in for a stack this one needs at runtime.
  dependency = new docker.Network("needed", { name: "needed" });
  new SwarmStack("app", { stack, sharedNetworkIds: { proxy_network: "proxy_network" }, secretValues: VALUES, runtimeDependencies: [dependency] });
  await monitor.settle();
});

const registered = (type: string, name: string): RegisteredResource => {
  const found = monitor.resources.find((resource) => resource.type === type && resource.name === name);
  if (!found) throw new Error(`${type} ${name} was not registered; registered: ${monitor.resources.map((resource) => `${resource.type} ${resource.name}`).join(", ")}`);
  return found;
};
const urnName = (urn: string) => urn.split("::").slice(2).join("::");
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("SwarmStack", () => {
  test("registers exactly the stack's network, its secrets and config, and its service, all parented to the component", () => {
    const children = monitor.resources.filter((resource) => resource.name !== "needed").map((resource) => [resource.type, resource.name, urnName(resource.parent)]);
    expect(children.sort()).toEqual(
      [
        // Constructed outside any component here, so at the root (no parent).
        ["homelab:swarm:Stack", "app", ""],
        ["docker:index/network:Network", "app_backend", "homelab:swarm:Stack::app"],
        ["docker:index/secret:Secret", "app-app_token", "homelab:swarm:Stack::app"],
        ["docker:index/secret:Secret", "app-db-POSTGRES_PASSWORD", "homelab:swarm:Stack::app"],
        ["docker:index/serviceConfig:ServiceConfig", "app-db-config-init.sql", "homelab:swarm:Stack::app"],
        ["docker:index/service:Service", "app_db", "homelab:swarm:Stack::app"],
      ].sort(),
    );
  });

  test("the docker type tokens of lib/resource-types.ts are the provider's own", () => {
    const tokenOf = (resource: unknown) => (resource as { __pulumiType: string }).__pulumiType;
    expect([SWARM_TYPES.service, SWARM_TYPES.secret, SWARM_TYPES.config]).toEqual([tokenOf(docker.Service), tokenOf(docker.Secret), tokenOf(docker.ServiceConfig)]);
  });

  test("the network: overlay, attachable, labelled with the stack, deleted before it is replaced", () => {
    const network = registered("docker:index/network:Network", "app_backend");
    expect(network.inputs).toEqual({ name: "app_backend", driver: "overlay", attachable: true, labels: [{ label: "com.docker.stack.namespace", value: "app" }] });
    expect(network.options.deleteBeforeReplace).toBe(true);
  });

  test("each secret is named after its content, its data a Pulumi secret also in the state (additionalSecretOutputs)", () => {
    for (const [name, identity, value] of [
      ["app-db-POSTGRES_PASSWORD", "app_db_POSTGRES_PASSWORD", "s3cret-db"],
      ["app-app_token", "app_token", "s3cret-token"],
    ] as const) {
      const secret = registered("docker:index/secret:Secret", name);
      expect(secret.inputs.name).toBe(contentAddressedName(identity, Buffer.from(value)));
      expect(isSecretWrapper(secret.inputs.data)).toBe(true);
      expect((secret.inputs.data as { value: unknown }).value).toBe(base64(value));
      expect(secret.options.additionalSecretOutputs).toContain("data");
    }
  });

  test("the config carries the file's content, named after it", () => {
    const config = registered("docker:index/serviceConfig:ServiceConfig", "app-db-config-init.sql");
    expect(config.inputs).toEqual({ name: contentAddressedName("app_db_init.sql", INIT_SQL), data: base64(INIT_SQL) });
  });

  test("the service: protected (stateful), deleted before replaced, the engine's platforms ignored, after the stacks it needs", () => {
    const service = registered("docker:index/service:Service", "app_db");
    expect(service.protect).toBe(true);
    expect(service.options).toEqual({ ignoreChanges: ["taskSpec.placement.platforms"], deleteBeforeReplace: true, additionalSecretOutputs: [] });
    expect(service.dependencies.map(urnName)).toEqual(expect.arrayContaining(["docker:index/network:Network::needed"]));
  });

  test("the service refers to its secret and config by the ids and names the engine gave them, and joins its networks", () => {
    const inputs = registered("docker:index/service:Service", "app_db").inputs as { taskSpec: { containerSpec: Record<string, unknown>; networksAdvanceds: unknown } };
    const secretName = contentAddressedName("app_db_POSTGRES_PASSWORD", Buffer.from("s3cret-db"));
    const configName = contentAddressedName("app_db_init.sql", INIT_SQL);
    expect(inputs.taskSpec.containerSpec.secrets).toEqual([{ secretId: secretName, secretName, fileName: "/run/secrets/POSTGRES_PASSWORD", fileUid: "0", fileGid: "0", fileMode: 0o444 }]);
    expect(inputs.taskSpec.containerSpec.configs).toEqual([{ configId: configName, configName, fileName: "/docker-entrypoint-initdb.d/init.sql", fileMode: 0o444 }]);
    expect(inputs.taskSpec.networksAdvanceds).toEqual([
      { id: "app_backend", aliases: ["db"] },
      { id: "proxy_network", aliases: ["db"] },
    ]);
  });

  test("no secret value appears outside a Pulumi secret in anything it registered", () => {
    const plainText = JSON.stringify(monitor.resources.map((resource) => JSON.parse(JSON.stringify(resource.inputs, (_key, value) => (isSecretWrapper(value) ? "[secret]" : value)))));
    for (const value of VALUES.values()) {
      expect(plainText).not.toContain(value);
      expect(plainText).not.toContain(base64(value));
    }
  });
});
