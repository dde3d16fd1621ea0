import { bind, defineStack, httpMonitor, opTemplateFile, restartUpTo, type ServiceSpec, type StackSpec } from "../../../model";

/** Metadata, collections, title cards and posters for the Plex libraries. */
export default defineStack((lab): StackSpec => {

  const kometa: ServiceSpec = {
    name: "kometa",
    image: "kometateam/kometa:latest",
    // The seed's network map puts Kometa on media_enrichment; the running lab had it on
    // proxy_network only (NET-5). The seed wins; proxy_network stays, it reaches plex:32400 there.
    networks: ["media_enrichment", "proxy_network"],
    user: lab.mediaUserSpec,
    env: {
      TZ: lab.timezone,
      KOMETA_TIMES: "03:00",
      KOMETA_RUN: "false",
      // "false" in the lab, where config.yml was a writable host file. It is a read-only secret
      // now, and Kometa fails when it cannot write back a config it is allowed to rewrite.
      KOMETA_READ_ONLY_CONFIG: "true",
    },
    secretFiles: [{ target: "/config/config.yml", value: opTemplateFile("kometa-config.yml") }],
    mounts: [bind(lab.appdata("media/kometa/config"), "/config")],
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3, "30s"),
  };

  // A job in the lab (restart none) that nevertheless serves a web UI; the provider has no job
  // mode, so it is a normal service.
  const titlecardmaker: ServiceSpec = {
    name: "titlecardmaker",
    image: "collinheist/titlecardmaker:latest",
    networks: ["media_enrichment", "proxy_network"],
    sites: [{ host: "titlecards", port: 4242 }],
    homepage: { group: "Media", name: "TitleCardMaker", icon: "mdi-card-text-outline", description: "TV episode title cards" },
    monitors: [
      // Its own web UI (no health path is documented); redirects it issues stay inside the app.
      httpMonitor("titlecardmaker", "TitleCardMaker", "http://titlecardmaker:4242/", { maxRedirects: 10 }),
    ],
    env: lab.mediaEnv,
    // The image starts as root and drops to PUID:PGID, so the file is owned by the media user.
    secretFiles: [
      {
        target: "/config/preferences.yml",
        value: opTemplateFile("preferences.yml"),
        ...lab.mediaUser,
      },
    ],
    mounts: [bind(lab.appdata("media/titlecardmaker/config"), "/config"), bind(lab.media(""), "/data")],
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.25", memory: "256M" },
  };

  const posterizarr: ServiceSpec = {
    name: "posterizarr",
    image: "ghcr.io/fscorrupt/posterizarr:latest",
    networks: ["media_enrichment", "proxy_network"],
    user: lab.mediaUserSpec,
    sites: [{ host: "posterizarr", port: 8000 }],
    homepage: { group: "Media", name: "Posterizarr", icon: "mdi-image-frame", description: "Automated poster generation" },
    monitors: [
      // Its own web UI (no health path is documented); redirects it issues stay inside the app.
      httpMonitor("posterizarr", "Posterizarr", "http://posterizarr:8000/", { maxRedirects: 10 }),
    ],
    env: { TZ: lab.timezone },
    mounts: [
      bind(lab.appdata("media/posterizarr/config"), "/config"),
      bind(lab.appdata("media/posterizarr/assets"), "/assets"),
    ],
    limits: { cpus: "2", memory: "1024M" },
    reservations: { cpus: "0.25", memory: "256M" },
    restart: restartUpTo(3),
  };

  return {
    name: "application_media_enrichment",
    tier: "application",
    description: "Kometa, TitleCardMaker and Posterizarr",
    networks: [{ key: "media_enrichment", attachable: false, purpose: "Kometa, TitleCardMaker and Posterizarr (the seed puts Kometa here; the running lab had it on proxy_network only, NET-5)" }],
    services: [kometa, titlecardmaker, posterizarr],
  };
});
