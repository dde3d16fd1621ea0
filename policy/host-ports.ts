/**
 * The only host-mode published ports the lab may have, by swarm service name: `"<port>/<protocol>"`
 * with the reason. A host-mode port binds the node's own interfaces (every LAN address of it),
 * bypassing the routing mesh, so each one is a deliberate exposure.
 * test/policy/lab-renders.test.ts keeps this list equal to the host-mode ports the lab declares;
 * policy config can add entries.
 */
export interface HostPortGrant {
  readonly ports: readonly string[];
  readonly reason: string;
}

export const HOST_PORTS: Readonly<Record<string, HostPortGrant>> = {
  application_media_core_plex: {
    ports: ["32400/tcp"],
    reason: "Plex clients on the LAN stream from the server's own address, port 32400",
  },
  application_media_core_jellyfin: {
    ports: ["8096/tcp"],
    reason: "Jellyfin clients on the LAN connect to the server's own address, port 8096",
  },
  "platform_monitoring_docker-socket-proxy": {
    ports: ["2375/tcp"],
    reason: "cAdvisor and Alloy must reach their own node's engine, which the overlay cannot route to: host.docker.internal:2375",
  },
};
