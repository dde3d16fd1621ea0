import { createHash } from "node:crypto";
import type * as cloudflare from "@pulumi/cloudflare";
import type { Removal, ServiceSpec, StackSpec } from "../lab/model";
import type { SharedNetworkSpec } from "../lab/networks";
import { caddyRootsOf, FORWARD_AUTH_SNIPPET, runsSnippetFirst } from "../forward-auth";
import { disabledServices, inventoryOfStacks } from "../evaluation/deletion-safety";
import { siteLabelPrefix } from "../evaluation/labels";
import type { FileRefView, IngressView, LabView, PolicyView, RouteView, ServiceView, SiteView, StackView } from "./lab-view";
import { ROLE_LABEL, STACK_IMAGE_LABEL, STACK_NAMESPACE_LABEL, swarmName } from "../lib/naming";
import { secretValueCommand } from "../evaluation/secret-values";
import { internalTarget, resolveLabSites } from "../evaluation/sites";
import { INTERNAL_DNS_TYPES } from "../lib/resource-types";
import type { UnifiDnsRecordArgs } from "../providers/unifi/dns-record";
import { PUBLIC_INGRESS_TYPES } from "../lib/resource-types";
import { inputsOf, isSecretWrapper, ofType, type RegisteredResource, type RegisteredService, registeredServices, type ServiceInputs, text } from "../lib/registered";

/**
 * Builds the review's view of a stack of the program (review/lab-view.ts) from what a run under the
 * mock monitor registered, annotated with the declaration's intent. It reads only what every
 * revision of the program has: the registered resources, the declared stacks (lab/model.ts) and
 * the configuration, so `render --diff` can evaluate an older revision's lab with this code.
 */

export interface ViewInput {
  readonly stack: string;
  readonly secretSource: string;
  readonly config: {
    readonly domain: string;
    readonly internalDomain: string;
    readonly storageNode: string;
    readonly paths: Readonly<Record<string, string>>;
    readonly secrets: { readonly source: string };
    readonly forwardAuth?: { readonly enabled: boolean; readonly reason?: string };
    readonly services?: Readonly<Record<string, { readonly enabled?: boolean }>>;
  };
  /** The stacks as evaluated (selection and overrides applied), in declaration order. */
  readonly stacks: readonly StackSpec[];
  readonly sharedNetworks: readonly SharedNetworkSpec[];
  readonly resources: readonly RegisteredResource[];
  readonly removals: readonly Removal[];
  /** `<item>/<field>` of every secret field the run read (listed for `secrets.source: config`). */
  readonly secretFields: readonly string[];
  /** Tag-only images the lock has no digest for (revisions before the image lock: none). */
  readonly unlockedImages: readonly { readonly service: string; readonly image: string }[];
}

const ACCOUNTED = new Set([STACK_NAMESPACE_LABEL, STACK_IMAGE_LABEL, ROLE_LABEL]);

const digest = (value: unknown) => createHash("sha256").update(isSecretWrapper(value) ? "(secret)" : String(value)).digest("hex").slice(0, 8);
const octal = (mode: unknown) => (typeof mode === "number" ? `0${mode.toString(8)}` : undefined);
const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;

const policy = (value: ServiceInputs["updateConfig"] | ServiceInputs["rollbackConfig"]): PolicyView | undefined =>
  value
    ? defined({ order: value.order, failureAction: value.failureAction, monitor: value.monitor, parallelism: value.parallelism, delay: value.delay, maxFailureRatio: value.maxFailureRatio })
    : undefined;

/** The labels under a Caddy prefix, keyed relative to it (`caddy.tls` → `tls`). */
function under(labels: Record<string, string>, prefix: string, skip: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !skip.has(key) && key.startsWith(`${prefix}.`)).map(([key, value]) => [key.slice(prefix.length + 1), value]));
}

/**
 * The roots (`caddy`, `caddy_1`) whose sites run the forward-auth snippet first, asked of
 * forward-auth/index.ts as the policy pack asks it. Labels caddy-docker-proxy would skip (a
 * template error) guard nothing.
 */
function guardedRoots(service: string, labels: Readonly<Record<string, string>>): ReadonlySet<string> {
  const read = caddyRootsOf(service, labels);
  if ("unreadable" in read) return new Set();
  return new Set([...read.roots].filter(([, block]) => runsSnippetFirst(block, FORWARD_AUTH_SNIPPET)).map(([root]) => root));
}

function siteView(spec: ServiceSpec, index: number, labels: Record<string, string>, raw: ReadonlySet<string>, guarded: ReadonlySet<string>): SiteView {
  const site = spec.sites![index]!;
  const prefix = siteLabelPrefix(index);
  const own = under(labels, prefix, raw);
  const auth = site.auth ?? { kind: "authentik" };
  return defined({
    host: labels[prefix] ?? site.host,
    public: site.public ?? false,
    auth: guarded.has(prefix) ? "authentik" : auth.kind === "authentik" ? "MISSING" : `${auth.kind}: ${auth.reason}`,
    upstream: own["route.1_reverse_proxy"] ?? own.reverse_proxy,
    labels: own,
  });
}

