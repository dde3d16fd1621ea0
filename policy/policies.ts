import * as path from "node:path";
import type { CustomResource } from "@pulumi/pulumi";
import { type ResourceValidationArgs, type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { FORWARD_AUTH_EXCEPTIONS } from "./forward-auth-exceptions";
import { HOST_PORTS } from "./host-ports";
import { SHARED_STORAGE_ROOTS } from "./shared-storage";

/**
 * The lab's architecture as policies, checked on every resource the engine is about to register.
 * This module only declares them: constructing a PolicyPack starts the analyzer's gRPC server, so
 * that happens in index.ts alone, and the tests call each `validateResource` directly.
 *
 * Policies see resource inputs as plain JSON: @pulumi/policy 1.21 unwraps Pulumi secrets before a
 * validation runs (server.js deserialises with secrets dropped; only remediations get them back),
 * and a property whose value is unknown during preview throws when read, which the SDK reports as
 * an advisory "can't run ... during preview". The checks therefore read only what they need, and
 * read known parts first. Messages never quote a value that might be secret.
 */

// ─── Resource types ──────────────────────────────────────────────────────────────────────────────

/** Inputs as the engine sends them: untrusted JSON, so every field is optional. */
export interface LabelProps {
  readonly label?: string;
  readonly value?: string;
}

export interface MountProps {
  readonly type?: string;
  readonly source?: string;
  readonly target?: string;
  readonly readOnly?: boolean;
  readonly volumeOptions?: { readonly driverName?: string; readonly driverOptions?: Readonly<Record<string, string>> };
}

export interface PortProps {
  readonly targetPort?: number;
  readonly publishedPort?: number;
  readonly publishMode?: string;
  readonly protocol?: string;
}

export interface ServiceProps {
  readonly name?: string;
  readonly labels?: readonly LabelProps[];
  readonly mode?: { readonly global?: boolean; readonly replicated?: { readonly replicas?: number } };
  readonly taskSpec?: {
    readonly containerSpec?: {
      readonly image?: string;
      readonly env?: Readonly<Record<string, string>>;
      readonly mounts?: readonly MountProps[];
    };
    readonly placement?: { readonly constraints?: readonly string[] };
  };
  readonly endpointSpec?: { readonly ports?: readonly PortProps[] };
}

export interface SecretProps {
  readonly name?: string;
  readonly data?: string;
}

export interface DnsRecordProps {
  readonly name?: string;
  readonly type?: string;
  readonly content?: string;
  readonly proxied?: boolean;
  readonly ttl?: number;
}

export interface TunnelIngressProps {
  readonly hostname?: string;
  readonly path?: string;
  readonly service?: string;
}

export interface TunnelConfigProps {
  readonly config?: { readonly ingresses?: readonly TunnelIngressProps[] };
}

export const RESOURCE_TYPES = {
  service: "docker:index/service:Service",
  secret: "docker:index/secret:Secret",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  tunnelConfig: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
} as const;

/** The component the program parents its tunnel, tunnel rules and public records to. */
export const PUBLIC_INGRESS_TYPE = "homelab:cloudflare:PublicIngress";

type ResourceClass<TProps> = { new (name: string, props: TProps, ...rest: any[]): CustomResource; readonly __pulumiType: string };

/**
 * What `validateResourceOfType` needs from a resource class: its type token (`__pulumiType`, which
 * also lets the SDK skip other types without calling the policy). A marker instead of the provider
 * SDK's class keeps @pulumi/docker and @pulumi/cloudflare out of the analyzer process.
 */
function resourceType<TProps>(token: string): ResourceClass<TProps> {
  const marker = class {
    static readonly __pulumiType = token;
    constructor() {
      throw new Error(`${token}: a type marker for policies, not a resource`);
    }
  };
  return marker as unknown as ResourceClass<TProps>;
}

const DockerService = resourceType<ServiceProps>(RESOURCE_TYPES.service);
const DockerSecret = resourceType<SecretProps>(RESOURCE_TYPES.secret);
const DnsRecord = resourceType<DnsRecordProps>(RESOURCE_TYPES.dnsRecord);
const TunnelConfig = resourceType<TunnelConfigProps>(RESOURCE_TYPES.tunnelConfig);

// ─── Helpers ─────────────────────────────────────────────────────────────────────────────────────

/** Service label naming its architectural role (lib/naming.ts in the program). */
export const ROLE_LABEL = "homelab.role";

/**
 * A plain copy of an input array, read by index: the SDK hands over proxies that check every read
 * for unknown values, and the copy keeps Array methods off them.
 */
function list<T>(value: readonly T[] | undefined | null): T[] {
  const out: T[] = [];
  if (!Array.isArray(value)) return out;
  for (let index = 0; index < value.length; index++) out.push(value[index] as T);
  return out;
}

function labelsOf(service: ServiceProps): Map<string, string> {
  const labels = new Map<string, string>();
  for (const entry of list(service.labels)) {
    if (typeof entry?.label === "string") labels.set(entry.label, typeof entry.value === "string" ? entry.value : "");
  }
  return labels;
}

function nameOf(service: ServiceProps, args: ResourceValidationArgs): string {
  return typeof service.name === "string" ? service.name : args.name;
}

function containerOf(service: ServiceProps) {
  return service.taskSpec?.containerSpec ?? {};
}

function normalise(hostPath: string): string {
  const normal = path.posix.normalize(hostPath);
  return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}

function isUnder(hostPath: string, root: string): boolean {
  const candidate = normalise(hostPath);
  const base = normalise(root);
  return base === "/" || candidate === base || candidate.startsWith(`${base}/`);
}

/** Config values are JSON the operator wrote; take only entries of the expected shape. */
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item.length > 0) : [];
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].trim().length > 0));
}

