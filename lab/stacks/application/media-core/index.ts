import { Auth, bind, defineStack, hostBind, httpMonitor, op, opTemplateFile, restartUpTo, SecretEnv, type ServiceSpec, type StackSpec, tmpfs } from "../../../model";
import { webApp } from "../../../shared/web-app";

/** Media servers, the *arr apps, the Usenet downloader and the two download-queue janitors. */
export default defineStack((lab): StackSpec => {
  const mediaData = bind(lab.media(""), "/data");
  const gpu = hostBind("/dev/dri", "/dev/dri", "the storage node's Intel iGPU, for hardware transcoding", { readOnly: false });
  const transcodeBytes = 16 * 1024 ** 3; // 16 GB tmpfs, as the lab

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
    ports: [{ target: 32400, published: 32400, mode: "host", reason: "Plex clients on the LAN stream from the server's own address, port 32400" }],
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
    ...webApp({
      name: "jellyfin",
      port: 8096,
      title: "Jellyfin",
      group: "Media",
      description: "Media server & streaming",
      monitorPath: "/health",
      site: { auth: Auth.own("Jellyfin has its own user accounts; its apps cannot do SSO"), directives: { "reverse_proxy.flush_interval": "-1" } },
    }),
    image: "lscr.io/linuxserver/jellyfin:latest",
    networks: ["media", "proxy_network"],
    stateful: true, // iGPU and library database
    ports: [{ target: 8096, published: 8096, mode: "host", reason: "Jellyfin clients on the LAN connect to the server's own address, port 8096" }],
    env: lab.mediaEnv,
    mounts: [bind(lab.appdata("media/jellyfin/config"), "/config"), mediaData, gpu, tmpfs("/config/transcodes", transcodeBytes)],
    limits: { cpus: "4", memory: "4096M" },
    reservations: { cpus: "2", memory: "2048M" },
    restart: restartUpTo(3),
  };

  const sonarr: ServiceSpec = {
    ...webApp({ name: "sonarr", port: 8989, title: "Sonarr", group: "Media", description: "TV series management", monitorPath: "/ping", healthPath: "/ping" }),
    image: "lscr.io/linuxserver/sonarr:latest",
    networks: ["media", "proxy_network", "postgres", "smtp_relay"],
    // Pinned in the lab ("SQLite DB on NFS"), although its databases are on PostgreSQL (STO-1).
    stateful: true,
    ...sharedDatabase("sonarr"),
    mounts: [bind(lab.appdata("media/sonarr/config"), "/config"), mediaData],
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.5", memory: "512M" },
  };

  const radarr: ServiceSpec = {
    ...webApp({ name: "radarr", port: 7878, title: "Radarr", group: "Media", description: "Movie management", monitorPath: "/ping", healthPath: "/ping" }),
    image: "lscr.io/linuxserver/radarr:latest",
    networks: ["media", "proxy_network", "postgres", "smtp_relay"],
    ...sharedDatabase("radarr"),
    mounts: [bind(lab.appdata("media/radarr/config"), "/config"), mediaData],
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.5", memory: "512M" },
  };

  const prowlarr: ServiceSpec = {
    ...webApp({ name: "prowlarr", port: 9696, title: "Prowlarr", group: "Media", description: "Indexer management", monitorPath: "/ping", healthPath: "/ping" }),
    image: "lscr.io/linuxserver/prowlarr:latest",
    networks: ["media", "proxy_network", "postgres", "smtp_relay"],
    ...sharedDatabase("prowlarr"),
    mounts: [bind(lab.appdata("media/prowlarr/config"), "/config")],
    limits: { cpus: "1", memory: "512M" },
    reservations: { cpus: "0.25", memory: "256M" },
  };

  const sabnzbd: ServiceSpec = {
    // The monitor's mode=version needs no API key. SABnzbd checks the Host header against its
    // host_whitelist, which must list the alias `sabnzbd` (as it lists the site's name for Caddy).
    ...webApp({ name: "sabnzbd", port: 8080, title: "SABnzbd", group: "Media", description: "Usenet downloader", monitorPath: "/api?mode=version" }),
    image: "lscr.io/linuxserver/sabnzbd:latest",
    networks: ["media", "proxy_network", "smtp_relay"],
    stateful: true,
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
    networks: [],
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
    networks: [{ key: "media", attachable: false, purpose: "Media servers, *arr apps and the downloader talking to each other" }],
    services: [plex, jellyfin, sonarr, radarr, prowlarr, sabnzbd, decluttarr, downloadReaper],
    dependsOn: ["platform_postgres"],
  };
});
