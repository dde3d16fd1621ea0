import { ROLE_LABEL } from "../../lib/naming";
import { bind, service, SOCKET, type TestResource, violations } from "../support/policy-analyzer";

/** policy/rules/socket-access.ts: who may touch the Docker socket, one service per case. */

const ONLY_PROXY = "docker-socket-only-in-socket-proxy";
const ANCESTOR = "docker-socket-ancestor-not-mounted";
const proxyLabels = { [ROLE_LABEL]: "socket-proxy" };
const VIA_PROXY = "but is not a socket proxy: reach the engine through a docker-socket-proxy service (lab/shared/socket-proxy.ts) instead.";
const CONTAINS_SOCKET =
  "which contains the Docker socket (/run/docker.sock); read-only does not prevent connecting to it. Bind only the subdirectories it needs, or make sure its user cannot open the socket.";

const CASES: readonly [string, TestResource, readonly string[]][] = [
  [
    "a socket proxy mounts the socket read-only with POST off",
    service("caddy_docker-socket-proxy", { labels: proxyLabels, env: { CONTAINERS: "1", POST: "0" }, mounts: [bind(SOCKET, SOCKET, true)] }),
    [],
  ],
  ["a socket proxy leaves POST unset", service("other_docker-socket-proxy", { labels: proxyLabels, env: { INFO: "1" }, mounts: [bind(SOCKET, SOCKET, true)] }), []],
  ["a service binds ordinary data", service("web", { mounts: [bind("/mnt/apps01/appdata/web", "/data")] }), []],
  ["another service mounts the socket", service("app_portainer", { mounts: [bind(SOCKET, SOCKET, true)] }), [`${ONLY_PROXY}: app_portainer mounts /var/run/docker.sock (the Docker socket) ${VIA_PROXY}`]],
  [
    "another service mounts the directory that holds the socket",
    service("app_sneaky", { mounts: [bind("/var/run", "/host-run", true)] }),
    [`${ONLY_PROXY}: app_sneaky mounts /var/run (the Docker socket's directory) ${VIA_PROXY}`],
  ],
  ["the other directory that holds it, spelled loosely", service("app_run", { mounts: [bind("/var/../run/", "/host-run", true)] }), [`${ONLY_PROXY}: app_run mounts /var/../run/ (the Docker socket's directory) ${VIA_PROXY}`]],
  [
    "another service mounts a rootless engine's socket",
    service("app_rootless", { mounts: [bind("/run/user/1000/docker.sock", SOCKET)] }),
    [`${ONLY_PROXY}: app_rootless mounts /run/user/1000/docker.sock (the Docker socket) ${VIA_PROXY}`],
  ],
  [
    "a socket proxy mounts the socket writable and enables POST",
    service("caddy_docker-socket-proxy", { labels: proxyLabels, env: { POST: "1" }, mounts: [bind(SOCKET, SOCKET, false)] }),
    [
      `${ONLY_PROXY}: caddy_docker-socket-proxy is a socket proxy but mounts /var/run/docker.sock writable: mount it read-only.`,
      `${ONLY_PROXY}: caddy_docker-socket-proxy is a socket proxy with POST enabled: set POST to "0" (or leave it unset) so the proxy refuses every write.`,
    ],
  ],
  [
    "a global service binds the node's root file system read-only (advised against: it contains the socket)",
    service("platform_monitoring_node-exporter", { global: true, mounts: [bind("/", "/host/rootfs", true), bind("/proc", "/host/proc", true)] }),
    [`${ANCESTOR}: platform_monitoring_node-exporter binds /, ${CONTAINS_SOCKET}`],
  ],
  ["a service binds /var", service("app_var", { mounts: [bind("/var", "/host-var", true)] }), [`${ANCESTOR}: app_var binds /var, ${CONTAINS_SOCKET}`]],
  ["a socket proxy may bind /var", service("caddy_docker-socket-proxy", { labels: proxyLabels, mounts: [bind("/var", "/host-var", true)] }), []],
];

describe("docker-socket-only-in-socket-proxy and docker-socket-ancestor-not-mounted", () => {
  it.each(CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations([ONLY_PROXY, ANCESTOR], resource)).toEqual(expected);
  });
});
