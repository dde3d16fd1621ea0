/**
 * The vocabulary the lab is written in.
 *
 * Every stack file under `lab/stacks/` is a `defineStack(...)` call that returns plain data in these
 * types. Nothing here creates resources: the components in `components/` turn this data into Pulumi
 * resources, and the pure functions in `lib/` derive labels, names and specs from it, so that docs,
 * policies and the drift report can later be derived from the same declaration.
 */

// ─── Secrets ─────────────────────────────────────────────────────────────────────────────────────

/** A field of a 1Password item in the lab's vault (the vault itself comes from config). */
export interface OpRef {
  readonly kind: "op";
  readonly item: string;
  readonly field: string;
  /** The field holds base64 (e.g. a JSON credentials file); deliver the decoded bytes. */
  readonly decode?: "base64";
}

/**
 * A text with `{{ op://<item>/<field> }}` placeholders, rendered with the fields' values. Used where
 * an application wants a secret embedded in a larger value (a connection URL, a config file).
 */
export type OpTemplate =
  | { readonly kind: "template"; readonly text: string }
  /** The template text lives in a file of the stack's folder (`lab/stacks/<tier>/<stack>/`), for whole config files. */
  | { readonly kind: "template"; readonly file: string };

/**
 * A secret the program itself produces while it runs, rather than one read from 1Password: the
 * Cloudflare tunnel's token exists only once the tunnel does. It can be delivered as a whole secret
 * file or file-variable, never inside a template or env file.
 */
export interface ProgramSecret {
  readonly kind: "program";
  readonly name: ProgramSecretName;
}

/** The secrets the program produces (see `ProgramSecret`). */
export type ProgramSecretName = "cloudflare-tunnel-token";

export type SecretValue = OpRef | OpTemplate | ProgramSecret;

/** A field of a 1Password item. `op("sonarr", "SONARR_POSTGRES_PASS")`. */
export function op(item: string, field: string, options: { decode?: "base64" } = {}): OpRef {
  return options.decode ? { kind: "op", item, field, decode: options.decode } : { kind: "op", item, field };
}

/** A secret the program produces, e.g. `programSecret("cloudflare-tunnel-token")`. */
export function programSecret(name: ProgramSecretName): ProgramSecret {
  return { kind: "program", name };
}

/** A text with `{{ op://item/field }}` placeholders. */
export function opTemplate(text: string): OpTemplate {
  return { kind: "template", text };
}

/** A file of the stack's folder with `{{ op://item/field }}` placeholders, e.g. an app's config. */
export function opTemplateFile(file: string): OpTemplate {
  return { kind: "template", file };
}

/**
 * How a service that wants a secret in an environment variable gets it without the value ever
 * being in its environment spec. Images differ, so the style is chosen per service.
 */
export type SecretEnvDelivery =
  /**
   * The image reads the variable from a file named by another variable. `variable` and `value`
   * are patterns: `{name}` is the variable's name, `{path}` the mounted secret file.
   */
  | { readonly kind: "file-variable"; readonly variable: string; readonly value: string }
  /**
   * The image knows no file convention: all the service's secret variables go into one env file,
   * mounted as a swarm secret and sourced by `/bin/sh` before `exec`-ing `command`.
   */
  | { readonly kind: "env-file"; readonly command: readonly string[] };

export const SecretEnv = {
  /** Official postgres and timescaledb images: `POSTGRES_PASSWORD_FILE=/run/secrets/...`. */
  postgres: { kind: "file-variable", variable: "{name}_FILE", value: "{path}" },
  /** Grafana: `GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/...`. */
  grafana: { kind: "file-variable", variable: "{name}__FILE", value: "{path}" },
  /** linuxserver.io images: `FILE__SONARR__POSTGRES__PASSWORD=/run/secrets/...`. */
  linuxserver: { kind: "file-variable", variable: "FILE__{name}", value: "{path}" },
  /** cloudflared 2025.4.0 and later: `TUNNEL_TOKEN_FILE=/run/secrets/...`. */
  cloudflared: { kind: "file-variable", variable: "{name}_FILE", value: "{path}" },
  /** Authentik reads `file://` URIs in any of its variables. */
  authentik: { kind: "file-variable", variable: "{name}", value: "file://{path}" },
  /** Any image with `/bin/sh`: source an env-file secret, then exec the image's real command. */
  envFile: (command: readonly string[]): SecretEnvDelivery => ({ kind: "env-file", command }),
} as const satisfies Record<string, SecretEnvDelivery | ((command: readonly string[]) => SecretEnvDelivery)>;

