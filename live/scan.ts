import type Docker from "dockerode";
import type { Engine } from "./connect";
import { EngineError } from "./connect";
import { type NamedObjectState, type NetworkState, normaliseService, portText, type ServiceState, sortedRecord, type SwarmState } from "./swarm-state";

/**
 * Reads a live swarm in a fixed number of Engine API calls, whatever its size: one `info` to make
 * sure it is a swarm manager, then the four list endpoints in parallel (their answers carry full
 * specs, so no object is inspected on its own).
 *
 * The answers are typed by @types/dockerode. Nearly every field there is optional, which matches
 * what a scan must expect from engines of other versions: a missing field reads as the engine's
 * own default, never as a crash.
 */

/** `docker.info()` is untyped in @types/dockerode; these are the only fields the scan reads. */
type EngineInfo = { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };

export interface ScanProgress {
  (message: string): void;
}

const labels = (value: Readonly<Record<string, string>> | undefined) => sortedRecord(Object.entries(value ?? {}));

function networkState(network: Docker.NetworkInspectInfo): NetworkState {
  return {
    id: network.Id,
    name: network.Name,
    driver: network.Driver ?? "",
    attachable: network.Attachable === true,
    labels: labels(network.Labels),
  };
}

/** A service's container spec; plugin and attachment tasks have none. */
function containerSpec(task: Docker.TaskSpec | undefined): Docker.ContainerSpec {
  return task !== undefined && "ContainerSpec" in task ? (task.ContainerSpec ?? {}) : {};
}

function serviceState(service: Docker.Service, networkNames: ReadonlyMap<string, string>): ServiceState {
  const spec = service.Spec ?? {};
  const task = spec.TaskTemplate;
  const container = containerSpec(task);
  const mode = spec.Mode ?? {};
  return normaliseService({
    id: service.ID,
    name: spec.Name ?? "",
    image: container.Image ?? "",
    labels: labels(spec.Labels),
    containerLabels: labels(container.Labels),
    envNames: (container.Env ?? []).map((entry) => entry.split("=", 1)[0] ?? entry),
    // Engines before API 1.44 may still answer with the deprecated service-level Networks.
    networks: (task?.Networks ?? spec.Networks ?? []).map((network) => ({
      name: networkNames.get(network.Target ?? "") ?? network.Target ?? "",
      aliases: network.Aliases ?? [],
    })),
    mounts: (container.Mounts ?? []).map((mount) => ({
      type: mount.Type ?? "volume",
      source: mount.Source ?? "",
      target: mount.Target,
      readOnly: mount.ReadOnly === true,
    })),
    constraints: task?.Placement?.Constraints ?? [],
    replicas: mode.Global !== undefined ? "global" : (mode.Replicated?.Replicas ?? 1),
    ports: (spec.EndpointSpec?.Ports ?? []).map((port) =>
      portText({ published: port.PublishedPort, target: port.TargetPort ?? 0, protocol: port.Protocol, mode: port.PublishMode }),
    ),
    secrets: (container.Secrets ?? []).map((secret) => ({ name: secret.SecretName ?? "", target: fileTarget(secret.File?.Name ?? secret.SecretName, "/run/secrets/") })),
    configs: (container.Configs ?? []).map((config) => ({ name: config.ConfigName ?? "", target: fileTarget(config.File?.Name ?? config.ConfigName, "/") })),
  });
}

/** Swarm keeps a relative file name for secrets (under /run/secrets) and an absolute one for configs. */
function fileTarget(name: string | undefined, base: string): string {
  return name?.startsWith("/") ? name : `${base}${name ?? ""}`;
}

function namedState(object: Docker.Secret | Docker.ConfigInfo): NamedObjectState {
  return { id: object.ID, name: object.Spec?.Name ?? "", labels: labels(object.Spec?.Labels) };
}

/**
 * The live swarm's services, networks, secrets and configs, read through the engine and
 * normalised for comparison.
 */
export async function scanSwarm(engine: Engine, progress: ScanProgress = () => undefined): Promise<SwarmState> {
  progress(`connecting to ${engine.host}`);
  const info: EngineInfo = await engine.call("reading the engine's info", (docker) => docker.info());
  const state = info.Swarm?.LocalNodeState;
  if (state !== "active" || info.Swarm?.ControlAvailable !== true) {
    throw new EngineError(`reading the swarm: the Docker engine at ${engine.host} is not a swarm manager (swarm state: ${state ?? "unknown"})`);
  }
  progress("listing networks, services, secrets and configs");
  const [networks, services, secrets, configs] = await Promise.all([
    engine.call("listing networks", (docker) => docker.listNetworks({ filters: { scope: ["swarm"] } })),
    engine.call("listing services", (docker) => docker.listServices({})),
    engine.call("listing secrets", (docker) => docker.listSecrets({})),
    engine.call("listing configs", (docker) => docker.listConfigs({})),
  ]);
  const networkStates = networks.map(networkState);
  const networkNames = new Map(networkStates.map((network) => [network.id!, network.name]));
  progress(`read ${networkStates.length} networks, ${services.length} services, ${secrets.length} secrets, ${configs.length} configs`);
  return {
    networks: networkStates,
    services: services.map((service) => serviceState(service, networkNames)),
    secrets: secrets.map(namedState),
    configs: configs.map(namedState),
  };
}