function sharedRoots(args: ResourceValidationArgs): string[] {
  return [...SHARED_STORAGE_ROOTS, ...stringList(args.getConfig<{ sharedStorageRoots?: unknown }>().sharedStorageRoots).filter((root) => root.startsWith("/"))];
}

/** `node.hostname == x`, `node.id == x`, `node.labels.k == v`: constraints that fix the node. */
const PIN_CONSTRAINT = /^\s*node\.(?:hostname|id|labels\.[^\s=!]+)\s*==\s*\S+/;

export function isPinned(service: ServiceProps): boolean {
  return list(service.taskSpec?.placement?.constraints).some((constraint) => typeof constraint === "string" && PIN_CONSTRAINT.test(constraint));
}

function isGlobal(service: ServiceProps): boolean {
  return service.mode?.global === true;
}

const SHARED_VOLUME_TYPES = new Set(["nfs", "nfs4", "cifs", "smb"]);

// ─── Docker socket ───────────────────────────────────────────────────────────────────────────────

export const SOCKET_PROXY_ROLE = "socket-proxy";
/** Directories whose only business in a container is the sockets they hold, the engine's among them. */
const SOCKET_DIRECTORIES = ["/run", "/var/run"];
/** Broader directories that contain the socket too, but have other legitimate uses (a rootfs view). */
const SOCKET_ANCESTORS = ["/", "/var"];

/** How a mount exposes the Docker socket: the socket itself, its directory, or a wider ancestor. */
function socketExposure(mount: MountProps): "socket" | "directory" | "ancestor" | undefined {
  if (mount?.type !== "bind" || typeof mount.source !== "string") return undefined;
  const source = normalise(mount.source);
  if (path.posix.basename(source) === "docker.sock") return "socket";
  if (SOCKET_DIRECTORIES.includes(source)) return "directory";
  if (SOCKET_ANCESTORS.includes(source)) return "ancestor";
  return undefined;
}

export const dockerSocketOnlyInSocketProxy: ResourceValidationPolicy = {
  name: "docker-socket-only-in-socket-proxy",
  description:
    "Only socket-proxy services (label homelab.role=socket-proxy) mount the Docker socket (or /run, /var/run, which hold it); they mount it read-only and keep write endpoints off (POST is \"0\" or unset).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const isProxy = labelsOf(service).get(ROLE_LABEL) === SOCKET_PROXY_ROLE;
    const exposing = list(containerOf(service).mounts).filter((mount) => {
      const exposure = socketExposure(mount);
      return exposure === "socket" || exposure === "directory";
    });
    if (exposing.length === 0) return;
    if (!isProxy) {
      for (const mount of exposing) {
        reportViolation(
          `${name} mounts ${mount.source} (the Docker socket${socketExposure(mount) === "directory" ? "'s directory" : ""}) but is not a socket proxy: ` +
            `reach the engine through a docker-socket-proxy service (lab/shared/socket-proxy.ts) instead.`,
        );
      }
      return;
    }
    for (const mount of exposing) {
      if (mount.readOnly !== true) reportViolation(`${name} is a socket proxy but mounts ${mount.source} writable: mount it read-only.`);
    }
    const env = containerOf(service).env ?? {};
    if (Object.prototype.hasOwnProperty.call(env, "POST") && env.POST !== "0") {
      reportViolation(`${name} is a socket proxy with POST enabled: set POST to "0" (or leave it unset) so the proxy refuses every write.`);
    }
  }),
};