/** A secret delivered as a file (a credentials file, a rendered config that holds secrets). */
export interface SecretFile {
  /** Absolute path in the container. */
  readonly target: string;
  readonly value: SecretValue;
  /** @default the service's numeric user, else 0 */
  readonly uid?: number;
  /** @default the service's numeric group, else 0 */
  readonly gid?: number;
  /** @default 0o440 when an owner is known, else 0o444 (Docker's default) */
  readonly mode?: number;
}

// ─── Files, mounts, networks ─────────────────────────────────────────────────────────────────────

/** A non-secret file shipped with the stack as a swarm config (replaces repo-relative binds). */
export interface ConfigFile {
  /** Path in the stack's folder (`lab/stacks/<tier>/<stack>/`), e.g. `"prometheus.yml"`. */
  readonly file: string;
  /** Absolute path in the container. */
  readonly target: string;
  /** @default 0o444 */
  readonly mode?: number;
}

export type Mount =
  | {
      readonly type: "bind";
      readonly source: string;
      readonly target: string;
      readonly readOnly?: boolean;
      /**
       * Why the service needs this host path. Required for `/` and system paths (`/proc`, `/sys`,
       * `/dev`, `/etc`, ...: see lib/host-paths.ts), which give a container a view of the node
       * itself; the review shows it beside the mount.
       */
      readonly reason?: string;
    }
  /** A named volume of the stack; its swarm name is `<stack>_<name>`, as `docker stack deploy` names it. */
  | { readonly type: "volume"; readonly name: string; readonly target: string; readonly readOnly?: boolean }
  | { readonly type: "tmpfs"; readonly target: string; readonly sizeBytes?: number };

export const bind = (source: string, target: string, readOnly = false): Mount => ({ type: "bind", source, target, readOnly });
export const bindRO = (source: string, target: string): Mount => bind(source, target, true);
/** A bind of a host system path (`/`, `/proc`, `/sys`, `/dev/dri`, ...) with its reason; read-only unless told. */
export const hostBind = (source: string, target: string, reason: string, options: { readOnly?: boolean } = {}): Mount => ({
  type: "bind",
  source,
  target,
  readOnly: options.readOnly ?? true,
  reason,
});
export const volume = (name: string, target: string): Mount => ({ type: "volume", name, target });
export const tmpfs = (target: string, sizeBytes?: number): Mount => ({ type: "tmpfs", target, sizeBytes });

/** Where the Docker socket lives on every node. Only `socketProxy()` services may mount it. */
export const DOCKER_SOCKET = "/var/run/docker.sock";

// ─── Ingress ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Who authenticates a site's visitors. Forward auth through Authentik is the default; anything
 * else is an explicit opt-out that carries its reason, so the exceptions can be reviewed.
 */
export type SiteAuth =
  | { readonly kind: "authentik" }
  | { readonly kind: "own"; readonly reason: string }
  | { readonly kind: "none"; readonly reason: string };

export const Auth = {
  authentik: { kind: "authentik" } as SiteAuth,
  /** The application authenticates its users itself (Plex, Jellyfin, Authentik, ...). */
  own: (reason: string): SiteAuth => ({ kind: "own", reason }),
  /** Deliberately open (invite links, a public badge API). */
  none: (reason: string): SiteAuth => ({ kind: "none", reason }),
};

