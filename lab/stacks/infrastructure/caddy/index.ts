import { Auth, defineStack, httpMonitor, INGRESS_HEALTH, op, programSecret, SecretEnv, type ServiceSpec, type StackSpec } from "../../../model";
import { socketProxy } from "../../../shared/socket-proxy";

/**
 * Ingress: Caddy (caddy-docker-proxy) routes every site declared on a service, and cloudflared
 * carries public traffic from Cloudflare's edge to Caddy. The tunnel itself, its rules and the
 * public records are derived from the sites (components/public-ingress.ts); cloudflared only
 * needs the tunnel's token.
 */
export default defineStack((lab): StackSpec => {
  const caddy: ServiceSpec = {
    name: "caddy",
    image: "ghcr.io/cpritchett/caddy-labels:latest",
    // Defines the forward-auth snippet protected sites import; the tunnel's origin.
    role: "ingress-controller",
    // docker_api keeps the socket proxy off proxy_network, which every routed service joins.
    networks: ["proxy_network", "docker_api"],
    ports: [
      { target: 80, published: 80, mode: "ingress", reason: "the lab's front door: every node answers HTTP for Caddy (redirects to HTTPS)" },
      { target: 443, published: 443, mode: "ingress", reason: "the lab's front door: every node answers HTTPS for Caddy, which applies each site's auth" },
    ],
    extraHosts: { "host.docker.internal": "host-gateway" },
    user: lab.mediaUserSpec,
    env: {
      CADDY_INGRESS_NETWORKS: "proxy_network",
      DOCKER_HOST: "tcp://docker-socket-proxy:2375",
      TZ: lab.timezone,
    },
    ...(lab.cloudflare
      ? {
          // The DNS-01 challenge reads the token from {env.CLOUDFLARE_API_TOKEN}.
          secretEnv: { CLOUDFLARE_API_TOKEN: op("cloudflare", "api_token") },
          secretEnvDelivery: SecretEnv.envFile(["caddy", "docker-proxy"]),
        }
      : { command: ["caddy", "docker-proxy"] }),
    mounts: [
      { type: "bind", source: lab.appdata("proxy/caddy-data"), target: "/data/caddy" },
      { type: "bind", source: lab.appdata("proxy/caddy-config"), target: "/config" },
    ],
    sites: [
      {
        host: lab.storageNode,
        upstream: "host.docker.internal:81",
        auth: Auth.own("the storage node's TrueNAS web UI has its own login"),
      },
      {
        host: "*",
        auth: Auth.none("catch-all that answers 404 for hosts no service declares"),
        directives: { respond: "not-found 404" },
      },
    ],
    // Caddy's own answer, not a site behind it (the labels give the ingress controller this port).
    monitors: [httpMonitor("caddy", "Caddy Reverse Proxy", `http://caddy:${INGRESS_HEALTH.port}${INGRESS_HEALTH.path}`)],
    limits: { cpus: "2", memory: "2048M" },
  };

  const cloudflared: ServiceSpec = {
    name: "cloudflared",
    image: "cloudflare/cloudflared:2026.2.0",
    networks: ["proxy_network"],
    user: "65532:999",
    // A remotely managed tunnel: its rules live in Cloudflare, so the connector needs only the
    // token, read from a swarm secret (TUNNEL_TOKEN_FILE, cloudflared 2025.4.0 and later).
    command: ["tunnel", "--no-autoupdate", "--metrics", "0.0.0.0:2000", "run"],
    secretEnv: { TUNNEL_TOKEN: programSecret("cloudflare-tunnel-token") },
    secretEnvDelivery: SecretEnv.cloudflared,
    // Ready means at least one live connection to Cloudflare's edge; the image has no shell.
    healthcheck: {
      test: ["CMD", "cloudflared", "tunnel", "--metrics", "localhost:2000", "ready"],
      interval: "30s",
      timeout: "10s",
      retries: 3,
      startPeriod: "20s",
    },
    restart: { condition: "on-failure", delay: "5s", maxAttempts: 3 },
    homepage: {
      group: "Infrastructure",
      name: "Cloudflare Tunnel",
      icon: "cloudflare.png",
      href: "https://dash.cloudflare.com",
      description: "External ingress tunnel",
    },
    monitors: [
      httpMonitor("cloudflared", "Cloudflare Tunnel", "http://cloudflared:2000/ready"),
    ],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "128M" },
  };

  return {
    name: "caddy",
    tier: "infrastructure",
    description: "Reverse proxy with label-driven sites, its Docker socket proxy, and the Cloudflare tunnel",
    networks: [{ key: "docker_api", purpose: "Caddy to its Docker socket proxy, off the shared proxy network" }],
    services: [
      caddy,
      ...(lab.cloudflare ? [cloudflared] : []),
      socketProxy({
        networks: ["docker_api"],
        endpoints: ["CONFIGS", "CONTAINERS", "EVENTS", "INFO", "NETWORKS", "NODES", "PING", "SERVICES", "SWARM", "TASKS", "VERSION"],
        settings: { TIMEOUT_CLIENT: "300s", TIMEOUT_CONNECT: "30s", TIMEOUT_SERVER: "300s" },
        healthcheckRetries: 10,
        limits: { cpus: "1", memory: "512M" },
      }),
    ],
  };
});
