import type { Healthcheck, PublishedPort, RestartPolicy, ServiceSpec, Site } from "../lab/model";
import { swarmName } from "../lib/naming";
import { IGNORED_BY_STACK_DEPLOY, integer, isRecord, list, type Loose, memoryText, record, strings, text } from "./compose";
import { importCaddyLabels } from "./map-caddy";
import { mapMounts } from "./map-mounts";
import { configFiles, environment, secretFiles } from "./map-secrets";
import type { StackImportContext } from "./context";

/**
 * One compose service, as `docker stack config` prints it, in the lab's vocabulary. Every key is
 * read by name; a key this module does not read is a note, so nothing is left out unsaid. Pure.
 */

/** The keys read below; anything else is noted as not representable. */
const READ = new Set([
  "image", "command", "entrypoint", "environment", "labels", "deploy", "networks", "ports", "volumes", "secrets", "configs",
  "healthcheck", "user", "hostname", "init", "stop_grace_period", "extra_hosts",
]);

/** The lab's name for a compose service: lower case, `-` for `_`. */
export function serviceName(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

function ports(at: readonly string[], service: Loose, hasSites: boolean, ctx: StackImportContext, swarm: string): PublishedPort[] {
  return list(service.ports).flatMap((entry, index): PublishedPort[] => {
    const port = record(entry);
    const [target, published] = [integer(port.target), integer(port.published)];
    const where = [...at, "ports", index];
    if (target === undefined || published === undefined) {
      ctx.notes.add("not-representable", where, "a port without a published port (the engine picks one) is not in the lab's vocabulary", { service: swarm, fields: ["ports"] });
      return [];
    }
    for (const key of Object.keys(port).filter((key) => !["target", "published", "mode", "protocol"].includes(key))) {
      ctx.notes.add("not-representable", [...where, key], `a port's ${key} is not in the lab's vocabulary`);
    }
    const mode = text(port.mode) === "host" ? "host" : "ingress";
    const protocol = text(port.protocol) === "udp" ? "udp" : "tcp";
    if (text(port.protocol) === "sctp") ctx.notes.add("not-representable", [...where, "protocol"], "sctp is not in the lab's vocabulary; published as tcp", { service: swarm, fields: ["ports"] });
    const location = ctx.notes.at(where);
    // Lab validation asks why a routing-mesh port bypasses the service's site; the compose file is the only answer there is.
    const reason = mode === "ingress" && hasSites ? { reason: `published on every node by the compose file (${location}); review: it bypasses the site's auth` } : {};
    if (reason.reason) ctx.notes.add("changed", where, "a routing-mesh port on a service with a site: its reason was written for you; review it");
    return [{ target, published, mode, ...(protocol === "udp" ? { protocol } : {}), ...reason }];
  });
}

function healthcheck(value: unknown): Healthcheck | undefined {
  if (!isRecord(value)) return undefined;
  if (value.disable === true) return { test: ["NONE"] };
  const test = strings(value.test);
  if (!test) return undefined;
  const retries = integer(value.retries);
  return {
    test: test.length === 1 && test[0] !== "NONE" ? ["CMD-SHELL", test[0]!] : test,
    ...(text(value.interval) ? { interval: text(value.interval) } : {}),
    ...(text(value.timeout) ? { timeout: text(value.timeout) } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(text(value.start_period) ? { startPeriod: text(value.start_period) } : {}),
  };
}

function resources(value: unknown): ServiceSpec["limits"] {
  const cpus = text(record(value).cpus);
  const memory = text(record(value).memory);
  if (cpus === undefined && memory === undefined) return undefined;
  return { ...(cpus !== undefined ? { cpus } : {}), ...(memory !== undefined ? { memory: memoryText(memory) } : {}) };
}

function restartPolicy(value: unknown): RestartPolicy | undefined {
  if (!isRecord(value)) return undefined;
  const condition = text(value.condition);
  const maxAttempts = integer(value.max_attempts);
  return {
    condition: condition === "none" || condition === "on-failure" ? condition : "any",
    ...(text(value.delay) ? { delay: text(value.delay) } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(text(value.window) ? { window: text(value.window) } : {}),
  };
}

/** The `deploy:` block's keys this module reads; the others are noted. */
const DEPLOY_READ = new Set(["mode", "replicas", "labels", "placement", "resources", "restart_policy", "update_config", "rollback_config", "endpoint_mode"]);

function deploy(at: readonly string[], value: Loose, ctx: StackImportContext, swarm: string): { replicas?: number | "global"; stateful?: boolean } {
  const where = [...at, "deploy"];
  for (const key of Object.keys(value).filter((key) => !DEPLOY_READ.has(key))) ctx.notes.add("not-representable", [...where, key], `deploy.${key} is not in the lab's vocabulary`);
  for (const key of ["update_config", "rollback_config"].filter((key) => key in value)) {
    ctx.notes.add("not-representable", [...where, key], "the program sets every service's update and rollback policy itself (health-gated, rolled back on failure: evaluation/rollout.ts)");
  }
  if (text(value.endpoint_mode) === "dnsrr") ctx.notes.add("not-representable", [...where, "endpoint_mode"], "DNS round-robin is not in the lab's vocabulary; the service gets a virtual IP");
  const placement = record(value.placement);
  for (const key of Object.keys(placement).filter((key) => key !== "constraints")) ctx.notes.add("not-representable", [...where, "placement", key], `placement.${key} is not in the lab's vocabulary`);
  let stateful = false;
  for (const [index, constraint] of (strings(placement.constraints) ?? []).entries()) {
    const node = /^node\.hostname\s*==\s*(\S+)$/.exec(constraint)?.[1];
    if (node === ctx.ingress.storageNode) {
      stateful = true;
      if (!ctx.pinStateful) ctx.notes.add("changed", [...where, "placement", "constraints", index], "pinned to the storage node as stateful: true, which homelab:pinStateful turns off in this stack of the program", { service: swarm, fields: ["placement"] });
    } else {
      ctx.notes.add("not-representable", [...where, "placement", "constraints", index], `"${constraint}": the lab pins a service only to the storage node (stateful: true)`, { service: swarm, fields: ["placement"] });
    }
  }
  for (const kind of ["limits", "reservations"] as const) {
    for (const key of Object.keys(record(record(value.resources)[kind])).filter((key) => key !== "cpus" && key !== "memory")) {
      ctx.notes.add("not-representable", [...where, "resources", kind, key], `resources.${kind}.${key} is not in the lab's vocabulary`);
    }
  }
  const mode = text(value.mode) ?? "replicated";
  const replicas = mode === "global" ? "global" : integer(value.replicas);
  return { ...(replicas !== undefined && replicas !== 1 ? { replicas } : {}), ...(stateful ? { stateful } : {}) };
}

function networks(at: readonly string[], service: Loose, ctx: StackImportContext, swarm: string, key: string): string[] {
  const attached = Array.isArray(service.networks) ? Object.fromEntries(service.networks.map((name) => [String(name), null])) : record(service.networks);
  if (Object.keys(attached).length === 0) return [ctx.networkKeys.get("default") ?? "default"];
  return Object.entries(attached).map(([network, settings]) => {
    for (const [setting, value] of Object.entries(record(settings))) {
      const extra = setting === "aliases" ? (strings(value) ?? []).filter((alias) => alias !== key) : [setting];
      if (extra.length === 0) continue;
      ctx.notes.add("not-representable", [...at, "networks", network, setting], setting === "aliases" ? `aliases ${extra.join(", ")}: the lab gives each service its own name as its one alias` : `networks.${network}.${setting} is not in the lab's vocabulary`, { service: swarm, fields: ["networks"] });
    }
    return ctx.networkKeys.get(network) ?? network;
  });
}

/** The lab's declaration of one compose service, or undefined when it cannot be one (noted). */
export function mapService(key: string, service: Loose, ctx: StackImportContext): ServiceSpec | undefined {
  const at = ["services", key];
  const name = serviceName(key);
  const swarm = swarmName(ctx.stack, name);
  const image = text(service.image);
  if (!image) {
    ctx.notes.add("not-representable", at, "a service without an image (build only) cannot be deployed to a swarm; left out", { unmanaged: [{ kind: "service", name: swarmName(ctx.stack, key) }] });
    return undefined;
  }
  if (name !== key) ctx.notes.renamedService(swarm);
  if (name !== key) ctx.notes.add("changed", at, `named "${name}" in the lab (lower-case letters, digits and '-'), so its swarm name and alias change`, { unmanaged: [{ kind: "service", name: swarmName(ctx.stack, key) }], missing: [{ kind: "service", name: swarm }] });
  const mode = text(record(service.deploy).mode);
  if (mode === "replicated-job" || mode === "global-job") {
    // A one-shot job run as a service would run again and again.
    ctx.notes.add("not-representable", [...at, "deploy", "mode"], `a ${mode}: the provider has no job mode; left out (run it by hand, or make it a long-running service)`, { unmanaged: [{ kind: "service", name: swarmName(ctx.stack, key) }] });
    return undefined;
  }
  for (const other of Object.keys(service).filter((other) => !READ.has(other))) {
    if (other.startsWith("x-")) continue; // extension fields: docker ignores them too
    if (IGNORED_BY_STACK_DEPLOY.has(other)) ctx.notes.add("ignored-by-stack-deploy", [...at, other], `${other} never reached the swarm`);
    else ctx.notes.add("not-representable", [...at, other], `${other} is not in the lab's vocabulary`);
  }
  for (const label of Object.keys(record(service.labels))) {
    ctx.notes.add("not-representable", [...at, "labels", label], "container labels are not in the lab's vocabulary (labels go on the service: deploy.labels)", { service: swarm, fields: [`containerLabels.${label}`] });
  }
  const deployBlock = record(service.deploy);
  const written = Object.fromEntries(Object.entries(record(deployBlock.labels)).map(([label, value]) => [label, String(value)]));
  const location = ctx.notes.at([...at, "deploy", "labels"]);
  const caddy = importCaddyLabels(ctx.stack, name, written, ctx.forwardAuthSnippets, ctx.ingress, `served without forward auth by the compose file (${location}); review`);
  const sites: Site[] = [];
  for (const root of caddy.roots) {
    const where = [...at, "deploy", "labels", root.root];
    if (root.kind === "site") {
      sites.push(root.site);
      if (root.site.auth) ctx.notes.add("changed", where, `site ${root.site.host} has no forward auth in the compose file: declared Auth.none with that reason; review (the lab's default is Authentik)`);
      if (!root.matchesDerived) ctx.notes.add("changed", where, `site ${root.site.host}: the lab derives its Caddy labels (route, TLS) from the site`, { service: swarm, fields: ["labels.caddy"] });
    } else if (root.kind === "raw") {
      ctx.notes.add("changed", where, `kept as raw Caddy labels: ${root.why}`);
    } else {
      const what = root.kind === "global-options" ? "Caddy's global options are derived from config (homelab:acmeEmail)" : "the lab's ingress controller defines its own forward-auth snippet";
      ctx.notes.add("not-representable", where, what, { service: swarm, fields: [`labels.${root.root}`] });
    }
  }
  const entrypoint = strings(service.entrypoint);
  const command = strings(service.command);
  const { env, secretEnv, secretEnvDelivery, ...run } = environment(at, service, image, entrypoint, command, ctx, swarm);
  const extraHosts = Object.fromEntries((strings(service.extra_hosts) ?? []).map((entry) => /^([^:=]+)[:=](.+)$/.exec(entry)).flatMap((match) => (match ? [[match[1]!, match[2]!]] : [])));
  const secrets = secretFiles(at, service, ctx, swarm);
  const { mounts, configs: shipped } = mapMounts(at, service, ctx, swarm);
  const configs = [...configFiles(at, service, ctx, swarm), ...shipped];
  const health = healthcheck(service.healthcheck);
  const limits = resources(record(deployBlock.resources).limits);
  const reservations = resources(record(deployBlock.resources).reservations);
  const restart = restartPolicy(deployBlock.restart_policy);
  const published = ports(at, service, sites.length > 0, ctx, swarm);
  if (record(service.healthcheck).start_interval !== undefined) ctx.notes.add("not-representable", [...at, "healthcheck", "start_interval"], "start_interval is not in the lab's vocabulary");
  return {
    name,
    image,
    ...deploy(at, deployBlock, ctx, swarm),
    networks: networks(at, service, ctx, swarm, key),
    ...(sites.length > 0 ? { sites } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(secretEnv ? { secretEnv, secretEnvDelivery } : {}),
    ...(secrets.length > 0 ? { secretFiles: secrets } : {}),
    ...(configs.length > 0 ? { configs } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(text(service.user) ? { user: text(service.user) } : {}),
    ...(text(service.hostname) ? { hostname: text(service.hostname) } : {}),
    ...(run.entrypoint ? { entrypoint: run.entrypoint } : {}),
    ...(run.command ? { command: run.command } : {}),
    ...(health ? { healthcheck: health } : {}),
    ...(limits ? { limits } : {}),
    ...(reservations ? { reservations } : {}),
    ...(restart ? { restart } : {}),
    ...(published.length > 0 ? { ports: published } : {}),
    ...(Object.keys(extraHosts).length > 0 ? { extraHosts } : {}),
    ...(text(service.stop_grace_period) ? { stopGracePeriod: text(service.stop_grace_period) } : {}),
    ...(service.init === true ? { init: true } : {}),
    ...(Object.keys(caddy.labels).length > 0 ? { labels: caddy.labels } : {}),
  };
}
