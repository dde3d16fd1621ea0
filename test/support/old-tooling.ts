import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { isSecretWrapper, labelMap, type RegisteredResource } from "../../lib/registered";
import { type OfflineRun } from "../../offline/run";
import type { TestEngine } from "../../servers/engine";

/**
 * Deploys what a program run declares the way the lab was deployed before Pulumi: shared networks
 * with `docker network create`, each stack from a compose file with `docker stack deploy`. The
 * compose files are written from the registered resources, so the swarm holds the same objects
 * under the same names, labels and aliases that the old tooling gave them.
 */

type Loose = Record<string, any>;

const plain = (value: unknown): unknown => (isSecretWrapper(value) ? value.value : value);

/** `docker stack deploy` adds these itself. */
const STACK_DEPLOY_LABELS = ["com.docker.stack.namespace", "com.docker.stack.image"];

function stackOf(resource: RegisteredResource): string | undefined {
  return /homelab:swarm:Stack::(.+)$/.exec(resource.parent)?.[1];
}

function composeFor(stack: string, run: OfflineRun, dir: string): Loose {
  const mine = run.resources.filter((resource) => stackOf(resource) === stack);
  const of = (type: string) => mine.filter((resource) => resource.type === type);
  const ownNetworks = new Map(of("docker:index/network:Network").map((network) => [String(network.inputs.name), network.inputs as Loose]));
  const key = (swarmName: string) => (swarmName.startsWith(`${stack}_`) ? swarmName.slice(stack.length + 1) : swarmName);

  const networks: Loose = {};
  for (const [name, inputs] of ownNetworks) networks[key(name)] = { driver: "overlay", attachable: inputs.attachable === true };
  const secrets: Loose = {};
  const configs: Loose = {};
  const keyOf = new Map<string, string>();
  for (const [type, target, folder] of [
    ["docker:index/secret:Secret", secrets, "secrets"],
    ["docker:index/serviceConfig:ServiceConfig", configs, "configs"],
  ] as const) {
    for (const resource of of(type)) {
      const name = String(resource.inputs.name);
      const file = path.join(dir, stack, folder, resource.name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(String(plain(resource.inputs.data)), "base64"));
      target[resource.name] = { name, file };
      keyOf.set(name, resource.name);
    }
  }

  const volumes: Loose = {};
  const services: Loose = {};
  for (const resource of of("docker:index/service:Service")) {
    const inputs = resource.inputs as Loose;
    const name = String(inputs.name);
    const short = key(name);
    const task = inputs.taskSpec as Loose;
    const container = task.containerSpec as Loose;
    const serviceNetworks: Loose = {};
    for (const attachment of (task.networksAdvanceds ?? []) as Loose[]) {
      const networkName = String(attachment.id);
      const aliases = ((attachment.aliases ?? []) as string[]).filter((alias) => alias !== short);
      const networkKey = ownNetworks.has(networkName) ? key(networkName) : networkName;
      if (!ownNetworks.has(networkName)) networks[networkKey] = { external: true, name: networkName };
      serviceNetworks[networkKey] = aliases.length > 0 ? { aliases } : null;
    }
    services[short] = {
      image: container.image,
      environment: container.env ?? {},
      labels: labelMap(container.labels, STACK_DEPLOY_LABELS),
      networks: serviceNetworks,
      volumes: ((container.mounts ?? []) as Loose[]).map((mount) => {
        if (mount.type === "volume") {
          volumes[key(String(mount.source))] = {};
          return { type: "volume", source: key(String(mount.source)), target: mount.target, read_only: mount.readOnly === true };
        }
        if (mount.type === "tmpfs") return { type: "tmpfs", target: mount.target };
        return { type: "bind", source: mount.source, target: mount.target, read_only: mount.readOnly === true };
      }),
      secrets: ((container.secrets ?? []) as Loose[]).map((secret) => ({ source: keyOf.get(String(plain(secret.secretName))), target: secret.fileName })),
      configs: ((container.configs ?? []) as Loose[]).map((config) => ({ source: keyOf.get(String(plain(config.configName))), target: config.fileName })),
      ports: ((inputs.endpointSpec?.ports ?? []) as Loose[]).map((port) => ({
        target: port.targetPort,
        published: port.publishedPort,
        protocol: port.protocol ?? "tcp",
        mode: port.publishMode ?? "ingress",
      })),
      deploy: {
        ...(inputs.mode?.global ? { mode: "global" } : { mode: "replicated", replicas: inputs.mode?.replicated?.replicas ?? 1 }),
        labels: labelMap(inputs.labels, STACK_DEPLOY_LABELS),
        placement: { constraints: task.placement?.constraints ?? [] },
      },
    };
  }
  return { version: "3.8", services, networks, secrets, configs, volumes };
}

/** The stacks a run declares, in registration order. */
export function declaredStacks(run: OfflineRun): string[] {
  return [...new Set(run.resources.flatMap((resource) => stackOf(resource) ?? []))];
}

export function deployAsOldTooling(engine: TestEngine, run: OfflineRun, dir: string): void {
  for (const network of run.resources.filter((resource) => resource.type === "docker:index/network:Network" && /SharedNetworks::/.test(resource.parent))) {
    const inputs = network.inputs as Loose;
    const labels = Object.entries(labelMap(inputs.labels)).flatMap(([label, value]) => ["--label", `${label}=${value}`]);
    engine.docker(["network", "create", "--driver", "overlay", ...(inputs.attachable ? ["--attachable"] : []), ...labels, String(inputs.name)]);
  }
  for (const stack of declaredStacks(run)) {
    const file = path.join(dir, `${stack}.compose.yaml`);
    writeFileSync(file, stringify(composeFor(stack, run, dir)));
    engine.docker(["stack", "deploy", "--resolve-image", "never", "--compose-file", file, stack], { cwd: dir });
  }
}