export const dockerSocketAncestorNotMounted: ResourceValidationPolicy = {
  name: "docker-socket-ancestor-not-mounted",
  description:
    "Services other than socket proxies should not bind / or /var: those views contain the Docker socket, and a read-only mount does not stop connect() on a socket.",
  enforcementLevel: "advisory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    if (labelsOf(service).get(ROLE_LABEL) === SOCKET_PROXY_ROLE) return;
    for (const mount of list(containerOf(service).mounts)) {
      if (socketExposure(mount) !== "ancestor") continue;
      reportViolation(
        `${nameOf(service, args)} binds ${mount.source}, which contains the Docker socket (/run/docker.sock); read-only does not prevent connecting to it. ` +
          `Bind only the subdirectories it needs, or make sure its user cannot open the socket.`,
      );
    }
  }),
};

// ─── Forward auth on Caddy sites ─────────────────────────────────────────────────────────────────

/** The Caddy snippet every protected site imports; the ingress controller defines it. */
export const FORWARD_AUTH_SNIPPET = "authentik_forward_auth";
export const INGRESS_CONTROLLER_ROLE = "ingress-controller";

/** `caddy`, `caddy_1`, ...: the label that opens a site block (or defines a snippet, `(name)`). */
const CADDY_BLOCK = /^caddy(?:_\d+)?$/;

interface CaddyBlocks {
  readonly sites: readonly { readonly prefix: string; readonly address: string }[];
  readonly snippets: readonly { readonly prefix: string; readonly name: string }[];
}

function caddyBlocks(labels: ReadonlyMap<string, string>): CaddyBlocks {
  const sites: { prefix: string; address: string }[] = [];
  const snippets: { prefix: string; name: string }[] = [];
  for (const [key, value] of labels) {
    if (!CADDY_BLOCK.test(key)) continue;
    const text = value.trim();
    if (text === "") continue; // a global options block
    const snippet = /^\((.+)\)$/.exec(text);
    if (snippet) snippets.push({ prefix: key, name: snippet[1]! });
    else sites.push({ prefix: key, address: text });
  }
  return { sites, snippets };
}

/**
 * Direct children of `parent` among the labels, as caddy-docker-proxy reads keys: `<N>_directive`
 * orders siblings, `directive_<N>` lets a directive repeat (`handle_0`, `handle_1`).
 */
function children(labels: ReadonlyMap<string, string>, parent: string) {
  const found = new Map<string, { order: number | undefined; directive: string; value: string }>();
  for (const key of labels.keys()) {
    if (!key.startsWith(`${parent}.`)) continue;
    const segment = key.slice(parent.length + 1).split(".")[0]!;
    if (found.has(segment)) continue;
    const ordered = /^(\d+)_(.+)$/.exec(segment);
    found.set(segment, {
      order: ordered ? Number(ordered[1]) : undefined,
      directive: (ordered ? ordered[2]! : segment).replace(/_\d+$/, ""),
      value: labels.get(`${parent}.${segment}`) ?? "",
    });
  }
  return [...found.entries()].map(([segment, child]) => ({ segment, ...child }));
}

const importsSnippet = (value: string) => value.trim().split(/\s+/)[0] === FORWARD_AUTH_SNIPPET;

/** Site-level directives Caddy runs before `route` that can answer a request themselves. */
const HANDLERS_BEFORE_ROUTE = new Set(["handle", "handle_path"]);

/**
 * A site is protected when it imports the snippet for every request: at the site's top level
 * (Caddy orders `forward_auth` before `handle`, `route` and `reverse_proxy`), or as the first
 * handler of a `route` without matcher (a route keeps its handlers in the written order) when no
 * `handle` block, which Caddy runs before `route`, can answer first.
 */