/**
 * Where the ingress controller (Caddy) answers for itself, so a monitor can check Caddy and nothing
 * behind it: plain HTTP on its own port, reachable on its overlay networks only (not published).
 */
export const INGRESS_HEALTH = { port: 2080, path: "/healthz" } as const;

/** One Caddy site served by a service. */
export interface Site {
  /**
   * The site's host: a label relative to its zone (`"sonarr"` is `sonarr.<internalDomain>`, `"*"`
   * the zone's wildcard) or a full name inside that zone. Each host is declared once; from it the
   * program derives the Caddy site, the internal DNS record and, when public, the tunnel rule and
   * the public DNS record.
   */
  readonly host: string;
  /**
   * Served to the internet: the host lives in the public zone (`<domain>`), reaches Caddy through
   * the Cloudflare tunnel, and gets a proxied Cloudflare record. @default false (LAN only)
   */
  readonly public?: boolean;
  /** Port the service listens on; renders `reverse_proxy {{upstreams PORT}}`. */
  readonly port?: number;
  /** A literal upstream (`host:port`) instead of the service's own tasks. */
  readonly upstream?: string;
  /** @default Auth.authentik */
  readonly auth?: SiteAuth;
  /** Further directives under the site, keyed relative to it (`"reverse_proxy.flush_interval": "-1"`). */
  readonly directives?: Readonly<Record<string, string>>;
}

// ─── Dashboard and monitoring metadata ───────────────────────────────────────────────────────────

export interface HomepageEntry {
  readonly group: string;
  readonly name: string;
  readonly icon: string;
  readonly description: string;
  /** @default https://<first site's host>, when the service has a site */
  readonly href?: string;
  /** Widget settings: `type`, `url`, `key`, ... (values may use Homepage's `{{HOMEPAGE_VAR_*}}`). */
  readonly widget?: Readonly<Record<string, string>>;
}

/** An Uptime Kuma monitor or notification created by AutoKuma from `kuma.<id>.<type>.<setting>` labels. */
export interface KumaMonitor {
  readonly id: string;
  readonly type: string;
  /** Settings such as name, url, interval, maxretries, keyword, max_redirects. */
  readonly settings: Readonly<Record<string, string>>;
  /**
   * The HTTP status codes that mean "up", as codes or ranges (`["200-299"]`). Accept only what
   * proves the app answered: a redirect to a login page proves nothing. @default Uptime Kuma's, 200-299
   */
  readonly acceptedStatusCodes?: readonly string[];
}

export interface HttpMonitorOptions {
  /** @default ["200-299"] */
  readonly accepted?: readonly string[];
  /**
   * Redirects to follow. A direct check of an app's health path needs none, and following one
   * could end on some other service's login page. @default 0
   */
  readonly maxRedirects?: number;
  /** Further AutoKuma settings (`interval`, `maxretries`, ...), overriding the defaults. */
  readonly settings?: Readonly<Record<string, string>>;
}

/**
 * The lab's usual monitor: an HTTP check every 60 s, 3 retries, of a URL the app serves itself
 * (on the overlay network by alias and port, never through Authentik's forward auth).
 */
export function httpMonitor(id: string, name: string, url: string, options: HttpMonitorOptions = {}): KumaMonitor {
  return {
    id,
    type: "http",
    settings: { name, url, interval: "60", maxretries: "3", max_redirects: String(options.maxRedirects ?? 0), ...options.settings },
    acceptedStatusCodes: options.accepted ?? ["200-299"],
  };
}

// ─── Services and stacks ─────────────────────────────────────────────────────────────────────────

export interface Resources {
  /** CPUs as a decimal string or number, e.g. "0.5". */
  readonly cpus?: string | number;
  /** Memory such as "512M", "1G", "2048M". */
  readonly memory?: string;
}

export interface Healthcheck {
  /** Docker's test form: `["CMD", ...]`, `["CMD-SHELL", "..."]`, or `["NONE"]` to disable the image's. */
  readonly test: readonly string[];
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly startPeriod?: string;
}

