import { type Removal, type ServiceSpec, type StackSpec } from "../../lab/model";
import { DOCKER_SOCKETS, normalisePath, systemPathOf } from "../host-paths";
import { FORWARD_AUTH_SERVICE, isProtected } from "../../forward-auth";

const blank = (reason: string | undefined) => reason === undefined || reason.trim() === "";

/**
 * Lab-validation rules about exposure, the ones a review of the render found missing: what a
 * service opens past Caddy, what of the node it can see, and whether the forward auth its sites
 * rely on is deployed at all. Each problem names the stack, service and field; a deliberate
 * exception is declared where it is made, with its reason, and the review shows that reason.
 */


/**
 * Routing-mesh ports answer on every node's address and reach the task directly: on a service
 * with a Caddy site, past Caddy and Authentik. The ingress controller's own ports are the lab's
 * front door, which is no less an exposure: they need their reason too.
 */
function meshPortProblems(where: string, service: ServiceSpec): string[] {
  if ((service.sites ?? []).length === 0) return [];
  const consequence =
    service.role === "ingress-controller"
      ? "the lab's front door; declare the port with a reason"
      : "which reaches this service past Caddy and Authentik; serve it through its site, or declare the port with a reason";
  return (service.ports ?? []).flatMap((port, index) =>
    port.mode === "ingress" && blank(port.reason)
      ? [`${where}: ports[${index}]: ${port.published}/${port.protocol ?? "tcp"} is published on the routing mesh (every node's address), ${consequence}`]
      : [],
  );
}

/** Binds of `/` or a system path need a reason; the socket itself stays with socket proxies. */
function systemBindProblems(where: string, service: ServiceSpec): string[] {
  const problems: string[] = [];
  for (const [index, mount] of (service.mounts ?? []).entries()) {
    if (mount.type !== "bind" || !mount.source.startsWith("/")) continue;
    const source = normalisePath(mount.source);
    // The socket-proxy rule of ./service.ts owns the socket, however spelled.
    if (DOCKER_SOCKETS.includes(source)) continue;
    const field = `${where}: mounts[${index}]`;
    const why = systemPathOf(source);
    if (why !== undefined && blank(mount.reason)) {
      problems.push(
        `${field}: bind of ${mount.source} (${why}) needs a reason: bind only what the service needs, ` +
          `or declare it with hostBind("${mount.source}", "${mount.target}", "<reason>")`,
      );
    }
  }
  return problems;
}

/** Whether the selection deploys the service protected sites send every request to. */
function deploysForwardAuth(stacks: readonly StackSpec[]): boolean {
  return stacks.some((stack) => stack.services.some((service) => service.name === FORWARD_AUTH_SERVICE && service.networks.includes("proxy_network")));
}

function missingAuthentikProblems(stacks: readonly StackSpec[]): string[] {
  if (deploysForwardAuth(stacks)) return [];
  return stacks.flatMap((stack) =>
    stack.services.flatMap((service) =>
      (service.sites ?? []).flatMap((site, index) =>
        isProtected(site)
          ? [
              `${stack.name}/${service.name}: sites[${index}].auth: behind Authentik forward auth, but no selected stack runs ${FORWARD_AUTH_SERVICE} on proxy_network; ` +
                `add its stack to homelab:stacks, or set homelab:forwardAuth to {enabled: false, reason: "..."}`,
            ]
          : [],
      ),
    ),
  );
}

function removalProblems(removed: readonly Removal[]): string[] {
  return removed.flatMap((removal, index) =>
    blank(removal.reason)
      ? [`lab/removed.ts[${index}] (${removal.service ? `${removal.stack}/${removal.service}` : removal.stack}): reason: expected why it is removed; up deletes it on the strength of this entry`]
      : [],
  );
}

/** Every exposure problem of the selected stacks and the removal list, in declaration order. */
export function exposureProblems(stacks: readonly StackSpec[], removed: readonly Removal[]): string[] {
  const perService = stacks.flatMap((stack) =>
    stack.services.flatMap((service) => {
      const where = `${stack.name}/${service.name}`;
      return [...meshPortProblems(where, service), ...systemBindProblems(where, service)];
    }),
  );
  return [...perService, ...missingAuthentikProblems(stacks), ...removalProblems(removed)];
}