function siteProtected(labels: ReadonlyMap<string, string>, prefix: string): boolean {
  const site = children(labels, prefix);
  if (site.some((child) => child.directive === "import" && importsSnippet(child.value))) return true;
  if (site.some((child) => HANDLERS_BEFORE_ROUTE.has(child.directive))) return false;
  const routeMatcher = (labels.get(`${prefix}.route`) ?? "").trim();
  if (routeMatcher !== "") return false;
  const handlers = children(labels, `${prefix}.route`);
  const auth = handlers.find((child) => child.directive === "import" && importsSnippet(child.value));
  if (!auth) return false;
  return handlers.every(
    (child) => child === auth || (auth.order !== undefined && child.order !== undefined && child.order > auth.order),
  );
}

function forwardAuthExceptions(args: ResourceValidationArgs): Record<string, string> {
  return { ...FORWARD_AUTH_EXCEPTIONS, ...stringRecord(args.getConfig<{ exceptions?: unknown }>().exceptions) };
}

export const caddySitesUseForwardAuth: ResourceValidationPolicy = {
  name: "caddy-sites-use-forward-auth",
  description:
    "Every Caddy site a service declares (labels caddy, caddy_N) imports the authentik_forward_auth snippet before its handlers, unless the service is a listed exception with a reason; the ingress controller defines that snippet.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      exceptions: {
        type: "object",
        description: "Further swarm service names whose sites may skip forward auth, each with its reason.",
        additionalProperties: { type: "string", minLength: 1 },
      },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const labels = labelsOf(service);
    const { sites, snippets } = caddyBlocks(labels);

    if (labels.get(ROLE_LABEL) === INGRESS_CONTROLLER_ROLE) {
      const defined = snippets.some(
        (snippet) => snippet.name === FORWARD_AUTH_SNIPPET && children(labels, snippet.prefix).some((child) => child.directive === "forward_auth"),
      );
      if (!defined) {
        reportViolation(`${name} is the ingress controller but defines no (${FORWARD_AUTH_SNIPPET}) snippet with a forward_auth directive; every protected site imports it.`);
      }
    }

    if (sites.length === 0 || forwardAuthExceptions(args)[name] !== undefined) return;
    for (const site of sites) {
      if (siteProtected(labels, site.prefix)) continue;
      reportViolation(
        `${name}: site "${site.address}" (label ${site.prefix}) is served without Authentik forward auth. ` +
          `Import the snippet before its handlers ("${site.prefix}.route.0_import: ${FORWARD_AUTH_SNIPPET}", the lab's default Auth.authentik), ` +
          `or, if the application must stay open, declare the site Auth.own/Auth.none with its reason and list ${name} in policy/forward-auth-exceptions.ts.`,
      );
    }
  }),
};

// ─── Secrets in environment variables ────────────────────────────────────────────────────────────

/** Variable names that announce a secret. `PASS` and `PSK` only as whole words (not PASSTHROUGH). */
const SECRET_NAME =
  /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|AUTH_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|LICENSE_?KEY|(?:^|_)PASS(?:_|$)|(?:^|_)PSK(?:_|$)/i;
/** `<NAME>_FILE`, `<NAME>__FILE` (postgres, grafana, cloudflared) and `FILE__<NAME>` (linuxserver.io). */
const FILE_VARIABLE = /_FILE$|^FILE__./i;
/** Values that are switches, never secrets (`SECRETS=0` on a socket proxy, `..._ENABLED=true`). */
const FLAG_VALUE = /^(?:|0|1|true|false|yes|no|on|off|enabled?|disabled?)$/i;
/** `scheme://user:password@host`: credentials inside a connection URL, whatever the variable's name. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Where a secret-named variable is allowed to point: a file the secret is mounted as. */
export function pointsAtFile(name: string, value: string): boolean {
  if (FILE_VARIABLE.test(name)) return value.startsWith("/");
  return /^file:\/\//i.test(value) || value.startsWith("/run/secrets/");
}

