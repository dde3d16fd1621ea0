import { Auth, bind, defineStack, type Healthcheck, hostBind, httpMonitor, op, opTemplateFile, restartUpTo, SecretEnv, type ServiceSpec, stackDefaultNetwork, type StackSpec, tmpfs } from "../../../model";

/** Media servers, the *arr apps, the Usenet downloader and the two download-queue janitors. */
export default defineStack((lab): StackSpec => {
  const mediaData = bind(lab.media(""), "/data");
  const gpu = hostBind("/dev/dri", "/dev/dri", "the storage node's Intel iGPU, for hardware transcoding", { readOnly: false });
  const transcodeBytes = 16 * 1024 ** 3; // 16 GB tmpfs, as the lab
  const pingCheck = (port: number): Healthcheck => ({
    test: ["CMD-SHELL", `curl -sf http://localhost:${port}/ping || exit 1`],
    interval: "30s",
    timeout: "5s",
    retries: 3,
    startPeriod: "30s",
  });

  /**
   * Sonarr, Radarr and Prowlarr keep their main and log databases on the shared PostgreSQL:
   * `<APP>__POSTGRES__USER` / `__PASSWORD` come from the app's item, fields `<APP>_POSTGRES_USER` / `_PASS`.
   */
  const sharedDatabase = (app: "sonarr" | "radarr" | "prowlarr"): Pick<ServiceSpec, "env" | "secretEnv" | "secretEnvDelivery"> => {
    const prefix = app.toUpperCase();
    return {
      env: {
        ...lab.mediaEnv,
        [`${prefix}__POSTGRES__HOST`]: "postgresql",
        [`${prefix}__POSTGRES__PORT`]: "5432",
        [`${prefix}__POSTGRES__MAINDB`]: `${app}-main`,
        [`${prefix}__POSTGRES__LOGDB`]: `${app}-log`,
      },
      secretEnv: {
        [`${prefix}__POSTGRES__USER`]: op(app, `${prefix}_POSTGRES_USER`),
        [`${prefix}__POSTGRES__PASSWORD`]: op(app, `${prefix}_POSTGRES_PASS`),
      },
      secretEnvDelivery: SecretEnv.linuxserver,
    };
  };

  const plex: ServiceSpec = {
    name: "plex",
    image: "lscr.io/linuxserver/plex:latest",
    networks: ["media", "proxy_network"],
    stateful: true, // iGPU and library database
    ports: [{ target: 32400, published: 32400, mode: "host" }],
    sites: [
      {
        host: "plex",
        port: 32400,
        auth: Auth.own("Plex signs users in with their plex.tv accounts; clients cannot do SSO"),
        directives: { "reverse_proxy.flush_interval": "-1" },
      },
    ],
    homepage: {
      group: "Media",
      name: "Plex",
      icon: "plex.png",
      description: "Media server & streaming",
      widget: { type: "plex", url: `https://${lab.internalHost("plex")}` },
    },
    monitors: [
      // Plex answers /identity without a token.
      httpMonitor("plex", "Plex", "http://plex:32400/identity"),
    ],
    env: { ...lab.mediaEnv, VERSION: "docker", PLEX_TRANSCODE_DIR: "/transcode" },
    mounts: [bind(lab.appdata("media/plex/config"), "/config"), mediaData, gpu, tmpfs("/transcode", transcodeBytes)],
    limits: { cpus: "4", memory: "4096M" },
    reservations: { cpus: "2", memory: "2048M" },
    restart: restartUpTo(3),
  };

  const jellyfin: ServiceSpec = {
    name: "jellyfin",
    image: "lscr.io/linuxserver/jellyfin:latest",
    networks: ["media", "proxy_network"],
    stateful: true, // iGPU and library database
    ports: [{ target: 8096, published: 8096, mode: "host" }],
    sites: [
      {
        host: "jellyfin",
        port: 8096,
        auth: Auth.own("Jellyfin has its own user accounts; its apps cannot do SSO"),
        directives: { "reverse_proxy.flush_interval": "-1" },
      },
    ],
    homepage: {
      group: "Media",
      name: "Jellyfin",
      icon: "jellyfin.png",
      description: "Media server & streaming",
      widget: { type: "jellyfin", url: "http://jellyfin:8096" },
    },
    monitors: [
      httpMonitor("jellyfin", "Jellyfin", "http://jellyfin:8096/health"),
    ],
    env: lab.mediaEnv,
    mounts: [bind(lab.appdata("media/jellyfin/config"), "/config"), mediaData, gpu, tmpfs("/config/transcodes", transcodeBytes)],
    limits: { cpus: "4", memory: "4096M" },
    reservations: { cpus: "2", memory: "2048M" },
    restart: restartUpTo(3),
  };

  const sonarr: ServiceSpec = {
    name: "sonarr",
    image: "lscr.io/linuxserver/sonarr:latest",
    networks: ["media", "proxy_network", "postgres", "smtp_relay"],
    // Pinned in the lab ("SQLite DB on NFS"), although its databases are on PostgreSQL (STO-1).
    stateful: true,
    sites: [{ host: "sonarr", port: 8989 }],
    homepage: {
      group: "Media",
      name: "Sonarr",
      icon: "sonarr.png",
      description: "TV series management",
      widget: { type: "sonarr", url: "http://sonarr:8989" },
    },
    monitors: [
      httpMonitor("sonarr", "Sonarr", "http://sonarr:8989/ping"),
    ],
    ...sharedDatabase("sonarr"),
    mounts: [bind(lab.appdata("media/sonarr/config"), "/config"), mediaData],
    healthcheck: pingCheck(8989),
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.5", memory: "512M" },
  };

  const radarr: ServiceSpec = {
    name: "radarr",
    image: "lscr.io/linuxserver/radarr:latest",
    networks: ["media", "proxy_network", "postgres", "smtp_relay"],
    sites: [{ host: "radarr", port: 7878 }],
    homepage: {
      group: "Media",
      name: "Radarr",
      icon: "radarr.png",
      description: "Movie management",
      widget: { type: "radarr", url: "http://radarr:7878" },
    },
    monitors: [
      httpMonitor("radarr", "Radarr", "http://radarr:7878/ping"),
    ],
    ...sharedDatabase("radarr"),
    mounts: [bind(lab.appdata("media/radarr/config"), "/config"), mediaData],
    healthcheck: pingCheck(7878),
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.5", memory: "512M" },
  };

  const prowlarr: ServiceSpec = {
    name: "prowlarr",
    image: "lscr.io/linuxserver/prowlarr:latest",
    networks: ["media", "proxy_network", "postgres", "smtp_relay"],
    sites: [{ host: "prowlarr", port: 9696 }],
    homepage: {
      group: "Media",
      name: "Prowlarr",
      icon: "prowlarr.png",
      description: "Indexer management",
      widget: { type: "prowlarr", url: "http://prowlarr:9696" },
    },
    monitors: [
      httpMonitor("prowlarr", "Prowlarr", "http://prowlarr:9696/ping"),
    ],
    ...sharedDatabase("prowlarr"),
    mounts: [bind(lab.appdata("media/prowlarr/config"), "/config")],
    healthcheck: pingCheck(9696),
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
  };

  const sabnzbd: ServiceSpec = {
    name: "sabnzbd",
    image: "lscr.io/linuxserver/sabnzbd:latest",
    networks: ["media", "proxy_network", "smtp_relay"],
    stateful: true,
    sites: [{ host: "sabnzbd", port: 8080 }],
    homepage: {
      group: "Media",
      name: "SABnzbd",
      icon: "sabnzbd.png",
      description: "Usenet downloader",
      widget: { type: "sabnzbd", url: "http://sabnzbd:8080" },
    },
    monitors: [
      // mode=version needs no API key. SABnzbd checks the Host header against its host_whitelist,
      // which must list the alias `sabnzbd` (as it lists the site's name for Caddy).
      httpMonitor("sabnzbd", "SABnzbd", "http://sabnzbd:8080/api?mode=version"),
    ],
    env: lab.mediaEnv,
    mounts: [bind(lab.appdata("media/sabnzbd/config"), "/config"), mediaData],
    limits: { cpus: "2", memory: "2048M" },
    reservations: { cpus: "0.5", memory: "512M" },
    restart: restartUpTo(3),
  };

  const decluttarr: ServiceSpec = {
    name: "decluttarr",
    image: "ghcr.io/manimatter/decluttarr:v2.0.0",
    networks: ["media"],
    // The whole config, with the Sonarr, Radarr and SABnzbd API keys, where the image's
    // `python main.py` reads it; it used to be rendered from a template by an entrypoint script.
    secretFiles: [
      { target: "/app/config/config.yaml", value: opTemplateFile("decluttarr/config.yaml"), mode: 0o400 },
    ],
    limits: { cpus: "0.25", memory: "128M" },
    reservations: { cpus: "0.05", memory: "64M" },
    restart: { condition: "any", delay: "30s" },
  };

  const downloadReaper: ServiceSpec = {
    name: "download-reaper",
    image: "alpine:3",
    // No network of its own in the running lab's compose file: stack deploy put it on the stack's default.
    networks: ["default"],
    stateful: true,
    configs: [{ file: "download-reaper.sh", target: "/usr/local/bin/download-reaper.sh" }],
    command: ["/bin/sh", "/usr/local/bin/download-reaper.sh"],
    mounts: [bind(lab.media("usenet/complete"), "/complete"), bind(lab.media("usenet/incomplete"), "/incomplete")],
    limits: { cpus: "0.1", memory: "32M" },
    restart: { condition: "any", delay: "60s" },
  };

  return {
    name: "application_media_core",
    tier: "application",
    description: "Plex and Jellyfin, Sonarr, Radarr, Prowlarr and SABnzbd, with Decluttarr and a download reaper",
    networks: [
      { key: "media", attachable: false, purpose: "Media servers, *arr apps and the downloader talking to each other" },
      stackDefaultNetwork("download-reaper's, as docker stack deploy made it for a service that names no network"),
    ],
    services: [plex, jellyfin, sonarr, radarr, prowlarr, sabnzbd, decluttarr, downloadReaper],
    dependsOn: ["platform_postgres"],
  };
});
