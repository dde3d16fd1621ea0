import * as path from "node:path";
import { type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import type { ServiceSpec } from "../../lab/model";
import { DOCKER_SOCKETS, normalisePath, reachesDockerSocket } from "../../evaluation/host-paths";
import { ROLE_LABEL } from "../../lib/naming";
import { containerOf, DockerService, labelsOf, list, type MountProps, nameOf } from "./resources";

/** Who may touch the Docker engine's socket: only socket proxies, and those read-only. */

const SOCKET_PROXY_ROLE: NonNullable<ServiceSpec["role"]> = "socket-proxy";
/** Directories whose only business in a container is the sockets they hold, the engine's among them. */
const SOCKET_DIRECTORIES = DOCKER_SOCKETS.map((socket) => path.posix.dirname(socket));

const isSocketProxy = (labels: ReadonlyMap<string, string>): boolean => labels.get(ROLE_LABEL) === SOCKET_PROXY_ROLE;

/**
 * How a mount exposes the Docker socket: the socket itself (wherever it lives: a rootless engine
 * keeps it under /run/user/<uid>), its directory, or a wider ancestor such as / or /var, which
 * contains it too but has other legitimate uses (a view of the node's root file system).
 */
export function socketExposure(mount: MountProps): "socket" | "directory" | "ancestor" | undefined {
  if (mount?.type !== "bind" || typeof mount.source !== "string") return undefined;
  const source = normalisePath(mount.source);
  if (path.posix.basename(source) === "docker.sock") return "socket";
  if (!reachesDockerSocket(source)) return undefined;
  return SOCKET_DIRECTORIES.includes(source) ? "directory" : "ancestor";
}

export const dockerSocketOnlyInSocketProxy: ResourceValidationPolicy = {
  name: "docker-socket-only-in-socket-proxy",
  description:
    `Only socket-proxy services (label ${ROLE_LABEL}=${SOCKET_PROXY_ROLE}) mount the Docker socket (or /run, /var/run, which hold it); ` +
    `they mount it read-only and keep write endpoints off (POST is "0" or unset).`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    // Labels first: a preview reports the first unknown value read, so the order is behaviour.
    const isProxy = isSocketProxy(labelsOf(service));
    const exposing = list(containerOf(service).mounts).filter((mount) => {
      const exposure = socketExposure(mount);
      return exposure === "socket" || exposure === "directory";
    });
    if (exposing.length === 0) return;
    if (!isProxy) {
      for (const mount of exposing) {
        reportViolation(
          `${name} mounts ${mount.source} (the Docker socket${socketExposure(mount) === "directory" ? "'s directory" : ""}) but is not a socket proxy: ` +
            `reach the engine through a docker-socket-proxy service (lab/shared/socket-proxy.ts) instead.`,
        );
      }
      return;
    }
    for (const mount of exposing) {
      if (mount.readOnly !== true) reportViolation(`${name} is a socket proxy but mounts ${mount.source} writable: mount it read-only.`);
    }
    const env = containerOf(service).env ?? {};
    if (Object.prototype.hasOwnProperty.call(env, "POST") && env.POST !== "0") {
      reportViolation(`${name} is a socket proxy with POST enabled: set POST to "0" (or leave it unset) so the proxy refuses every write.`);
    }
  }),
};

export const dockerSocketAncestorNotMounted: ResourceValidationPolicy = {
  name: "docker-socket-ancestor-not-mounted",
  description:
    "Services other than socket proxies should not bind / or /var: those views contain the Docker socket, and a read-only mount does not stop connect() on a socket.",
  enforcementLevel: "advisory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    if (isSocketProxy(labelsOf(service))) return;
    for (const mount of list(containerOf(service).mounts)) {
      if (socketExposure(mount) !== "ancestor") continue;
      reportViolation(
        `${nameOf(service, args)} binds ${mount.source}, which contains the Docker socket (/run/docker.sock); read-only does not prevent connecting to it. ` +
          `Bind only the subdirectories it needs, or make sure its user cannot open the socket.`,
      );
    }
  }),
};