/** Sites, Homepage, monitors, the declared labels, and whatever is left (snippets). */
function labelGroups(spec: ServiceSpec, labels: Record<string, string>) {
  const raw = new Set(Object.keys(spec.labels ?? {}));
  const guarded = guardedRoots(spec.name, labels);
  const sites = (spec.sites ?? []).map((_, index) => siteView(spec, index, labels, raw, guarded));
  const sitePrefixes = sites.map((_, index) => siteLabelPrefix(index));
  const homepage: Record<string, string> = {};
  const monitors = new Map<string, { id: string; type: string; settings: Record<string, string> }>();
  const derived: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (raw.has(key) || ACCOUNTED.has(key) || sitePrefixes.some((prefix) => key === prefix || key.startsWith(`${prefix}.`))) continue;
    const kuma = /^kuma\.([^.]+)\.([^.]+)\.(.+)$/.exec(key);
    if (key.startsWith("homepage.")) homepage[key.slice("homepage.".length)] = value;
    else if (kuma) {
      const monitor = monitors.get(kuma[1]!) ?? { id: kuma[1]!, type: kuma[2]!, settings: {} };
      monitor.settings[kuma[3]!] = value;
      monitors.set(monitor.id, monitor);
    } else derived[key] = value;
  }
  const declared = Object.fromEntries([...raw].sort().map((key) => [key, labels[key] ?? "(not registered)"]));
  return { sites, homepage: Object.keys(homepage).length > 0 ? homepage : undefined, monitors: [...monitors.values()], labels: declared, derivedLabels: derived };
}

/** A mounted secret or config as registered. */
interface FileInputs {
  readonly fileName: string;
  readonly fileMode?: number;
  readonly fileUid?: string;
  readonly fileGid?: string;
}

function serviceView(spec: ServiceSpec, swarm: string, service: RegisteredService | undefined): ServiceView {
  const inputs: Partial<ServiceInputs> = service?.inputs ?? {};
  const labels = service?.labels ?? {};
  const task: Partial<ServiceInputs["taskSpec"]> = service?.task ?? {};
  const container: Partial<ServiceInputs["taskSpec"]["containerSpec"]> = service?.container ?? {};
  const resources = (kind: "limits" | "reservation") => {
    const value = task.resources?.[kind];
    return value ? defined({ cpus: value.nanoCpus !== undefined ? Number(value.nanoCpus) / 1e9 : undefined, memoryBytes: value.memoryBytes }) : undefined;
  };
  const fileRef = (file: FileInputs, name: unknown): FileRefView =>
    defined({ name: text(name), target: String(file.fileName), mode: octal(file.fileMode), owner: file.fileUid !== undefined ? `${file.fileUid}:${file.fileGid}` : undefined });
  const declaredPorts = spec.ports ?? [];
  const declaredMounts = spec.mounts ?? [];
  return defined({
    name: spec.name,
    swarmName: swarm,
    image: text(container.image),
    replicas: inputs.mode?.global ? "global" : Number(inputs.mode?.replicated?.replicas ?? 1),
    stateful: spec.stateful ?? false,
    protected: service?.resource.protect ?? false,
    role: labels[ROLE_LABEL],
    networks: (task.networksAdvanceds ?? []).map((network) => ({ name: text(network.id), aliases: network.aliases ?? [] })),
    ports: (inputs.endpointSpec?.ports ?? []).map((port, index) =>
      defined({ published: Number(port.publishedPort), target: Number(port.targetPort), protocol: String(port.protocol ?? "tcp"), mode: String(port.publishMode ?? "ingress"), reason: declaredPorts[index]?.reason }),
    ),
    mounts: (container.mounts ?? []).map((mount, index) => {
      const declared = declaredMounts[index];
      return defined({
        type: String(mount.type),
        source: mount.source === undefined ? undefined : String(mount.source),
        target: String(mount.target),
        readOnly: mount.readOnly === true,
        sizeBytes: mount.tmpfsOptions?.sizeBytes,
        reason: declared?.type === "bind" ? declared.reason : undefined,
      });
    }),
    env: Object.keys(container.env ?? {})
      .sort()
      .map((name) => ({ name, digest: digest(container.env?.[name]) })),
    secrets: (container.secrets ?? []).map((secret) => fileRef(secret, secret.secretName)),
    configs: (container.configs ?? []).map((config) => fileRef(config, config.configName)),
    ...labelGroups(spec, labels),
    placement: task.placement?.constraints ?? [],
    limits: resources("limits"),
    reservations: resources("reservation"),
    healthcheck: container.healthcheck
      ? defined({
          test: container.healthcheck.tests ?? [],
          interval: container.healthcheck.interval,
          timeout: container.healthcheck.timeout,
          retries: container.healthcheck.retries,
          startPeriod: container.healthcheck.startPeriod,
        })
      : undefined,
    restart: task.restartPolicy ? defined({ ...task.restartPolicy }) : undefined,
    update: policy(inputs.updateConfig) ?? {},
    rollback: policy(inputs.rollbackConfig),
    converge: inputs.convergeConfig ? defined({ delay: inputs.convergeConfig.delay, timeout: inputs.convergeConfig.timeout }) : undefined,
    unpinned: spec.unpinned,
    run: defined({
      user: container.user,
      entrypoint: container.commands,
      command: container.args,
      hosts: (container.hosts ?? []).map((entry) => `${entry.host}:${entry.ip}`),
      stopGracePeriod: container.stopGracePeriod,
      init: container.init,
    }),
  });
}

