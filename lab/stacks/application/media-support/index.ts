import { Auth, bind, defineStack, httpMonitor, op, opTemplate, pgIsReady, restartUpTo, SecretEnv, type ServiceSpec, type StackSpec } from "../../../model";
import { webApp } from "../../../shared/web-app";

/** Helpers around the media core: subtitles, statistics, requests, invitations, library upkeep. */
export default defineStack((lab): StackSpec => {

  // A job in the lab (`recyclarr sync`, restart none); the provider has no job mode, so it runs as
  // a service in the image's built-in cron mode (CRON_SCHEDULE, @daily by default).
  const recyclarr: ServiceSpec = {
    name: "recyclarr",
    image: "ghcr.io/recyclarr/recyclarr:latest",
    networks: ["proxy_network"], // reaches sonarr and radarr through their proxy_network aliases
    user: lab.mediaUserSpec,
    // The reference recyclarr.yml reads both keys with `!env_var`.
    secretEnv: { SONARR_API_KEY: op("sonarr", "SONARR_API_KEY"), RADARR_API_KEY: op("radarr", "RADARR_API_KEY") },
    secretEnvDelivery: SecretEnv.envFile(["/entrypoint.sh"]),
    mounts: [bind(lab.appdata("media/recyclarr/config"), "/config")],
    limits: { cpus: "0.5", memory: "256M" },
  };

  const bazarr: ServiceSpec = {
    ...webApp({ name: "bazarr", port: 6767, title: "Bazarr", group: "Media", description: "Subtitle management", monitorPath: "/api/system/ping" }),
    image: "lscr.io/linuxserver/bazarr:latest",
    networks: ["media_support", "proxy_network", "smtp_relay"],
    stateful: true,
    env: lab.mediaEnv,
    mounts: [bind(lab.appdata("media/bazarr/config"), "/config"), bind(lab.media(""), "/data")],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3),
  };

  const tautulli: ServiceSpec = {
    ...webApp({ name: "tautulli", port: 8181, title: "Tautulli", group: "Media", description: "Plex monitoring & analytics", monitorPath: "/status" }),
    image: "lscr.io/linuxserver/tautulli:latest",
    networks: ["media_support", "proxy_network", "smtp_relay"],
    stateful: true,
    env: lab.mediaEnv,
    mounts: [bind(lab.appdata("media/tautulli/config"), "/config")],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3),
  };

  const maintainerr: ServiceSpec = {
    name: "maintainerr",
    image: "ghcr.io/jorenn92/maintainerr:latest",
    networks: ["media_support", "proxy_network"],
    stateful: true,
    user: lab.mediaUserSpec,
    sites: [{ host: "maintainerr", port: 6246 }],
    homepage: { group: "Media", name: "Maintainerr", icon: "maintainerr.png", description: "Plex library maintenance" },
    monitors: [
      httpMonitor("maintainerr", "Maintainerr", "http://maintainerr:6246/api/app/status"),
    ],
    mounts: [bind(lab.appdata("media/maintainerr/config"), "/opt/data")],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3),
  };

  const seerr: ServiceSpec = {
    name: "seerr",
    image: "ghcr.io/seerr-team/seerr:v3.0.0",
    networks: ["media_support", "proxy_network", "postgres", "smtp_relay"],
    init: true,
    user: "1000:999",
    sites: [{ host: "requests", port: 5055, auth: Auth.own("Seerr signs users in with their Plex or Jellyfin accounts") }],
    homepage: {
      group: "Media",
      name: "Seerr",
      icon: "seerr.png",
      description: "Media requests",
      widget: { type: "overseerr", url: "http://seerr:5055" },
    },
    monitors: [
      httpMonitor("seerr", "Seerr", "http://seerr:5055/api/v1/status"),
    ],
    env: { DB_TYPE: "postgres", DB_HOST: "postgresql", DB_PORT: "5432", DB_NAME: "seerr" },
    secretEnv: { DB_USER: op("seerr", "DB_USER"), DB_PASS: op("seerr", "DB_PASS") },
    secretEnvDelivery: SecretEnv.envFile(["npm", "start"]),
    mounts: [bind(lab.appdata("media/seerr/config"), "/app/config")],
    healthcheck: {
      test: ["CMD-SHELL", "wget -qO- http://localhost:5055/api/v1/status || exit 1"],
      interval: "30s",
      timeout: "5s",
      retries: 3,
      startPeriod: "30s",
    },
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
  };

  const doplarr: ServiceSpec = {
    name: "doplarr",
    image: "ghcr.io/kiranshila/doplarr:latest",
    networks: ["media_support"],
    homepage: { group: "Media", name: "Doplarr", icon: "doplarr.png", description: "Discord media requests" },
    env: { OVERSEERR__URL: "http://seerr:5055" },
    secretEnv: { DISCORD__TOKEN: op("doplarr", "DISCORD_TOKEN"), OVERSEERR__API: op("doplarr", "OVERSEERR_API_KEY") },
    secretEnvDelivery: SecretEnv.envFile(["java", "-Xmx128m", "-jar", "/app/doplarr.jar"]),
    limits: { cpus: "0.5", memory: "256M" },
    reservations: { cpus: "0.1", memory: "128M" },
  };

  const wizarr: ServiceSpec = {
    name: "wizarr",
    image: "ghcr.io/wizarrrr/wizarr:latest",
    networks: ["media_support", "proxy_network", "smtp_relay"],
    stateful: true,
    sites: [{ host: "invite", port: 5690, auth: Auth.none("invite links must open for people who have no account yet") }],
    homepage: { group: "Media", name: "Wizarr", icon: "wizarr.png", description: "User invitations" },
    monitors: [
      httpMonitor("wizarr", "Wizarr", "http://wizarr:5690/health"),
    ],
    env: { TZ: lab.timezone },
    mounts: [bind(lab.appdata("media/wizarr/database"), "/data/database")],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3),
  };

  const tracearrDb: ServiceSpec = {
    name: "tracearr-timescaledb",
    image: "timescale/timescaledb:latest-pg17",
    networks: ["media_support"],
    stateful: true,
    env: { POSTGRES_USER: "tracearr", POSTGRES_DB: "tracearr" },
    secretEnv: { POSTGRES_PASSWORD: op("tracearr-stack", "DB_PASSWORD") },
    secretEnvDelivery: SecretEnv.postgres,
    // Arguments to the image's own docker-entrypoint.sh, as the lab passes them.
    command: ["postgres", "-c", "shared_preload_libraries=timescaledb", "-c", "timescaledb.telemetry_level=off"],
    mounts: [bind(lab.appdata("media/tracearr/timescaledb"), "/var/lib/postgresql/data")],
    healthcheck: pgIsReady("tracearr"),
    limits: { cpus: "2", memory: "1G" },
    reservations: { cpus: "0.5", memory: "512M" },
    restart: restartUpTo(3),
  };

  const tracearrRedis: ServiceSpec = {
    name: "tracearr-redis",
    image: "redis:8-alpine",
    networks: ["media_support"],
    command: ["redis-server", "--appendonly", "yes"],
    mounts: [bind(lab.appdata("media/tracearr/redis"), "/data")],
    limits: { cpus: "0.5", memory: "256M" },
    reservations: { cpus: "0.1", memory: "64M" },
    restart: restartUpTo(3),
  };

  const tracearr: ServiceSpec = {
    name: "tracearr",
    image: "ghcr.io/connorgallopo/tracearr:latest",
    networks: ["media_support", "proxy_network", "notifications"],
    user: "1001:999",
    sites: [{ host: "tracearr", port: 3000, auth: Auth.own("Tracearr signs users in through their Plex accounts") }],
    homepage: { group: "Media", name: "Tracearr", icon: "tracearr.png", description: "Stream monitoring & analytics" },
    monitors: [
      httpMonitor("tracearr", "Tracearr", "http://tracearr:3000/health"),
    ],
    env: { REDIS_URL: "redis://tracearr-redis:6379" },
    secretEnv: {
      DATABASE_URL: opTemplate(
        "postgresql://tracearr:{{ op://tracearr-stack/DB_PASSWORD }}@tracearr-timescaledb:5432/tracearr",
      ),
      JWT_SECRET: op("tracearr-stack", "JWT_SECRET"),
      COOKIE_SECRET: op("tracearr-stack", "COOKIE_SECRET"),
    },
    secretEnvDelivery: SecretEnv.envFile(["docker-entrypoint.sh", "node", "apps/server/dist/index.js"]),
    mounts: [
      bind(lab.appdata("media/tracearr/config"), "/app/config"),
      bind(lab.appdata("media/tracearr/image-cache"), "/app/image-cache"),
    ],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3),
  };

  return {
    name: "application_media_support",
    tier: "application",
    description: "Recyclarr, Bazarr, Tautulli, Maintainerr, Seerr with Doplarr, Wizarr, and Tracearr with its TimescaleDB and Redis",
    networks: [{ key: "media_support", attachable: false, purpose: "Media support apps, Tracearr's database and cache" }],
    services: [recyclarr, bazarr, tautulli, maintainerr, seerr, doplarr, wizarr, tracearrDb, tracearrRedis, tracearr],
    dependsOn: ["platform_postgres"],
  };
});
