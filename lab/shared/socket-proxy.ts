import { DOCKER_SOCKET, type PublishedPort, type Resources, type ServiceSpec } from "../model";

/**
 * Read-only endpoints of tecnativa/docker-socket-proxy that a sidecar may enable. Write access
 * (`POST`, and endpoints such as `EXEC`, `IMAGES`, `VOLUMES`, `AUTH`, `BUILD`, `SECRETS`) is not
 * representable here: the proxy leaves every endpoint it is not told about at 0.
 */
export type SocketProxyEndpoint =
  | "CONFIGS"
  | "CONTAINERS"
  | "EVENTS"
  | "INFO"
  | "NETWORKS"
  | "NODES"
  | "PING"
  | "SERVICES"
  | "SWARM"
  | "TASKS"
  | "VERSION";

export interface SocketProxyProps {
  /** Networks the clients reach the proxy on; keep it off shared networks where possible. */
  readonly networks: readonly string[];
  readonly endpoints: readonly SocketProxyEndpoint[];
  /** @default "docker-socket-proxy" */
  readonly name?: string;
  /** @default "ghcr.io/tecnativa/docker-socket-proxy:latest", as the running lab */
  readonly image?: string;
  /** One proxy per node, for node agents that must see their own node's engine. @default 1 replica */
  readonly global?: boolean;
  /** Host-mode port for node-local clients (global proxies only). */
  readonly ports?: readonly PublishedPort[];
  readonly limits?: Resources;
  /** Extra plain settings such as TIMEOUT_SERVER. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Healthcheck retries. @default 3 */
  readonly healthcheckRetries?: number;
}

/**
 * The Docker socket proxy sidecar of the seed's "Docker Socket Proxy Pattern": the only service
 * allowed to mount the Docker socket, read-only, with `POST` disabled explicitly so a change of the
 * image's defaults cannot open write access.
 */
export function socketProxy(props: SocketProxyProps): ServiceSpec {
  const env: Record<string, string> = { ...(props.settings ?? {}) };
  for (const endpoint of [...props.endpoints].sort()) env[endpoint] = "1";
  env.POST = "0";
  return {
    name: props.name ?? "docker-socket-proxy",
    image: props.image ?? "ghcr.io/tecnativa/docker-socket-proxy:latest",
    role: "socket-proxy",
    networks: props.networks,
    replicas: props.global ? "global" : 1,
    env,
    mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: true }],
    ports: props.ports,
    healthcheck: {
      test: ["CMD", "wget", "-qO-", "http://localhost:2375/_ping"],
      interval: "10s",
      timeout: "3s",
      retries: props.healthcheckRetries ?? 3,
    },
    limits: props.limits ?? { cpus: "0.5", memory: "256M" },
  };
}