function stackView(stack: StackSpec, registered: readonly RegisteredService[]): StackView {
  const services = registered.filter((service) => service.stack === stack.name);
  return {
    name: stack.name,
    tier: stack.tier,
    description: stack.description,
    networks: (stack.networks ?? []).map((network) => swarmName(stack.name, network.key)),
    dependsOn: [...(stack.dependsOn ?? [])],
    services: stack.services.map((spec) => {
      const swarm = swarmName(stack.name, spec.name);
      return serviceView(spec, swarm, services.find((service) => text(service.inputs.name) === swarm));
    }),
  };
}

function ingressView(input: ViewInput): IngressView {
  const byType = <Args>(type: string) => ofType(input.resources, type).map((resource) => inputsOf<Args>(resource));
  const services = registeredServices(input.resources);
  const labelsOf = (swarm: string) => services.find((service) => text(service.inputs.name) === swarm)?.labels ?? {};
  const records = byType<UnifiDnsRecordArgs>(INTERNAL_DNS_TYPES.record);
  const cloudflareRecords = byType<cloudflare.DnsRecordArgs>(PUBLIC_INGRESS_TYPES.record);
  const tunnels = byType<cloudflare.ZeroTrustTunnelCloudflaredArgs>(PUBLIC_INGRESS_TYPES.tunnel);
  const ingresses = byType<cloudflare.ZeroTrustTunnelCloudflaredConfigArgs>(PUBLIC_INGRESS_TYPES.tunnelConfig)[0]?.config?.ingresses ?? [];
  const describeRule = (rule: (typeof ingresses)[number]) =>
    `${rule.service}${rule.originRequest?.originServerName ? ` (SNI ${rule.originRequest.originServerName}${rule.originRequest.noTlsVerify ? ", no verify" : ""})` : ""}`;
  const { domain, internalDomain, storageNode } = input.config;
  const target = internalTarget({ internalDomain, storageNode });
  const noRecordBecause = { "catch-all": "catch-all", "node-name": "the node's own address" } as const;

  const routes = resolveLabSites(input.stacks, { domain, internalDomain, storageNode }).map((route): RouteView => {
    const prefix = siteLabelPrefix(route.index);
    const rule = ingresses.find((candidate) => candidate.hostname === route.host);
    const cname = cloudflareRecords.find((record) => record.name === route.host);
    return {
      host: route.host,
      owner: route.owner,
      public: route.public,
      auth: route.auth.kind,
      caddySite: labelsOf(swarmName(route.stack, route.service))[prefix] === route.host ? prefix : undefined,
      internalRecord: records.find((record) => record.name === route.host)?.target,
      noRecordBecause:
        route.record.kind === "none"
          ? noRecordBecause[route.record.because]
          : route.record.kind === "public"
            ? "public"
            : records.length === 0
              ? "internal DNS not managed"
              : undefined,
      tunnelRule: rule ? describeRule(rule) : undefined,
      cloudflareRecord: cname ? `${cname.type} ${text(cname.content)}${cname.proxied ? " (proxied)" : ""}` : undefined,
    };
  });
  return {
    internalDns: records.length > 0 ? `UniFi, CNAME to ${target}` : "not managed (no homelab:unifi)",
    tunnel: tunnels[0] ? `${tunnels[0].name} (remotely managed, ${tunnels[0].configSrc})` : undefined,
    routes,
    tunnelRules: ingresses.map((rule) => `${rule.hostname ?? "(anything else)"} -> ${describeRule(rule)}`),
  };
}

/**
 * The review's view of a run: every service as registered, annotated with its declaration's
 * intent (auth, reasons).
 */
export function buildView(input: ViewInput): LabView {
  const services = registeredServices(input.resources);
  const counts: Record<string, number> = {};
  for (const resource of input.resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  const fromConfig = input.config.secrets.source === "config";
  const forwardAuth = input.config.forwardAuth ?? { enabled: true };
  return {
    stack: input.stack,
    secretSource: input.secretSource,
    forwardAuth: forwardAuth.enabled ? { enabled: true } : { enabled: false, reason: forwardAuth.reason ?? "" },
    dataPaths: Object.values(input.config.paths),
    unlockedImages: input.unlockedImages,
    secretValues: fromConfig ? [...input.secretFields].sort().map((key) => ({ key, command: secretValueCommand(key) })) : [],
    inventory: inventoryOfStacks(input.stacks),
    removals: input.removals,
    disabledServices: disabledServices(input.config.services),
    sharedNetworks: input.sharedNetworks.map((network) => ({ name: network.name, purpose: network.purpose })),
    stacks: input.stacks.map((stack) => stackView(stack, services)),
    ingress: ingressView(input),
    counts,
  };
}
