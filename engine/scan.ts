import type { Engine } from "./connect";
import { EngineError } from "./connect";
import { type NamedObjectState, type NetworkState, normaliseService, portText, type ServiceState, sortedRecord, type SwarmState } from "../lib/swarm-state";

/**
 * Reads a live swarm in a fixed number of Engine API calls, whatever its size: one `info` to make
 * sure it is a swarm manager, then the four list endpoints in parallel (their answers carry full
 * specs, so no object is inspected on its own).
 */

type Loose = Record<string, any>;

export interface ScanProgress {
  (message: string): void;
}

const labels = (value: unknown) => sortedRecord(Object.entries((value ?? {}) as Record<string, string>));

function networkState(network: Loose): NetworkState {
  return {
    id: String(network.Id),
    name: String(network.Name),
    driver: String(network.Driver ?? ""),
    attachable: network.Attachable === true,
    labels: labels(network.Labels),
  };
}

function serviceState(service: Loose, networkNames: ReadonlyMap<string, string>): ServiceState {
  const spec = (service.Spec ?? {}) as Loose;
  const task = (spec.TaskTemplate ?? {}) as Loose;
  const container = (task.ContainerSpec ?? {}) as Loose;
  const mode = (spec.Mode ?? {}) as Loose;
  return normaliseService({
    id: String(service.ID),
    name: String(spec.Name),
    image: String(container.Image ?? ""),
    labels: labels(spec.Labels),
    containerLabels: labels(container.Labels),
    envNames: ((container.Env ?? []) as string[]).map((entry) => entry.split("=", 1)[0] ?? entry),
    networks: ((task.Networks ?? spec.Networks ?? []) as Loose[]).map((network) => ({
      name: networkNames.get(String(network.Target)) ?? String(network.Target),
      aliases: (network.Aliases ?? []) as string[],
    })),
    mounts: ((container.Mounts ?? []) as Loose[]).map((mount) => ({
      type: String(mount.Type ?? "volume"),
      source: String(mount.Source ?? ""),
      target: String(mount.Target),
      readOnly: mount.ReadOnly === true,
    })),
    constraints: (task.Placement?.Constraints ?? []) as string[],
    replicas: mode.Global !== undefined ? "global" : Number(mode.Replicated?.Replicas ?? 1),
    ports: ((spec.EndpointSpec?.Ports ?? []) as Loose[]).map((port) =>
      portText({ published: port.PublishedPort, target: port.TargetPort, protocol: port.Protocol, mode: port.PublishMode }),
    ),
    secrets: ((container.Secrets ?? []) as Loose[]).map((secret) => ({ name: String(secret.SecretName), target: fileTarget(secret, "/run/secrets/") })),
    configs: ((container.Configs ?? []) as Loose[]).map((config) => ({ name: String(config.ConfigName), target: fileTarget(config, "/") })),
  });
}

/** Swarm keeps a relative file name for secrets (under /run/secrets) and an absolute one for configs. */
function fileTarget(reference: Loose, base: string): string {
  const name = String(reference.File?.Name ?? reference.SecretName ?? reference.ConfigName ?? "");
  return name.startsWith("/") ? name : `${base}${name}`;
}

function namedState(object: Loose): NamedObjectState {
  return { id: String(object.ID), name: String(object.Spec?.Name ?? ""), labels: labels(object.Spec?.Labels) };
}

export async function scanSwarm(engine: Engine, progress: ScanProgress = () => undefined): Promise<SwarmState> {
  progress(`connecting to ${engine.host}`);
  const info = (await engine.call("reading the engine's info", (docker) => docker.info())) as Loose;
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
  const networkStates = (networks as Loose[]).map(networkState);
  const networkNames = new Map(networkStates.map((network) => [network.id!, network.name]));
  progress(`read ${networkStates.length} networks, ${services.length} services, ${secrets.length} secrets, ${configs.length} configs`);
  return {
    networks: networkStates,
    services: (services as Loose[]).map((service) => serviceState(service, networkNames)),
    secrets: (secrets as Loose[]).map(namedState),
    configs: (configs as Loose[]).map(namedState),
  };
}
