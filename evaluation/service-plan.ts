import type { Healthcheck, ServiceSpec, SecretValue, StackSpec } from "../lab/model";
import { type ImageLock, pinImage } from "../images/image-lock";
import { readLabFile } from "./lab-files";
import { type IngressSettings, serviceLabels } from "./labels";
import { ROLE_LABEL, STACK_IMAGE_LABEL, STACK_NAMESPACE_LABEL, swarmName } from "../lib/naming";
import { type Rollout, rolloutOf } from "./rollout";
import { type ResolvedSite, resolveSites } from "./sites";
import { canonicalDuration, parseCpus, parseMemory } from "./units";

/**
 * The friendly service declaration turned into everything the swarm needs, still free of Pulumi:
 * names, labels, network attachments, environment, mounts, and which secrets and configs to
 * create and where to mount them. components/ turns a plan into resources; the offline render,
 * and later the docs and the drift report, read the same plan.
 */

export interface PlanContext {
  readonly ingress: IngressSettings;
  /** `node.hostname == <node>` for stateful services; undefined when pinning is off (dev). */
  readonly storageNode: string | undefined;
  /** Swarm names of the shared networks, by key. */
  readonly sharedNetworks: ReadonlyMap<string, string>;
  /** Digests of the images the lab deploys by tag. */
  readonly images: ImageLock;
  /** The text of a file the lab ships (a config's `file`). @default read from lab/ */
  readonly readFile?: (file: string) => string;
}

export type SecretContent =
  | { readonly kind: "value"; readonly value: SecretValue }
  | { readonly kind: "env-file"; readonly variables: Readonly<Record<string, SecretValue>> };

/** The values a secret's content is made from: its one value, or each variable of its env file. */
export function contentValues(content: SecretContent): SecretValue[] {
  return content.kind === "env-file" ? Object.values(content.variables) : [content.value];
}

export interface SecretMount {
  /** Stable key within the service (Pulumi logical name part). */
  readonly key: string;
  /** What the swarm name is derived from, before the content digest. */
  readonly identity: string;
  readonly content: SecretContent;
  readonly target: string;
  readonly uid: string;
  readonly gid: string;
  readonly mode: number;
}

export interface ConfigMount {
  readonly key: string;
  readonly identity: string;
  readonly file: string;
  readonly content: string;
  readonly target: string;
  readonly mode: number;
}

export interface NetworkAttachment {
  readonly key: string;
  readonly name: string;
  readonly aliases: readonly string[];
}

export interface ServicePlan {
  readonly stack: string;
  readonly name: string;
  readonly swarmName: string;
  /** What is deployed: the declared reference with its digest from the lock, where it has one. */
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containerLabels: Readonly<Record<string, string>>;
  readonly networks: readonly NetworkAttachment[];
  readonly env: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[] | undefined;
  readonly command: readonly string[] | undefined;
  readonly user: string | undefined;
  readonly mounts: readonly PlannedMount[];
  readonly secrets: readonly SecretMount[];
  readonly configs: readonly ConfigMount[];
  readonly constraints: readonly string[];
  readonly replicas: number | "global";
  readonly limits: { readonly nanoCpus?: number; readonly memoryBytes?: number } | undefined;
  readonly reservations: { readonly nanoCpus?: number; readonly memoryBytes?: number } | undefined;
  readonly restart: { readonly condition: string; readonly delay: string; readonly maxAttempts: number; readonly window: string };
  readonly healthcheck: Healthcheck | undefined;
  readonly ports: readonly { readonly targetPort: number; readonly publishedPort: number; readonly publishMode: string; readonly protocol: string }[];
  readonly hosts: readonly { readonly host: string; readonly ip: string }[];
  readonly stopGracePeriod: string | undefined;
  readonly init: boolean | undefined;
  readonly sites: readonly ResolvedSite[];
  readonly stateful: boolean;
  readonly role: ServiceSpec["role"];
  /** Update and rollback policy, and the convergence an `up` waits for (evaluation/rollout.ts). */
  readonly rollout: Rollout;
}

