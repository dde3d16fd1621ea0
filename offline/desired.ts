import { isSecretWrapper, labelMap, type OfflineRun, type RegisteredResource } from "./run";
import { type DeclaredResource, type DesiredSwarm, type NamedObjectState, type NetworkState, normaliseService, portText, type ServiceState, sortedRecord } from "../lib/swarm-state";

/**
 * The program's desired swarm, read back from what it registered under the mock monitor: the same
 * evaluation the render uses. Each object keeps the Pulumi resource it comes from (type, logical
 * name, parent URN), which the import file needs.
 */

export const DOCKER_TYPES = {
  network: "docker:index/network:Network",
  service: "docker:index/service:Service",
  secret: "docker:index/secret:Secret",
  config: "docker:index/serviceConfig:ServiceConfig",
} as const;

type Loose = Record<string, any>;

const labelList = (list: unknown): Record<string, string> => sortedRecord(Object.entries(labelMap(list)));

/** A plain string input (names and images are never secret; a wrapper would be a bug to see). */
function text(value: unknown): string {
  return isSecretWrapper(value) ? String(value.value) : String(value);
}

function serviceState(inputs: Loose): ServiceState {
  const task = (inputs.taskSpec ?? {}) as Loose;
  const container = (task.containerSpec ?? {}) as Loose;
  const mode = (inputs.mode ?? {}) as Loose;
  return normaliseService({
    name: text(inputs.name),
    image: text(container.image),
    labels: labelList(inputs.labels),
    containerLabels: labelList(container.labels),
    envNames: Object.keys(container.env ?? {}),
    // Under the mock monitor a network's ID is its name (see offline/run.ts).
    networks: ((task.networksAdvanceds ?? []) as Loose[]).map((network) => ({ name: text(network.id), aliases: (network.aliases ?? []) as string[] })),
    mounts: ((container.mounts ?? []) as Loose[]).map((mount) => ({
      type: String(mount.type),
      source: String(mount.source ?? ""),
      target: String(mount.target),
      readOnly: mount.readOnly === true,
    })),
    constraints: (task.placement?.constraints ?? []) as string[],
    replicas: mode.global ? "global" : Number(mode.replicated?.replicas ?? 1),
    ports: ((inputs.endpointSpec?.ports ?? []) as Loose[]).map((port) =>
      portText({ published: port.publishedPort, target: port.targetPort, protocol: port.protocol, mode: port.publishMode }),
    ),
    secrets: ((container.secrets ?? []) as Loose[]).map((secret) => ({ name: text(secret.secretName), target: String(secret.fileName) })),
    configs: ((container.configs ?? []) as Loose[]).map((config) => ({ name: text(config.configName), target: String(config.fileName) })),
  });
}

function networkState(inputs: Loose): NetworkState {
  return { name: text(inputs.name), driver: String(inputs.driver ?? "overlay"), attachable: inputs.attachable === true, labels: labelList(inputs.labels) };
}

function namedState(inputs: Loose): NamedObjectState {
  return { name: text(inputs.name), labels: labelList(inputs.labels) };
}

export function desiredSwarm(run: Pick<OfflineRun, "resources">): DesiredSwarm {
  const resources = new Map<string, DeclaredResource>();
  const of = (type: string) => run.resources.filter((resource) => resource.type === type);
  const remember = (kind: string, resource: RegisteredResource) => {
    resources.set(`${kind}:${text(resource.inputs.name)}`, { type: resource.type, logicalName: resource.name, parent: urnKey(resource.parent) });
  };
  const networks = of(DOCKER_TYPES.network).map((resource) => (remember("network", resource), networkState(resource.inputs)));
  const services = of(DOCKER_TYPES.service).map((resource) => (remember("service", resource), serviceState(resource.inputs)));
  const secrets = of(DOCKER_TYPES.secret).map((resource) => (remember("secret", resource), namedState(resource.inputs)));
  const configs = of(DOCKER_TYPES.config).map((resource) => (remember("config", resource), namedState(resource.inputs)));

  const components = new Map<string, { type: string; name: string }>();
  for (const resource of run.resources) {
    if (!resource.type.startsWith("homelab:")) continue;
    components.set(`${resource.type}::${resource.name}`, { type: resource.type, name: resource.name });
  }
  return { networks, services, secrets, configs, resources, components };
}

/** `<type>::<name>` of the resource a URN names (its type is the last of the type chain). */
export function urnKey(urn: string): string {
  const [, , qualifiedType = "", name = ""] = urn.split("::");
  return `${qualifiedType.split("$").pop()}::${name}`;
}