export const envHoldsNoSecretValues: ResourceValidationPolicy = {
  name: "env-holds-no-secret-values",
  description:
    "No environment variable holds a secret value: variables named like secrets (PASSWORD, TOKEN, SECRET, API_KEY, ...) point at mounted files (_FILE, __FILE, FILE__, file://, /run/secrets/), and no value embeds URL credentials or a private key.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedNames: {
        type: "array",
        description: "Variable names that look like secrets but are not (checked case-sensitively).",
        items: { type: "string", minLength: 1 },
      },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const allowed = new Set(stringList(args.getConfig<{ allowedNames?: unknown }>().allowedNames));
    const env = containerOf(service).env ?? {};
    for (const variable of Object.keys(env).sort()) {
      const value = env[variable];
      if (typeof value !== "string") continue;
      if (URL_CREDENTIALS.test(value)) {
        reportViolation(`${name}: ${variable} embeds credentials in a URL (user:password@); deliver the URL as a secret file or env-file secret.`);
        continue;
      }
      if (PRIVATE_KEY_BLOCK.test(value)) {
        reportViolation(`${name}: ${variable} holds a private key; mount it as a swarm secret file instead.`);
        continue;
      }
      if (allowed.has(variable) || !looksLikeSecretName(variable) || FLAG_VALUE.test(value.trim()) || pointsAtFile(variable, value)) continue;
      reportViolation(
        `${name}: ${variable} looks like a secret but holds a literal value (not shown). Deliver it as a swarm secret and point at the file ` +
          `(${variable}_FILE=/run/secrets/..., FILE__${variable}, file:///run/secrets/...), or source an env-file secret (SecretEnv in lab/model.ts).`,
      );
    }
  }),
};

export const swarmSecretDataIsSecret: ResourceValidationPolicy = {
  name: "swarm-secret-data-is-secret",
  description:
    "Every swarm secret has data, and its data is registered as a Pulumi secret (encrypted in state). Policies cannot see input secretness, so this checks the registration's additionalSecretOutputs, which the provider SDK sets together with wrapping the input.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DockerSecret, (secret, args, reportViolation) => {
    const name = typeof secret.name === "string" ? secret.name : args.name;
    // Presence only: reading `data` would throw during a preview where it is still unknown.
    if (!Object.prototype.hasOwnProperty.call(args.props, "data")) reportViolation(`swarm secret ${name} has no data.`);
    if (!list(args.opts.additionalSecretOutputs).includes("data")) {
      reportViolation(
        `swarm secret ${name}: data is not registered as a Pulumi secret (additionalSecretOutputs lacks "data"), so it would be stored in plain text in the state. ` +
          `Create it with @pulumi/docker's Secret (which marks it) or wrap the value in pulumi.secret and add additionalSecretOutputs: ["data"].`,
      );
    }
  }),
};

// ─── State on nodes ──────────────────────────────────────────────────────────────────────────────

/**
 * Mounts that tie a task to the node it runs on: a named volume of the local driver (created empty
 * on whichever node the task lands), a writable bind of a host path outside shared storage
 * (node-local disk, or a device such as /dev/dri). Read-only binds (host introspection, inputs),
 * tmpfs, anonymous volumes and the Docker socket keep no state a task could lose by moving.
 */
function nodeLocalState(service: ServiceProps, roots: readonly string[]): string[] {
  const found: string[] = [];
  for (const mount of list(containerOf(service).mounts)) {
    if (mount?.type === "volume") {
      // An anonymous volume is created afresh for every task: nothing in it survives a reschedule.
      if (typeof mount.source !== "string" || mount.source === "") continue;
      const driver = mount.volumeOptions?.driverName;
      const fsType = mount.volumeOptions?.driverOptions?.type;
      const shared = (driver !== undefined && driver !== "" && driver !== "local") || (typeof fsType === "string" && SHARED_VOLUME_TYPES.has(fsType));
      if (!shared) found.push(`volume ${mount.source}`);
    } else if (mount?.type === "bind" && typeof mount.source === "string" && mount.readOnly !== true) {
      if (socketExposure(mount) === "socket") continue;
      if (!roots.some((root) => isUnder(mount.source!, root))) found.push(`${mount.source.startsWith("/dev/") ? "device" : "bind"} ${mount.source}`);
    }
  }
  return found;
}

const sharedRootsSchema = {
  type: "array" as const,
  description: "Further host paths that are the same storage on every node (NFS), added to policy/shared-storage.ts.",
  items: { type: "string" as const, pattern: "^/" },
};

