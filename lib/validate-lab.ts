import { DOCKER_SOCKET, type ServiceSpec, type StackSpec, TIERS } from "../lab/model";
import type { SharedNetworkSpec } from "../lab/networks";
import { REMOVED } from "../lab/removed";
import { IMAGE_REFERENCE, parseImageReference } from "./image-ref";
import { type IngressSettings, isProtected } from "./labels";
import { labFileExists } from "./lab-files";
import { ProblemList } from "./problems";
import { refsOf } from "./secret-values";
import { checkCaddyLabels } from "./validate-caddy-labels";
import { checkMonitors } from "./validate-monitors";
import { isDuration, parseCpus, parseMemory } from "./units";
import { exposureProblems } from "./validate-exposure";
import { checkImagePins, type ImagePinCheck } from "./validate-images";
import { checkQuantities } from "./validate-quantities";

/**
 * Cross-checks of the lab declaration that no type can express. Every problem is collected, each
 * naming the stack, service and field, and the program stops before registering anything.
 */

export class LabError extends ProblemList {
  constructor(problems: readonly string[]) {
    super("Invalid lab declaration", problems);
  }
}

const NAME = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;
const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
/** `sonarr`, `*`, or a full name such as `status.example.com` (its zone is checked with the routes). */
const SITE_HOST = new RegExp(`^(\\*|${DNS_LABEL})(\\.${DNS_LABEL})*$`);

function checkResources(where: string, field: string, value: ServiceSpec["limits"], problems: string[]): void {
  const check = (part: string, parse: () => unknown) => {
    try {
      parse();
    } catch (error) {
      problems.push(`${where}: ${field}.${part}: ${(error as Error).message}`);
    }
  };
  if (value?.cpus !== undefined) check("cpus", () => parseCpus(value.cpus!));
  if (value?.memory !== undefined) check("memory", () => parseMemory(value.memory!));
}

/** Directives may add to a site, never replace what is derived from it (auth, TLS, upstream). */
const DERIVED_DIRECTIVE = /^(forward_auth|tls)(\.|$)|^reverse_proxy$/;

/** The calendar version of a cloudflared image tag when it predates 2025.4.0 (`latest`, digests: unknown, allowed). */
function cloudflaredTooOld(image: string): string | undefined {
  const version = IMAGE_REFERENCE.test(image) ? /^(\d{4})\.(\d{1,2})\.(\d+)$/.exec(parseImageReference(image).tag) : null;
  if (!version) return undefined;
  const [year, month] = [Number(version[1]), Number(version[2])];
  return year < 2025 || (year === 2025 && month < 4) ? `${version[1]}.${version[2]}.${version[3]}` : undefined;
}

/** Stacks that depend on each other in a cycle, as "a -> b -> a" paths. */
function cycles(stacks: readonly StackSpec[]): string[] {
  const found: string[] = [];
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const done = new Set<string>();
  const visit = (name: string, path: readonly string[]) => {
    if (path.includes(name)) {
      found.push([...path.slice(path.indexOf(name)), name].join(" -> "));
      return;
    }
    if (done.has(name)) return;
    for (const dependency of byName.get(name)?.dependsOn ?? []) visit(dependency, [...path, name]);
    done.add(name);
  };
  for (const stack of stacks) visit(stack.name, []);
  return found;
}

