import type * as docker from "@pulumi/docker";
import { SWARM_TYPES } from "../lib/resource-types";
import { inputsOf, isSecretWrapper, labelMap, ofType, type RegisteredResource, type RegisteredService, serviceOf } from "../lib/registered";
import type { OfflineRun } from "../offline/run";
import { type DeclaredResource, type DesiredSwarm, type NamedObjectState, type NetworkState, normaliseService, portText, type ServiceState, sortedRecord } from "./swarm-state";

/**
 * The program's desired swarm, read back from what it registered under the mock monitor: the same
 * evaluation the render uses. Each object keeps the Pulumi resource it comes from (type, logical
 * name, parent URN), which the import file needs.
 */

const labelList = (list: unknown): Record<string, string> => sortedRecord(Object.entries(labelMap(list)));

/** A plain string input (names and images are never secret; a wrapper would be a bug to see). */
function plain(value: unknown): string {
  return isSecretWrapper(value) ? String(value.value) : String(value);
}

function serviceState({ inputs, task, container }: RegisteredService): ServiceState {
  const mode = inputs.mode ?? {};
  return normaliseService({
    name: plain(inputs.name),
    image: plain(container.image),
    labels: labelList(inputs.labels),
    containerLabels: labelList(container.labels),
    envNames: Object.keys(container.env ?? {}),
    // Under the mock monitor a network's ID is its name (see offline/run.ts).
    networks: (task.networksAdvanceds ?? []).map((network) => ({ name: plain(network.id), aliases: network.aliases ?? [] })),
    mounts: (container.mounts ?? []).map((mount) => ({
      type: String(mount.type),
      source: String(mount.source ?? ""),
      target: String(mount.target),
      readOnly: mount.readOnly === true,
    })),
    constraints: task.placement?.constraints ?? [],
    replicas: mode.global ? "global" : Number(mode.replicated?.replicas ?? 1),
    ports: (inputs.endpointSpec?.ports ?? []).map((port) =>
      portText({ published: port.publishedPort, target: port.targetPort, protocol: port.protocol, mode: port.publishMode }),
    ),
    secrets: (container.secrets ?? []).map((secret) => ({ name: plain(secret.secretName), target: String(secret.fileName) })),
    configs: (container.configs ?? []).map((config) => ({ name: plain(config.configName), target: String(config.fileName) })),
  });
}

function networkState(resource: RegisteredResource): NetworkState {
  const inputs = inputsOf<docker.NetworkArgs>(resource);
  return { name: plain(inputs.name), driver: String(inputs.driver ?? "overlay"), attachable: inputs.attachable === true, labels: labelList(inputs.labels) };
}

function namedState(resource: RegisteredResource): NamedObjectState {
  const inputs = inputsOf<docker.SecretArgs | docker.ServiceConfigArgs>(resource);
  return { name: plain(inputs.name), labels: labelList("labels" in inputs ? inputs.labels : undefined) };
}

/** The swarm a run declares, read from what it registered, in the form drift compares with a scan. */
export function desiredSwarm(run: Pick<OfflineRun, "resources">): DesiredSwarm {
  const resources = new Map<string, DeclaredResource>();
  const of = (type: string) => ofType(run.resources, type);
  const remember = (kind: string, resource: RegisteredResource) => {
    resources.set(`${kind}:${plain(resource.inputs.name)}`, { type: resource.type, logicalName: resource.name, parent: urnKey(resource.parent) });
  };
  const networks = of(SWARM_TYPES.network).map((resource) => (remember("network", resource), networkState(resource)));
  const services = of(SWARM_TYPES.service).map((resource) => (remember("service", resource), serviceState(serviceOf(resource))));
  const secrets = of(SWARM_TYPES.secret).map((resource) => (remember("secret", resource), namedState(resource)));
  const configs = of(SWARM_TYPES.config).map((resource) => (remember("config", resource), namedState(resource)));

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