export const nodeLocalStateIsPinned: ResourceValidationPolicy = {
  name: "node-local-state-is-pinned",
  description:
    "A replicated service that keeps state on its node (a local named volume, a writable bind outside shared storage, a device) has a placement constraint on node.hostname, node.id or a node label, so a rescheduled task finds its state.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { sharedStorageRoots: sharedRootsSchema } },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    // A global service runs one task on every node and never moves: its node-local state stays put.
    if (isGlobal(service) || isPinned(service)) return;
    const roots = sharedRoots(args);
    const state = nodeLocalState(service, roots);
    if (state.length === 0) return;
    reportViolation(
      `${nameOf(service, args)} keeps state on the node it runs on (${state.join(", ")}) but no placement constraint pins it ` +
        `(node.hostname == <node> or node.labels.<label> == <value>): rescheduled elsewhere it would start without that state. ` +
        `Mark it stateful (pinned to the storage node) or keep its data under shared storage (${roots.join(", ")}).`,
    );
  }),
};

/** Engines whose data files need a local disk's locking and fsync semantics (repository base names). */
export const DATABASE_IMAGES: readonly string[] = [
  "postgres",
  "postgresql",
  "postgis",
  "timescaledb",
  "timescaledb-ha",
  "mariadb",
  "mysql",
  "mongo",
  "influxdb",
  "prometheus",
  "couchdb",
  "elasticsearch",
  "opensearch",
  "clickhouse-server",
  "etcd",
];

export const databasesNotFloatingOnSharedStorage: ResourceValidationPolicy = {
  name: "databases-not-floating-on-shared-storage",
  description:
    "A database engine (by image) that writes its files to shared (network) storage should be pinned to the storage node like the lab's other databases, not float between nodes over NFS.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      sharedStorageRoots: sharedRootsSchema,
      databaseImages: { type: "array", description: "Further image base names to treat as databases.", items: { type: "string", minLength: 1 } },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    if (isGlobal(service) || isPinned(service)) return;
    const image = parseImage(containerOf(service).image ?? "");
    if (!image) return;
    const engines = new Set([...DATABASE_IMAGES, ...stringList(args.getConfig<{ databaseImages?: unknown }>().databaseImages)]);
    if (!engines.has(image.repository.split("/").pop()!)) return;
    const roots = sharedRoots(args);
    const shared = list(containerOf(service).mounts).filter(
      (mount) => mount?.type === "bind" && mount.readOnly !== true && typeof mount.source === "string" && roots.some((root) => isUnder(mount.source!, root)),
    );
    for (const mount of shared) {
      reportViolation(
        `${nameOf(service, args)} runs ${image.repository} (a database engine) on shared storage (${mount.source}) and may float between nodes: ` +
          `databases on network storage risk corruption and lose local-disk semantics. Mark it stateful so it is pinned to the storage node.`,
      );
    }
  }),
};

// ─── Published ports ─────────────────────────────────────────────────────────────────────────────

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

// ─── Cloudflare tunnel ───────────────────────────────────────────────────────────────────────────

const TUNNEL_TARGET = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.cfargotunnel\.com\.?$/i;