function checkService(stack: StackSpec, service: ServiceSpec, sharedKeys: ReadonlySet<string>, problems: string[]): void {
  const where = `${stack.name}/${service.name}`;
  const own = new Set((stack.networks ?? []).map((network) => network.key));
  if (!SERVICE_NAME.test(service.name)) problems.push(`${where}: name: expected lower-case letters, digits and '-', got "${service.name}"`);
  if (!IMAGE_REFERENCE.test(service.image)) problems.push(`${where}: image: expected an image reference such as repo/name:tag, got "${service.image}"`);
  if (service.replicas !== undefined && service.replicas !== "global" && (!Number.isInteger(service.replicas) || service.replicas < 0)) {
    problems.push(`${where}: replicas: expected a whole number >= 0 or "global", got ${service.replicas}`);
  }
  if (service.stateful && service.replicas === "global") problems.push(`${where}: stateful: a global service runs on every node and cannot be pinned to the storage node`);

  const seenNetworks = new Set<string>();
  for (const key of service.networks) {
    if (!own.has(key) && !sharedKeys.has(key)) {
      problems.push(`${where}: networks: unknown network "${key}" (expected one of: ${[...own, ...sharedKeys].join(", ")})`);
    }
    if (seenNetworks.has(key)) problems.push(`${where}: networks: "${key}" is listed twice`);
    seenNetworks.add(key);
  }

  for (const [index, site] of (service.sites ?? []).entries()) {
    const field = `sites[${index}]`;
    if (!SITE_HOST.test(site.host)) problems.push(`${where}: ${field}.host: expected a DNS label such as "sonarr", "*", or a full name in the site's zone, got "${site.host}"`);
    if (site.port !== undefined && (!Number.isInteger(site.port) || site.port < 1 || site.port > 65535)) {
      problems.push(`${where}: ${field}.port: expected a port between 1 and 65535, got ${site.port}`);
    }
    if (site.port !== undefined && site.upstream !== undefined) problems.push(`${where}: ${field}: set either port or upstream, not both`);
    if (site.port === undefined && site.upstream === undefined && Object.keys(site.directives ?? {}).length === 0) {
      problems.push(`${where}: ${field}: expected a port, an upstream or directives that handle the request`);
    }
    for (const key of Object.keys(site.directives ?? {})) {
      if (DERIVED_DIRECTIVE.test(key)) problems.push(`${where}: ${field}.directives.${key}: would replace a derived label; use port/upstream and auth instead`);
    }
    if (isProtected(site)) {
      // A protected site is one route: the Authentik check, then the upstream and its refinements.
      if (site.port === undefined && site.upstream === undefined) problems.push(`${where}: ${field}: a site behind Authentik needs a port or an upstream to protect`);
      for (const key of Object.keys(site.directives ?? {})) {
        if (!key.startsWith("reverse_proxy.") && !DERIVED_DIRECTIVE.test(key)) {
          problems.push(`${where}: ${field}.directives.${key}: a site behind Authentik may only refine its upstream (reverse_proxy.*); give other handlers their own site with Auth.own or Auth.none`);
        }
      }
    }
    if (site.auth && site.auth.kind !== "authentik" && site.auth.reason.trim().length === 0) {
      problems.push(`${where}: ${field}.auth: opting out of forward auth needs a reason`);
    }
  }
  if ((service.sites ?? []).length > 0 && !service.networks.includes("proxy_network")) {
    problems.push(`${where}: networks: a service with sites must join "proxy_network", where Caddy reaches it`);
  }

  const envNames = Object.keys(service.env ?? {});
  const secretNames = Object.keys(service.secretEnv ?? {});
  for (const name of [...envNames, ...secretNames]) {
    if (!ENV_NAME.test(name)) problems.push(`${where}: env: "${name}" is not a valid variable name`);
  }
  for (const name of secretNames) {
    if (envNames.includes(name)) problems.push(`${where}: secretEnv.${name}: also set as a plain env value`);
  }
  if (secretNames.length > 0 && !service.secretEnvDelivery) {
    problems.push(`${where}: secretEnvDelivery: required with secretEnv (how does this image read secrets from files?)`);
  }
  if (service.secretEnvDelivery?.kind === "env-file") {
    if (service.secretEnvDelivery.command.length === 0) problems.push(`${where}: secretEnvDelivery.command: expected the command to exec after loading the env file`);
    if (service.entrypoint || service.command) problems.push(`${where}: entrypoint/command: leave them out with an env-file delivery; its command is the one that runs`);
  }

  const secretValues = [...Object.values(service.secretEnv ?? {}), ...(service.secretFiles ?? []).map((file) => file.value)];
  for (const value of secretValues) {
    if (value.kind === "program") continue;
    if (value.kind === "template" && "file" in value && !labFileExists(value.file)) problems.push(`${where}: secret template "lab/files/${value.file}" does not exist`);
    else if (refsOf(value).length === 0) problems.push(`${where}: a secret value references no 1Password field`);
  }
  const tunnelToken = Object.values(service.secretEnv ?? {}).some((value) => value.kind === "program" && value.name === "cloudflare-tunnel-token");
  const tooOld = tunnelToken ? cloudflaredTooOld(service.image) : undefined;
  if (tooOld) problems.push(`${where}: image: reading the tunnel token from a file (TUNNEL_TOKEN_FILE) needs cloudflared 2025.4.0 or later, got ${tooOld}`);
  // A program secret exists only while the program runs, as a value of its own: it cannot be
  // spliced into an env file that is rendered with the 1Password fields.
  if (service.secretEnvDelivery?.kind === "env-file") {
    for (const [name, value] of Object.entries(service.secretEnv ?? {})) {
      if (value.kind === "program") problems.push(`${where}: secretEnv.${name}: a program secret needs a file-variable delivery, not an env file`);
    }
  }
  for (const config of service.configs ?? []) {
    if (!labFileExists(config.file)) problems.push(`${where}: configs: "lab/files/${config.file}" does not exist`);
  }

  const targets = new Map<string, string>();
  const claim = (target: string, what: string) => {
    if (!target.startsWith("/")) problems.push(`${where}: ${what}: target "${target}" is not an absolute path`);
    const previous = targets.get(target);
    if (previous) problems.push(`${where}: ${what}: target "${target}" is already used by ${previous}`);
    targets.set(target, what);
  };
  for (const mount of service.mounts ?? []) {
    claim(mount.target, `mounts`);
    if (mount.type === "bind" && !mount.source.startsWith("/")) problems.push(`${where}: mounts: bind source "${mount.source}" is not an absolute path`);
    if (mount.type === "bind" && mount.source === DOCKER_SOCKET) {
      if (service.role !== "socket-proxy") problems.push(`${where}: mounts: only a socketProxy() service may mount the Docker socket; reach the API through one`);
      else if (!mount.readOnly) problems.push(`${where}: mounts: the Docker socket must be mounted read-only`);
    }
  }
  for (const config of service.configs ?? []) claim(config.target, `configs`);
  for (const file of service.secretFiles ?? []) claim(file.target, `secretFiles`);

  if (service.role === "socket-proxy" && (service.env?.POST ?? "0") !== "0") problems.push(`${where}: env.POST: a socket proxy must not allow write requests`);

  checkResources(where, "limits", service.limits, problems);
  checkResources(where, "reservations", service.reservations, problems);
  for (const [field, value] of [
    ["restart.delay", service.restart?.delay],
    ["restart.window", service.restart?.window],
    ["healthcheck.interval", service.healthcheck?.interval],
    ["healthcheck.timeout", service.healthcheck?.timeout],
    ["healthcheck.startPeriod", service.healthcheck?.startPeriod],
    ["stopGracePeriod", service.stopGracePeriod],
  ] as const) {
    if (value !== undefined && !isDuration(value)) problems.push(`${where}: ${field}: expected a duration such as "30s", got "${value}"`);
  }
  if (service.healthcheck && service.healthcheck.test.length === 0) problems.push(`${where}: healthcheck.test: expected a command`);
  for (const port of service.ports ?? []) {
    for (const value of [port.target, port.published]) {
      if (!Number.isInteger(value) || value < 1 || value > 65535) problems.push(`${where}: ports: expected ports between 1 and 65535, got ${value}`);
    }
  }
}

