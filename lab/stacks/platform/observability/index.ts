import { Auth, bind, bindRO, defineStack, httpMonitor, op, opTemplateFile, restartUpTo, SecretEnv, type StackSpec } from "../../../model";
import { socketProxy } from "../../../shared/socket-proxy";

/**
 * The dashboard and the alerting path: Homepage, Uptime Kuma with AutoKuma (monitors from service
 * labels), and Apprise, which fans notifications out and serves other stacks on the shared
 * `notifications` network.
 */
export default defineStack((lab): StackSpec => {
  const homepageMedia = (app: string) => op("homepage-media", `${app}_api_key`);

  return {
    name: "platform_observability",
    tier: "platform",
    description: "Homepage dashboard, Uptime Kuma with AutoKuma, and the Apprise notification fan-out",
    networks: [
      {
        key: "observability_internal",
        attachable: false,
        purpose: "Homepage, Uptime Kuma, AutoKuma and Apprise to each other and to the Docker socket proxy",
      },
    ],
    services: [
      {
        name: "homepage",
        image: "ghcr.io/gethomepage/homepage:v1.10.1",
        networks: ["proxy_network", "observability_internal"],
        env: {
          TZ: lab.timezone,
          // The site's name, and the alias:port Uptime Kuma checks it by (Homepage answers 400 to
          // any Host it does not list, its health path included).
          HOMEPAGE_ALLOWED_HOSTS: `${lab.internalHost("home")},homepage:3000`,
          HOMEPAGE_VAR_DOCKER_HOST: "tcp://docker-socket-proxy:2375",
        },
        // Widget keys referenced as {{HOMEPAGE_VAR_*}} in the config and in other services' labels.
        secretEnv: {
          HOMEPAGE_VAR_AUTHENTIK_API_KEY: op("authentik-stack", "homepage_api_key"),
          HOMEPAGE_VAR_GRAFANA_USER: op("monitoring-stack", "grafana_admin_user"),
          HOMEPAGE_VAR_GRAFANA_PASSWORD: op("monitoring-stack", "grafana_admin_password"),
          HOMEPAGE_VAR_PLEX_API_KEY: homepageMedia("plex"),
          HOMEPAGE_VAR_SONARR_API_KEY: homepageMedia("sonarr"),
          HOMEPAGE_VAR_RADARR_API_KEY: homepageMedia("radarr"),
          HOMEPAGE_VAR_PROWLARR_API_KEY: homepageMedia("prowlarr"),
          HOMEPAGE_VAR_SABNZBD_API_KEY: homepageMedia("sabnzbd"),
          HOMEPAGE_VAR_BAZARR_API_KEY: homepageMedia("bazarr"),
          HOMEPAGE_VAR_TAUTULLI_API_KEY: homepageMedia("tautulli"),
          HOMEPAGE_VAR_SEERR_API_KEY: op("seerr", "API_KEY"),
        },
        secretEnvDelivery: SecretEnv.envFile(["docker-entrypoint.sh", "node", "server.js"]),
        mounts: [
          // services.yaml, settings.yaml, docker.yaml, ...: copied from the lab's repo by hand.
          bind(lab.appdata("homepage/config"), "/app/config"),
          bind(lab.appdata("homepage/icons"), "/app/public/icons"),
          bind(lab.appdata("homepage/images"), "/app/public/images"),
        ],
        healthcheck: { test: ["NONE"] },
        sites: [{ host: "home", port: 3000 }],
        monitors: [
          httpMonitor("homepage", "Homepage Dashboard", "http://homepage:3000/api/healthcheck"),
        ],
        limits: { cpus: "1", memory: "512M" },
      },
      socketProxy({
        networks: ["observability_internal"],
        endpoints: ["CONTAINERS", "SERVICES", "TASKS", "NETWORKS", "NODES", "INFO", "VERSION", "PING"],
      }),
      {
        name: "uptime-kuma",
        image: "louislam/uptime-kuma:2.1.1",
        networks: ["proxy_network", "observability_internal", "postgres", "smtp_relay"],
        stateful: true,
        restart: restartUpTo(3),
        env: { NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/homelab-ca.crt" },
        mounts: [
          bind(lab.appdata("uptime-kuma"), "/app/data"),
          bindRO(lab.appdata("step-ca/certs/root_ca.crt"), "/etc/ssl/certs/homelab-ca.crt"),
        ],
        sites: [
          {
            host: "status",
            port: 3001,
            // OBS-1: a compose comment calls this site "SSO-protected", but the lab has no forward auth on it.
            auth: Auth.own("Uptime Kuma has its own login; the lab serves the full dashboard without forward auth"),
          },
          {
            host: "status",
            public: true,
            auth: Auth.none("public status badges: only /api/badge/* reaches Uptime Kuma, everything else answers 403"),
            directives: {
              "@badges.path": "/api/badge/*",
              handle_0: "@badges",
              "handle_0.reverse_proxy": "{{upstreams 3001}}",
              "handle_1.respond": "Forbidden 403",
            },
          },
        ],
        homepage: {
          group: "Observability",
          name: "Uptime Kuma",
          icon: "uptime-kuma.png",
          description: "Uptime monitoring",
          widget: { type: "uptimekuma", url: "http://uptime-kuma:3001" },
        },
        monitors: [
          httpMonitor("uptime-kuma", "Uptime Kuma", "http://uptime-kuma:3001/api/entry-page"),
        ],
        limits: { cpus: "1", memory: "512M" },
        reservations: { cpus: "0.5", memory: "256M" },
      },
      {
        name: "autokuma",
        image: "ghcr.io/bigboot/autokuma:2.0.0@sha256:8acbd3ad3ec8cb6c066aa0ee541154921283ec78159015937128541921c47974",
        networks: ["observability_internal"],
        restart: restartUpTo(3),
        env: {
          AUTOKUMA__KUMA__URL: "http://uptime-kuma:3001",
          AUTOKUMA__DOCKER__HOSTS: "tcp://docker-socket-proxy:2375",
          AUTOKUMA__DOCKER__SOURCE: "Services",
          AUTOKUMA__DOCKER__LABEL_PREFIX: "kuma",
          AUTOKUMA__SYNC_INTERVAL: "60",
          AUTOKUMA__TAG: "autokuma",
          AUTOKUMA__TAG_NAME: "Source",
          AUTOKUMA__TAG_COLOR: "#42C0FB",
          AUTOKUMA__DEFAULT_SETTINGS: '*.notification_name_list: ["apprise-alerts"]',
        },
        // The Uptime Kuma login (manually created swarm secrets in the lab); replaces autokuma-wrapper.sh.
        secretEnv: {
          AUTOKUMA__KUMA__USERNAME: op("uptime-kuma", "username"),
          AUTOKUMA__KUMA__PASSWORD: op("uptime-kuma", "password"),
        },
        secretEnvDelivery: SecretEnv.envFile(["/usr/local/bin/autokuma"]),
        mounts: [bind(lab.appdata("autokuma"), "/data")],
        monitors: [
          {
            // The default notification every AutoKuma monitor uses (AUTOKUMA__DEFAULT_SETTINGS).
            id: "apprise-alerts",
            type: "notification",
            settings: {
              name: "Apprise Alerts",
              active: "true",
              config: '{"type":"apprise","appriseURL":"apprise://apprise:8000/homelab-alerts"}',
            },
          },
        ],
        limits: { cpus: "0.5", memory: "256M" },
      },
      {
        name: "apprise",
        image: "caronc/apprise:v1.3.1@sha256:6b112f8f174244f4a73b8e1254c9bde1fa562a6a428010aeaff1c18bc98d2713",
        networks: ["observability_internal", "notifications"],
        user: "1000:999",
        env: { APPRISE_STATEFUL_MODE: "simple", APPRISE_WORKER_COUNT: "1" },
        mounts: [bind(lab.appdata("apprise/config"), "/config")],
        // The `homelab-alerts` key of the stateful config, over the old op-inject output on the host.
        secretFiles: [{ target: "/config/homelab-alerts.cfg", value: opTemplateFile("homelab-alerts.cfg") }],
        healthcheck: { test: ["CMD", "curl", "-fsS", "http://localhost:8000/status"], interval: "30s", timeout: "5s", retries: 3 },
        limits: { cpus: "0.25", memory: "256M" },
      },
    ],
  };
});
