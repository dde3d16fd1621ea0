import type { Removal } from "../lab/model";
import type { Inventory } from "../evaluation/deletion-safety";

/**
 * The review's picture of one stack of the program: the whole desired state, read back from what
 * the program registered (review/view-builder.ts builds it) and annotated with the declaration's intent
 * (auth and exposure reasons). `npm run render` prints it; review/view-diff.ts compares two of them.
 * No secret value is part of it: secrets by name and mount target, environment variables by name
 * with a digest that shows a change of value without showing the value.
 */

export interface PortView {
  readonly published: number;
  readonly target: number;
  readonly protocol: string;
  /** "ingress": the routing mesh, every node's address. "host": the node that runs the task. */
  readonly mode: string;
  readonly reason?: string;
}

export interface MountView {
  readonly type: string;
  /** Host path (bind), volume name (volume); absent for tmpfs. */
  readonly source?: string;
  readonly target: string;
  readonly readOnly: boolean;
  readonly sizeBytes?: number;
  readonly reason?: string;
}

export interface FileRefView {
  /** The swarm secret's or config's name (its identity, then a digest of its content). */
  readonly name: string;
  /** Where the file appears in the container. */
  readonly target: string;
  /** File mode in octal, e.g. "0440". */
  readonly mode?: string;
  /** `uid:gid` of the file (secrets). */
  readonly owner?: string;
}

export interface SiteView {
  readonly host: string;
  readonly public: boolean;
  /** "authentik", "own: <reason>", "none: <reason>", or "MISSING" (declared protected, not registered so). */
  readonly auth: string;
  /** What the site proxies to (`{{upstreams 8989}}`, `host:port`), when it proxies. */
  readonly upstream?: string;
  /** The site's registered Caddy labels, keyed relative to its prefix (`tls`, `route.0_import`). */
  readonly labels: Readonly<Record<string, string>>;
}

/** An update or rollback policy, as registered. */
export interface PolicyView {
  readonly order?: string;
  readonly failureAction?: string;
  readonly monitor?: string;
  readonly parallelism?: number;
  readonly delay?: string;
  readonly maxFailureRatio?: string;
}

export interface ResourcesView {
  readonly cpus?: number;
  readonly memoryBytes?: number;
}

export interface ServiceView {
  readonly name: string;
  readonly swarmName: string;
  /** As registered: `repo:tag`, or `repo:tag@sha256:…` once images are locked. */
  readonly image: string;
  readonly replicas: number | "global";
  /** Keeps node-local state (pinned to the storage node where pinning is on). */
  readonly stateful: boolean;
  /** Registered with `protect`: Pulumi neither deletes nor replaces it. */
  readonly protected: boolean;
  readonly role?: string;
  readonly networks: readonly { readonly name: string; readonly aliases: readonly string[] }[];
  readonly ports: readonly PortView[];
  readonly mounts: readonly MountView[];
  /** Names, sorted; the digest is of the value (8 hex of SHA-256), never the value. */
  readonly env: readonly { readonly name: string; readonly digest: string }[];
  readonly secrets: readonly FileRefView[];
  readonly configs: readonly FileRefView[];
  readonly sites: readonly SiteView[];
  /** The Homepage entry (its `homepage.*` labels without the prefix). */
  readonly homepage?: Readonly<Record<string, string>>;
  /** AutoKuma monitors (`kuma.<id>.<type>.<setting>` labels). */
  readonly monitors: readonly { readonly id: string; readonly type: string; readonly settings: Readonly<Record<string, string>> }[];
  /** The labels the declaration sets itself (not derived from sites, Homepage or monitors). */
  readonly labels: Readonly<Record<string, string>>;
  /** Every registered label that no field above accounts for (e.g. the forward-auth snippet). */
  readonly derivedLabels: Readonly<Record<string, string>>;
  readonly placement: readonly string[];
  readonly limits?: ResourcesView;
  readonly reservations?: ResourcesView;
  readonly healthcheck?: {
    readonly test: readonly string[];
    readonly interval?: string;
    readonly timeout?: string;
    readonly retries?: number;
    readonly startPeriod?: string;
  };
  readonly restart?: { readonly condition?: string; readonly delay?: string; readonly maxAttempts?: number; readonly window?: string };
  readonly update: PolicyView;
  readonly rollback?: PolicyView;
  /** How long `up` waits for the service's tasks to run (healthy, where it has a check). */
  readonly converge?: { readonly delay?: string; readonly timeout?: string };
  /** Declared to run its image without a digest, and why. */
  readonly unpinned?: string;
  readonly run: {
    readonly user?: string;
    readonly entrypoint?: readonly string[];
    readonly command?: readonly string[];
    readonly hosts: readonly string[];
    readonly stopGracePeriod?: string;
    readonly init?: boolean;
  };
}