export interface PlannedMount {
  readonly type: "bind" | "volume" | "tmpfs";
  readonly source: string | undefined;
  readonly target: string;
  readonly readOnly: boolean;
  readonly sizeBytes: number | undefined;
}

const SECRETS_DIR = "/run/secrets";

function ownerOf(user: string | undefined): { uid: string; gid: string } | undefined {
  const match = user === undefined ? null : /^(\d+):(\d+)$/.exec(user);
  return match ? { uid: match[1]!, gid: match[2]! } : undefined;
}

/** The file-name part of a path, made safe for a swarm object name. */
function slug(target: string): string {
  return (target.split("/").pop() ?? target).replace(/[^A-Za-z0-9_.-]/g, "_");
}

function planSecrets(stack: StackSpec, service: ServiceSpec): { secrets: SecretMount[]; env: Record<string, string>; entrypoint?: string[]; command?: string[] } {
  const owner = ownerOf(service.user);
  const secrets: SecretMount[] = [];
  const env: Record<string, string> = {};
  const identity = (key: string) => `${stack.name}_${service.name}_${key}`;
  const mount = (key: string, content: SecretContent, target: string, uid?: number, gid?: number, mode?: number): SecretMount => ({
    key,
    identity: identity(key),
    content,
    target,
    uid: uid !== undefined ? String(uid) : (owner?.uid ?? "0"),
    gid: gid !== undefined ? String(gid) : (owner?.gid ?? "0"),
    mode: mode ?? (owner || uid !== undefined ? 0o440 : 0o444),
  });

  const variables = service.secretEnv ?? {};
  const delivery = service.secretEnvDelivery;
  let entrypoint: string[] | undefined;
  let command: string[] | undefined;
  if (Object.keys(variables).length > 0 && delivery) {
    if (delivery.kind === "file-variable") {
      for (const name of Object.keys(variables).sort()) {
        const path = `${SECRETS_DIR}/${name}`;
        secrets.push(mount(name, { kind: "value", value: variables[name]! }, path));
        env[delivery.variable.replace("{name}", name)] = delivery.value.replace("{path}", path);
      }
    } else {
      const path = `${SECRETS_DIR}/${service.name}.env`;
      secrets.push(mount("env", { kind: "env-file", variables }, path));
      // Exported for this one process tree only; the values never enter the service spec.
      entrypoint = ["/bin/sh", "-c", `set -a && . ${path} && set +a && exec "$@"`, service.name];
      command = [...delivery.command];
    }
  }
  for (const file of service.secretFiles ?? []) {
    secrets.push(mount(slug(file.target), { kind: "value", value: file.value }, file.target, file.uid, file.gid, file.mode));
  }
  return { secrets, env, entrypoint, command };
}

function planNetworks(stack: StackSpec, service: ServiceSpec, ctx: PlanContext): NetworkAttachment[] {
  const own = new Set((stack.networks ?? []).map((network) => network.key));
  return service.networks.map((key) => {
    const name = own.has(key) ? swarmName(stack.name, key) : ctx.sharedNetworks.get(key);
    if (name === undefined) throw new Error(`${stack.name}/${service.name}: unknown network "${key}"`);
    // `docker stack deploy` gives every service its short name as an alias on each network;
    // cross-stack names such as `postgresql` and `authentik-server` depend on it.
    return { key, name, aliases: [service.name] };
  });
}

function resources(value: ServiceSpec["limits"]): ServicePlan["limits"] {
  if (!value) return undefined;
  return {
    ...(value.cpus !== undefined ? { nanoCpus: parseCpus(value.cpus) } : {}),
    ...(value.memory !== undefined ? { memoryBytes: parseMemory(value.memory) } : {}),
  };
}

