import { type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { HOST_PORTS } from "../host-ports";
import { DockerService, list, nameOf, type PortProps, stringList } from "./resources";

/** Host-mode ports, which bind every address of the node, only where granted. */

function portKey(port: PortProps): string {
  return `${port.publishedPort ?? "(unset)"}/${typeof port.protocol === "string" && port.protocol !== "" ? port.protocol : "tcp"}`;
}

function normalisePortGrant(grant: string): string {
  return grant.includes("/") ? grant : `${grant}/tcp`;
}

export const hostPortsOnlyWhereDeclared: ResourceValidationPolicy = {
  name: "host-ports-only-where-declared",
  description:
    "Host-mode published ports (bound on the node's own addresses, outside the routing mesh) only where policy/host-ports.ts or policy config grants that service that port.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowed: {
        type: "object",
        description: 'Further grants: swarm service name -> ["<port>/<protocol>", ...] (protocol defaults to tcp).',
        additionalProperties: { type: "array", items: { type: "string", pattern: "^\\d+(/(tcp|udp|sctp))?$" } },
      },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const configured = args.getConfig<{ allowed?: unknown }>().allowed;
    const extra = configured !== null && typeof configured === "object" && !Array.isArray(configured) ? stringList((configured as Record<string, unknown>)[name]) : [];
    const granted = new Set([...(HOST_PORTS[name]?.ports ?? []), ...extra].map(normalisePortGrant));
    for (const port of list(service.endpointSpec?.ports)) {
      if (port?.publishMode !== "host") continue;
      const key = portKey(port);
      if (granted.has(key)) continue;
      reportViolation(
        `${name} publishes ${key} in host mode, which is not declared: use the routing mesh (publishMode "ingress") or a Caddy site, ` +
          `or grant it in policy/host-ports.ts with the reason.`,
      );
    }
  }),
};