/**
 * Checks the whole lab; throws a LabError listing every problem. The rules that need the zones
 * and Caddy settings (the Caddyfile the labels make, the monitors) run when `ingress` is given, as
 * the program always gives it; unit tests of the other rules may leave it out.
 */
export function validateLab(stacks: readonly StackSpec[], shared: readonly SharedNetworkSpec[], problems: string[] = [], ingress?: IngressSettings, images?: ImagePinCheck): void {
  const sharedKeys = new Set(shared.map((network) => network.key));
  const stackNames = new Set<string>();
  const ingressPorts = new Map<number, string>();
  const tierOf = new Map(stacks.map((stack) => [stack.name, stack.tier]));

  for (const stack of stacks) {
    if (!NAME.test(stack.name)) problems.push(`${stack.name}: name: expected lower-case letters, digits, '_' and '-'`);
    if (stackNames.has(stack.name)) problems.push(`${stack.name}: stack is declared twice`);
    stackNames.add(stack.name);
    if (!TIERS.includes(stack.tier)) problems.push(`${stack.name}: tier: expected one of ${TIERS.join(", ")}, got "${stack.tier}"`);
    for (const network of stack.networks ?? []) {
      if (sharedKeys.has(network.key)) problems.push(`${stack.name}: networks: "${network.key}" would shadow the shared network of that key`);
    }
    const serviceNames = new Set<string>();
    for (const service of stack.services) {
      if (serviceNames.has(service.name)) problems.push(`${stack.name}/${service.name}: service is declared twice in the stack`);
      serviceNames.add(service.name);
      checkService(stack, service, sharedKeys, problems);
      for (const port of service.ports ?? []) {
        if (port.mode !== "ingress") continue;
        const previous = ingressPorts.get(port.published);
        if (previous) problems.push(`${stack.name}/${service.name}: ports: ingress port ${port.published} is already published by ${previous}`);
        else ingressPorts.set(port.published, `${stack.name}/${service.name}`);
      }
    }
    for (const dependency of stack.dependsOn ?? []) {
      const tier = tierOf.get(dependency);
      if (tier === undefined) problems.push(`${stack.name}: dependsOn: unknown stack "${dependency}"`);
      else if (TIERS.indexOf(tier) > TIERS.indexOf(stack.tier)) problems.push(`${stack.name}: dependsOn: "${dependency}" is in a later tier (${tier})`);
    }
  }
  for (const cycle of cycles(stacks)) problems.push(`${cycle.split(" -> ")[0]}: dependsOn: stacks depend on each other in a cycle: ${cycle}`);
  if (ingress) checkCaddyLabels(stacks, ingress, problems);
  if (ingress) checkMonitors(stacks, ingress, problems);
  checkImagePins(stacks, images, problems);
  checkQuantities(stacks, problems);
  problems.push(...exposureProblems(stacks, REMOVED));
  if (problems.length > 0) throw new LabError(problems);
}
