import * as path from "node:path";
import { DOCKER_SOCKET } from "../lab/model";

/**
 * What a host path given to a container means for the node: whether it is one of the node's own
 * system paths, and whether it reaches the Docker engine's socket (root on the node). One answer
 * for lab validation (evaluation/validation/exposure.ts) and the review's exposure summary (review/exposure-summary.ts).
 */

/**
 * Trees that belong to the node's operating system or its engine. A bind of one of them, or of
 * anything inside, gives the container a view of (or a handle on) the node itself.
 */
export const SYSTEM_PATHS: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib64",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var/lib/docker",
  "/var/run",
];

/** The engine's socket, as the lab mounts it and as `/var/run`'s target `/run` names it. */
export const DOCKER_SOCKETS: readonly string[] = [DOCKER_SOCKET, "/run/docker.sock"];

/** `/a/b/../c/` → `/a/c`, so a spelling never hides a path. */
export function normalisePath(hostPath: string): string {
  const normalised = path.posix.normalize(hostPath);
  return normalised.length > 1 ? normalised.replace(/\/+$/, "") : normalised;
}

/** Whether `hostPath` is `root` or inside it. */
export function isUnder(hostPath: string, root: string): boolean {
  const [child, parent] = [normalisePath(hostPath), normalisePath(root)];
  return parent === "/" || child === parent || child.startsWith(`${parent}/`);
}

/**
 * Why a host path is a system path, or undefined: `/` itself (the whole node), `/var` (it holds
 * `/var/run`), or a path in one of SYSTEM_PATHS.
 */
export function systemPathOf(hostPath: string): string | undefined {
  const normalised = normalisePath(hostPath);
  if (normalised === "/") return "the node's whole file system";
  if (normalised === "/var") return "the node's /var, which holds /var/run and the engine's data";
  const root = SYSTEM_PATHS.find((candidate) => isUnder(normalised, candidate));
  return root === undefined ? undefined : `system path ${root}`;
}

/**
 * Whether a bind of `hostPath` lets the container reach the Docker socket: the socket itself, or
 * a directory that contains it (read-only does not stop `connect()` on a socket).
 */
export function reachesDockerSocket(hostPath: string): boolean {
  return DOCKER_SOCKETS.some((socket) => isUnder(socket, hostPath));
}
