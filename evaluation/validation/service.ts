import { DOCKER_SOCKET, type ServiceSpec, type StackSpec } from "../../lab/model";
import { isProtected } from "../../forward-auth";
import { DOCKER_SOCKETS, normalisePath } from "../host-paths";
import { IMAGE_REFERENCE } from "../../images/image-ref";
import { labFileExists } from "../lab-files";
import { refsOf } from "../secret-values";

import { isDuration, parseCpus, parseMemory } from "../units";

/**
 * Lab rules for each service's own fields: names, image, replicas, networks, sites, environment,
 * secrets and configs, mount targets, quantities and durations. Each problem names the stack,
 * service and field.
 */

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

/** The rules of one service's own fields. */
export function checkService(stack: StackSpec, service: ServiceSpec, sharedKeys: ReadonlySet<string>, problems: string[]): void {
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
    if (value.kind === "template" && "file" in value && !labFileExists(value.file)) problems.push(`${where}: secret template "lab/${value.file}" does not exist`);
    else if (refsOf(value).length === 0) problems.push(`${where}: a secret value references no 1Password field`);
  }
  for (const config of service.configs ?? []) {
    if (!labFileExists(config.file)) problems.push(`${where}: configs: "lab/${config.file}" does not exist`);
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
    // The socket however spelled (`/run/docker.sock`, `/var/run/./docker.sock`): one rule for all.
    if (mount.type === "bind" && DOCKER_SOCKETS.includes(normalisePath(mount.source))) {
      if (service.role !== "socket-proxy") problems.push(`${where}: mounts: only a socketProxy() service may mount the Docker socket; reach the API through one`);
      else if (mount.source !== DOCKER_SOCKET) problems.push(`${where}: mounts: a socket proxy mounts the Docker socket as ${DOCKER_SOCKET}, got "${mount.source}"`);
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