export interface RestartPolicy {
  readonly condition: "any" | "on-failure" | "none";
  /** @default "5s" */
  readonly delay?: string;
  /** 0 means unlimited. @default 0 */
  readonly maxAttempts?: number;
  /** @default "0s" */
  readonly window?: string;
}

/** The lab's usual bounded restart: `any` failure, up to `maxAttempts` times. */
export function restartUpTo(maxAttempts: number, delay = "5s"): RestartPolicy {
  return { condition: "any", delay, maxAttempts };
}

/** Waits for PostgreSQL to accept connections (official postgres and timescaledb images). */
export function pgIsReady(defaultUser: string): Healthcheck {
  return { test: ["CMD-SHELL", `pg_isready -U \${POSTGRES_USER:-${defaultUser}}`], interval: "10s", timeout: "5s", retries: 5 };
}

export interface PublishedPort {
  readonly target: number;
  readonly published: number;
  /** "host" binds the port on the node that runs the task; "ingress" uses the routing mesh. */
  readonly mode: "host" | "ingress";
  /** @default "tcp" */
  readonly protocol?: "tcp" | "udp";
  /**
   * Why the port is published. Required for a routing-mesh port on a service with a Caddy site:
   * every node then answers on it, past Caddy and Authentik. The review shows it beside the port.
   */
  readonly reason?: string;
}

export interface ServiceSpec {
  /** Short name. The swarm service is `<stack>_<name>`, and `<name>` is its alias on every network. */
  readonly name: string;
  /**
   * `repo:tag` (deployed as `repo:tag@<digest>` from the image lock, `lab/images.lock.json`, kept
   * current by `npm run images -- --update`) or `repo:tag@sha256:...` (pinned as written).
   */
  readonly image: string;
  /**
   * Deploy the tag without a digest, and why. The engine then pins the tag itself on create, so
   * the next preview shows a one-time image diff for this service (docs/images.md). @default pinned
   */
  readonly unpinned?: string;
  /** Network keys: a shared network (`lab/networks.ts`) or one of this stack's own networks. */
  readonly networks: readonly string[];
  /**
   * Keeps state on node-local storage (SQLite, TSDB, a GPU): pinned to the storage node named in
   * config. Everything else floats. @default false
   */
  readonly stateful?: boolean;
  /** `"global"` runs one task per node. @default 1 replica */
  readonly replicas?: number | "global";
  readonly sites?: readonly Site[];
  readonly homepage?: HomepageEntry;
  readonly monitors?: readonly KumaMonitor[];
  /** Plain, non-secret environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Secret environment variables; delivered as files, per `secretEnvDelivery`. */
  readonly secretEnv?: Readonly<Record<string, SecretValue>>;
  /** Required when `secretEnv` is set: how this image takes secrets from files. */
  readonly secretEnvDelivery?: SecretEnvDelivery;
  readonly secretFiles?: readonly SecretFile[];
  readonly configs?: readonly ConfigFile[];
  readonly mounts?: readonly Mount[];
  /** `uid:gid` or a name. @default the image's */
  readonly user?: string;
  /** Entrypoint override. @default the image's */
  readonly entrypoint?: readonly string[];
  /** Command (arguments to the entrypoint). @default the image's */
  readonly command?: readonly string[];
  readonly healthcheck?: Healthcheck;
  readonly limits?: Resources;
  readonly reservations?: Resources;
  /** @default { condition: "any", delay: "5s" } */
  readonly restart?: RestartPolicy;
  readonly ports?: readonly PublishedPort[];
  /** Extra /etc/hosts entries, `{ "host.docker.internal": "host-gateway" }`. */
  readonly extraHosts?: Readonly<Record<string, string>>;
  readonly stopGracePeriod?: string;
  /** Run an init process as PID 1. */
  readonly init?: boolean;
  /**
   * Raw service labels beyond the derived ones. Caddy labels here are judged like the derived ones
   * (lab validation); Caddy's global options are derived from config, never written here.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * `socket-proxy`: set only by `socketProxy()`, the one kind of service allowed to mount the
   * Docker socket. `ingress-controller`: the Caddy service; it defines the forward-auth snippet
   * every protected site imports, and the tunnel sends public traffic to it.
   */
  readonly role?: "socket-proxy" | "ingress-controller";
}