export interface StackView {
  readonly name: string;
  readonly tier: string;
  readonly description: string;
  readonly networks: readonly string[];
  readonly dependsOn: readonly string[];
  readonly services: readonly ServiceView[];
}

/** One routed host and everything registered for it. */
export interface RouteView {
  readonly host: string;
  readonly owner: string;
  readonly public: boolean;
  readonly auth: string;
  /** The Caddy label that declares the site, as registered on the service. */
  readonly caddySite: string | undefined;
  /** The internal record's target, when one was registered. */
  readonly internalRecord: string | undefined;
  /** Why a host has no internal record by design (the catch-all, the node's own name, public). */
  readonly noRecordBecause: string | undefined;
  /** Where the tunnel sends this host, when it has a rule. */
  readonly tunnelRule: string | undefined;
  /** The public record's content, when one was registered. */
  readonly cloudflareRecord: string | undefined;
}

export interface IngressView {
  readonly internalDns: string;
  readonly tunnel: string | undefined;
  readonly routes: readonly RouteView[];
  /** The tunnel's rules in order, as registered (the catch-all last). */
  readonly tunnelRules: readonly string[];
}

/** A `homelab:secretValues` key a `secrets.source: config` stack must set, and how. */
export interface SecretValueView {
  readonly key: string;
  readonly command: string;
}

export interface LabView {
  readonly stack: string;
  readonly secretSource: string;
  /** `{ enabled: true }`, or off with the configured reason (homelab:forwardAuth). */
  readonly forwardAuth: { readonly enabled: boolean; readonly reason?: string };
  /** The lab's data roots (`homelab:paths`); binds elsewhere are called out by the review. */
  readonly dataPaths: readonly string[];
  /** Tag-only images the image lock has no digest for (`pulumi preview` refuses them). */
  readonly unlockedImages: readonly { readonly service: string; readonly image: string }[];
  /** For `secrets.source: config`: every key the run reads; empty for 1Password. */
  readonly secretValues: readonly SecretValueView[];
  /** What deletion safety compares the next run against (evaluation/deletion-safety.ts). */
  readonly inventory: Inventory;
  /** lab/removed.ts, and the services `homelab:services` turns off: deliberate removals. */
  readonly removals: readonly Removal[];
  readonly disabledServices: readonly string[];
  readonly sharedNetworks: readonly { readonly name: string; readonly purpose: string }[];
  readonly stacks: readonly StackView[];
  readonly ingress: IngressView;
  /** Registered resources by type. */
  readonly counts: Readonly<Record<string, number>>;
}

// ─── One line per item, shared by the render and the diff ─────────────────────────────────────────

/** A port as the review prints it, with where it is reachable and its reason. */
export function portLine(port: PortView): string {
  const reach = port.mode === "ingress" ? "routing mesh, every node" : "host mode, the task's node";
  return `${port.published}:${port.target}/${port.protocol} ${port.mode} (${reach})${port.reason ? `: ${port.reason}` : ""}`;
}

/** A mount as the review prints it, with its access and its reason. */
export function mountLine(mount: MountView): string {
  const from = mount.type === "tmpfs" ? `tmpfs${mount.sizeBytes !== undefined ? ` ${bytesText(mount.sizeBytes)}` : ""}` : `${mount.type} ${mount.source ?? ""}`;
  return `${from} -> ${mount.target} ${mount.readOnly ? "ro" : "rw"}${mount.reason ? ` (${mount.reason})` : ""}`;
}

/** A mounted secret or config as the review prints it (target, name, owner, mode). */
export function fileRefLine(file: FileRefView): string {
  const access = [file.owner ? `owner ${file.owner}` : undefined, file.mode ? `mode ${file.mode}` : undefined].filter((part) => part !== undefined);
  return `${file.target} <- ${file.name}${access.length > 0 ? ` (${access.join(", ")})` : ""}`;
}