/** The type of a URN's resource: `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
export function urnType(urn: string | undefined): string | undefined {
  const qualified = urn?.split("::")[2];
  return qualified?.split("$").pop();
}

export const tunnelDnsRecordsAreProxiedCnames: ResourceValidationPolicy = {
  name: "tunnel-dns-records-are-proxied-cnames",
  description:
    "Every DNS record of the public ingress (parented to it, or pointing at cfargotunnel.com) is a proxied CNAME to <tunnel-id>.cfargotunnel.com.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DnsRecord, (record, args, reportViolation) => {
    const underIngress = urnType(args.opts.parent) === PUBLIC_INGRESS_TYPE;
    // Type and proxied are always known; content is unknown in a preview that creates the tunnel,
    // so it is read last (reading it then makes the SDK report "can't run during preview").
    if (!underIngress && !(typeof record.content === "string" && /cfargotunnel\.com\.?$/i.test(record.content))) return;
    const name = typeof record.name === "string" ? record.name : args.name;
    if (record.type !== "CNAME") reportViolation(`tunnel record ${name} is of type ${String(record.type)}: it must be a CNAME to the tunnel.`);
    if (record.proxied !== true) reportViolation(`tunnel record ${name} is not proxied: set proxied: true, or the tunnel's host is published unproxied.`);
    if (typeof record.content !== "string" || !TUNNEL_TARGET.test(record.content)) {
      reportViolation(`tunnel record ${name} points at ${String(record.content)}: it must point at <tunnel-id>.cfargotunnel.com.`);
    }
  }),
};

export const tunnelConfigEndsWithCatchAll: ResourceValidationPolicy = {
  name: "tunnel-config-ends-with-catch-all",
  description:
    "The tunnel's ingress rules end with one catch-all rule (no hostname, no path), and only the last rule is a catch-all.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(TunnelConfig, (tunnel, args, reportViolation) => {
    const rules = list(tunnel.config?.ingresses);
    const last = rules[rules.length - 1];
    if (last === undefined) {
      reportViolation(`${args.name} has no ingress rules: it needs at least the catch-all, e.g. { service: "http_status:404" }.`);
      return;
    }
    for (const [index, rule] of rules.entries()) {
      const catchAll = !rule?.hostname && !rule?.path;
      if (index === rules.length - 1 && !catchAll) {
        reportViolation(`${args.name}: the last ingress rule (${rule?.hostname ?? rule?.path}) is not a catch-all: end with a rule without hostname, e.g. { service: "http_status:404" }.`);
      } else if (index < rules.length - 1 && catchAll) {
        reportViolation(`${args.name}: ingress rule ${index} has no hostname, so it catches everything and hides the rules after it; only the last rule may.`);
      }
    }
  }),
};

// ─── Images ──────────────────────────────────────────────────────────────────────────────────────

export interface ImageReference {
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Splits `[registry[:port]/]path[:tag][@digest]`; undefined when there is no repository at all. */
export function parseImage(reference: string): ImageReference | undefined {
  const text = reference.trim();
  const at = text.indexOf("@");
  const named = at >= 0 ? text.slice(0, at) : text;
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const repository = colon > slash ? named.slice(0, colon) : named;
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  return repository === "" ? undefined : { repository, tag, digest };
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export const imagesHaveTagOrDigest: ResourceValidationPolicy = {
  name: "images-have-tag-or-digest",
  description: "Every service image names an explicit tag or a sha256 digest (no implicit :latest).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const reference = containerOf(service).image;
    const image = typeof reference === "string" ? parseImage(reference) : undefined;
    if (!image) {
      reportViolation(`${name} has no image.`);
      return;
    }
    if (image.digest !== undefined && !DIGEST.test(image.digest)) reportViolation(`${name}: image ${reference} has a malformed digest (expected @sha256:<64 hex>).`);
    if (image.tag !== undefined && !TAG.test(image.tag)) reportViolation(`${name}: image ${reference} has a malformed tag.`);
    if (image.tag === undefined && image.digest === undefined) {
      reportViolation(`${name}: image ${reference} has neither tag nor digest, so it means :latest; name a version (repo:1.2.3) or pin a digest (repo@sha256:...).`);
    }
  }),
};

/** `latest` and its variants (`latest-pg17`): tags that move to whatever was pushed last. */
function isLatestTag(tag: string | undefined): boolean {
  return tag === "latest" || (tag?.startsWith("latest-") ?? false);
}

export const imagesAvoidLatest: ResourceValidationPolicy = {
  name: "images-avoid-latest",
  description: "Service images should not float on :latest (or a latest-* variant) without a digest: each deploy may run something else.",
  enforcementLevel: "advisory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const reference = containerOf(service).image;
    const image = typeof reference === "string" ? parseImage(reference) : undefined;
    if (!image || image.digest !== undefined || !isLatestTag(image.tag)) return;
    reportViolation(`${nameOf(service, args)}: image ${reference} floats on "${image.tag}"; pin a version tag or a digest.`);
  }),
};

// ─── The pack ────────────────────────────────────────────────────────────────────────────────────

export const POLICIES: readonly ResourceValidationPolicy[] = [
  dockerSocketOnlyInSocketProxy,
  dockerSocketAncestorNotMounted,
  caddySitesUseForwardAuth,
  envHoldsNoSecretValues,
  swarmSecretDataIsSecret,
  nodeLocalStateIsPinned,
  databasesNotFloatingOnSharedStorage,
  hostPortsOnlyWhereDeclared,
  tunnelDnsRecordsAreProxiedCnames,
  tunnelConfigEndsWithCatchAll,
  imagesHaveTagOrDigest,
  imagesAvoidLatest,
];