/** A network owned by one stack (created with it, named `<stack>_<key>`). */
export interface StackNetwork {
  readonly key: string;
  /** @default true */
  readonly attachable?: boolean;
  readonly purpose: string;
}

/** A secret published by a stack for clients outside the program (not mounted by its services). */
export interface PublishedSecret {
  /** Swarm secret name before the content hash, e.g. `op_connect_token`. */
  readonly name: string;
  readonly value: SecretValue;
  readonly reason: string;
}

export type Tier = "infrastructure" | "platform" | "application";
export const TIERS: readonly Tier[] = ["infrastructure", "platform", "application"];

export interface StackSpec {
  /** The `docker stack deploy` name of the stack; prefixes every service and network it owns. */
  readonly name: string;
  readonly tier: Tier;
  readonly description: string;
  readonly networks?: readonly StackNetwork[];
  readonly services: readonly ServiceSpec[];
  readonly publishedSecrets?: readonly PublishedSecret[];
  /**
   * Stacks whose services this one needs at runtime (e.g. `platform_postgres` for a database), so
   * that `up` creates those first. Everything else is created in parallel. @default []
   */
  readonly dependsOn?: readonly string[];
  /**
   * The folder, from `lab/`, that holds the stack file and the files it ships (its configs' `file`
   * and template files are named from there). @default `stacks/<tier>/<name>`, the name without
   * its tier's prefix and with `-` for `_` (lib/lab-files.ts)
   */
  readonly folder?: string;
}

// ─── The context a stack file is written against ─────────────────────────────────────────────────

/** Lab-wide settings from config that stack files may use; no resources, no secrets. */
export interface LabContext {
  readonly domain: string;
  readonly internalDomain: string;
  readonly timezone: string;
  readonly acmeEmail: string;
  readonly mediaUser: { readonly uid: number; readonly gid: number };
  /** The media user as a container `user` ("uid:gid"). */
  readonly mediaUserSpec: string;
  /** PUID, PGID and TZ, as linuxserver.io-style images take them. */
  readonly mediaEnv: Readonly<Record<"PUID" | "PGID" | "TZ", string>>;
  /** Host name of the node that holds the lab's storage. */
  readonly storageNode: string;
  /** Whether this stack of the program uses Cloudflare (public tunnel, DNS-01 certificates). */
  readonly cloudflare: boolean;
  /** `<appdata root>/<path>`: per-service configuration and state on the storage node. */
  appdata(path: string): string;
  /** `<media root>/<path>`: bulk media and downloads. */
  media(path: string): string;
  /** `<backups root>/<path>`. */
  backups(path: string): string;
  /** The node engine's data root (TrueNAS keeps it under /mnt/.ix-apps/docker). */
  dockerRoot(path: string): string;
  /** `<name>.<internalDomain>`. */
  internalHost(name: string): string;
  /** `<name>.<domain>`. */
  publicHost(name: string): string;
}

export type StackDefinition = (lab: LabContext) => StackSpec;

/** Marks a stack file's export; keeps stack files free of imports other than this module. */
export function defineStack(definition: StackDefinition): StackDefinition {
  return definition;
}

// ─── Removals ────────────────────────────────────────────────────────────────────────────────────

/**
 * A stack, or a stateful service, taken out of the lab on purpose. Without an entry in
 * `lab/removed.ts`, a stack or stateful service that was deployed and is no longer declared stops
 * the program: deleting it must be a decision, never the side effect of a typo.
 */
export interface Removal {
  readonly stack: string;
  /** Only this service of the stack (its short name); absent: the whole stack. */
  readonly service?: string;
  readonly reason: string;
}