/** The declared health check with its durations in read-back form. */
function plannedHealthcheck(check: Healthcheck | undefined): Healthcheck | undefined {
  if (!check) return undefined;
  const duration = (value: string | undefined) => (value === undefined ? undefined : canonicalDuration(value));
  return { test: check.test, interval: duration(check.interval), timeout: duration(check.timeout), retries: check.retries, startPeriod: duration(check.startPeriod) };
}

/**
 * One service as it will be deployed: its names, labels, networks with aliases, env, mounts,
 * secrets and configs with where they mount, placement and rollout.
 */
export function planService(stack: StackSpec, service: ServiceSpec, ctx: PlanContext): ServicePlan {
  const owner = `${stack.name}/${service.name}`;
  const sites = resolveSites(stack.name, service, ctx.ingress);
  const { secrets, env: secretPointers, entrypoint, command } = planSecrets(stack, service);
  const configs: ConfigMount[] = (service.configs ?? []).map((config) => ({
    key: slug(config.target),
    identity: `${stack.name}_${service.name}_${slug(config.target)}`,
    file: config.file,
    content: (ctx.readFile ?? readLabFile)(config.file),
    target: config.target,
    mode: config.mode ?? 0o444,
  }));
  const namespace = { [STACK_NAMESPACE_LABEL]: stack.name };
  const ports = (service.ports ?? []).map((port) => ({
    targetPort: port.target,
    publishedPort: port.published,
    publishMode: port.mode,
    protocol: port.protocol ?? "tcp",
  }));
  const healthcheck = plannedHealthcheck(service.healthcheck);
  const stopGracePeriod = service.stopGracePeriod === undefined ? undefined : canonicalDuration(service.stopGracePeriod);
  const replicas = service.replicas ?? 1;
  return {
    stack: stack.name,
    name: service.name,
    swarmName: swarmName(stack.name, service.name),
    image: pinImage(service.image, ctx.images).image,
    labels: {
      ...serviceLabels(owner, service, sites, ctx.ingress),
      ...namespace,
      [STACK_IMAGE_LABEL]: service.image,
      ...(service.role ? { [ROLE_LABEL]: service.role } : {}),
    },
    containerLabels: namespace,
    networks: planNetworks(stack, service, ctx),
    env: { ...(service.env ?? {}), ...secretPointers },
    entrypoint: entrypoint ?? service.entrypoint,
    command: command ?? service.command,
    user: service.user,
    mounts: (service.mounts ?? []).map((mount) => ({
      type: mount.type,
      source: mount.type === "bind" ? mount.source : mount.type === "volume" ? swarmName(stack.name, mount.name) : undefined,
      target: mount.target,
      readOnly: mount.type === "tmpfs" ? false : (mount.readOnly ?? false),
      sizeBytes: mount.type === "tmpfs" ? mount.sizeBytes : undefined,
    })),
    secrets,
    configs,
    constraints: service.stateful && ctx.storageNode !== undefined ? [`node.hostname == ${ctx.storageNode}`] : [],
    replicas,
    limits: resources(service.limits),
    reservations: resources(service.reservations),
    restart: {
      condition: service.restart?.condition ?? "any",
      // Set explicitly: left out, the provider reports a diff on every preview.
      delay: canonicalDuration(service.restart?.delay ?? "5s"),
      maxAttempts: service.restart?.maxAttempts ?? 0,
      window: canonicalDuration(service.restart?.window ?? "0s"),
    },
    healthcheck,
    ports,
    hosts: Object.entries(service.extraHosts ?? {}).map(([host, ip]) => ({ host, ip })),
    stopGracePeriod,
    init: service.init,
    sites,
    stateful: service.stateful ?? false,
    role: service.role,
    // Two copies must never run at once where state is node-local or a host-mode port is bound.
    rollout: rolloutOf({ replicas, healthcheck, stopGracePeriod, stopFirst: (service.stateful ?? false) || ports.some((port) => port.publishMode === "host") }),
  };
}