/** A site as the review prints it: host, public, upstream and auth. */
export function siteLine(site: SiteView): string {
  return `${site.host}${site.public ? " [public]" : ""}${site.upstream ? ` -> ${site.upstream}` : ""} (${site.auth})`;
}

/** A network attachment with its aliases. */
export function networkLine(network: ServiceView["networks"][number]): string {
  return `${network.name}${network.aliases.length > 0 ? ` [${network.aliases.join(", ")}]` : ""}`;
}

/** An argument list as one line: arguments with spaces or quotes in double quotes. */
export function commandLine(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
}

/** Bytes in the largest whole binary unit (`16 GiB`). */
export function bytesText(bytes: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % (size / 1024) === 0) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} B`;
}

/** Limits or reservations as the review prints them, if any. */
export function resourcesLine(resources: ResourcesView | undefined): string | undefined {
  if (!resources || (resources.cpus === undefined && resources.memoryBytes === undefined)) return undefined;
  const parts = [resources.cpus !== undefined ? `${resources.cpus} CPU` : undefined, resources.memoryBytes !== undefined ? bytesText(resources.memoryBytes) : undefined];
  return parts.filter((part) => part !== undefined).join(", ");
}

/** A health check as the review prints it, if any. */
export function healthcheckLine(check: ServiceView["healthcheck"]): string | undefined {
  if (!check) return undefined;
  if (check.test[0] === "NONE") return "off (NONE: the image's own check is disabled)";
  const timing = [
    check.interval ? `every ${check.interval}` : undefined,
    check.timeout ? `timeout ${check.timeout}` : undefined,
    check.retries !== undefined ? `${check.retries} retries` : undefined,
    check.startPeriod ? `start period ${check.startPeriod}` : undefined,
  ].filter((part) => part !== undefined);
  return `${commandLine(check.test)}${timing.length > 0 ? `; ${timing.join(", ")}` : ""}`;
}

/** A restart policy as the review prints it, if any. */
export function restartLine(restart: ServiceView["restart"]): string | undefined {
  if (!restart) return undefined;
  const attempts = restart.maxAttempts ? `, at most ${restart.maxAttempts} times` : "";
  return `${restart.condition ?? "any"}, delay ${restart.delay ?? "-"}, window ${restart.window ?? "-"}${attempts}`;
}

/** An update or rollback policy as the review prints it. */
export function policyLine(policy: PolicyView): string {
  const parts = [
    policy.order ?? "default order",
    policy.failureAction ? `on failure ${policy.failureAction}` : undefined,
    policy.monitor ? `monitor ${policy.monitor}` : undefined,
    policy.parallelism !== undefined ? `${policy.parallelism} at a time` : undefined,
    policy.delay ? `delay ${policy.delay}` : undefined,
    policy.maxFailureRatio !== undefined ? `max failure ratio ${policy.maxFailureRatio}` : undefined,
  ];
  return parts.filter((part) => part !== undefined).join(", ");
}

/** What an `up` waits for the service, if it converges. */
export function convergeLine(converge: ServiceView["converge"]): string | undefined {
  return converge ? `up waits up to ${converge.timeout ?? "-"} for running tasks (first check after ${converge.delay ?? "-"})` : undefined;
}

/** A route as a title (host, owner) and what was registered for it. */
export function routeParts(route: RouteView): { title: string; details: string } {
  const record = route.internalRecord ? `CNAME ${route.internalRecord}` : route.noRecordBecause ? `no internal record (${route.noRecordBecause})` : "no internal record";
  const parts = [
    route.auth,
    route.caddySite ? `caddy site ${route.caddySite}` : "caddy site MISSING",
    record,
    ...(route.tunnelRule ? [`tunnel ${route.tunnelRule}`] : []),
    ...(route.cloudflareRecord ? [`cloudflare ${route.cloudflareRecord}`] : []),
  ];
  return { title: `${route.host}${route.public ? " [public]" : ""} (${route.owner})`, details: parts.join("; ") };
}

/** A routed host as the review prints it. */
export function routeLine(route: RouteView): string {
  const { title, details } = routeParts(route);
  return `${title}: ${details}`;
}

/** A short form of a `sha256:` digest in an image reference, for text (JSON keeps it whole). */
export function shortImage(image: string): string {
  return image.replace(/@sha256:([a-f0-9]{12})[a-f0-9]{52}/, "@sha256:$1…");
}
