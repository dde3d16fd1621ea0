import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { ProblemList } from "../lib/problems";
import { describe, issueProblems } from "./issues";
import { type ConfigNamespaces, namespaceValues, unreadConfigKeys } from "./namespaces";
import { configSchema, type HomelabConfig } from "./schema";

export { type CloudflareConfig, type HomelabConfig, type ServiceOverride, type UnifiConfig } from "./schema";

export const PROJECT = "homelab";

/** Raised for every configuration problem; lists each bad key and what was expected. */
export class ConfigError extends ProblemList {
  constructor(problems: readonly string[]) {
    super("Invalid configuration", problems);
  }
}

export interface LoadedConfig {
  readonly homelab: HomelabConfig;
  /** The Docker provider's settings, checked as `dockerSettings` checks them. */
  readonly docker: DockerSettings;
}

/** Who reads which keys of this project's stack files (see namespaces.ts). */
export const NAMESPACES: ConfigNamespaces = {
  project: PROJECT,
  projectKeys: Object.keys(configSchema.shape),
  // The providers the program configures; a test keeps this equal to the ones it registers.
  providers: ["@pulumi/docker", "@1password/pulumi-onepassword", "@pulumi/cloudflare"],
  elsewhere: { "homelab-ops": "the homelab-ops project (ops/Pulumi.<stack>.yaml)" },
};

/** Pulumi stores every config value as a string; objects, lists, numbers and booleans as JSON. */
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The lab's schema issues as problems; only `homelab:secretValues` holds values not to quote. */
function issueMessage(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string[] {
  return issueProblems(issue, raw, { project: PROJECT, schema: configSchema, secret: (path) => path[0] === "secretValues" });
}

export interface ParseOptions {
  /**
   * `deploy`, what `pulumi preview`/`up` load (see `loadConfig`): a 1Password secret source needs
   * its credentials. `evaluate`, for the tools that read the lab's shape and no secret (docs,
   * `npm run images`, dev-stack, the benchmark): none is needed.
   * @default "deploy"
   */
  readonly purpose?: "deploy" | "evaluate";
}

/**
 * Whether a deploy of this config would lack the 1Password credentials it needs: the secret
 * source is 1Password and neither a service account token nor a Connect server (URL and token) is
 * set, in config or in the environment the provider reads.
 */
export function lacksOnePasswordCredentials(rawConfig: Readonly<Record<string, string>>): boolean {
  const secrets = parseValue(rawConfig[`${PROJECT}:secrets`] ?? "{}") as { source?: unknown } | null;
  if (secrets?.source !== "onepassword") return false;
  const has = (key: string, env: string) => rawConfig[key] !== undefined || process.env[env] !== undefined;
  const serviceAccount = has("onepassword:serviceAccountToken", "OP_SERVICE_ACCOUNT_TOKEN");
  const connect = has("onepassword:url", "OP_CONNECT_HOST") && has("onepassword:token", "OP_CONNECT_TOKEN");
  return !serviceAccount && !connect;
}

/** Validates raw `homelab:*` values (strings as Pulumi stores them) and cross-checks them. */
export function parseConfig(rawConfig: Readonly<Record<string, string>>, options: ParseOptions = {}): LoadedConfig {
  const raw: Record<string, unknown> = namespaceValues(rawConfig, PROJECT, parseValue);
  // Checks that do not need a valid homelab config run first, so one run reports them all.
  const problems: string[] = unreadConfigKeys(rawConfig, NAMESPACES);
  const docker = readDocker(rawConfig, problems);
  if ((options.purpose ?? "deploy") === "deploy" && lacksOnePasswordCredentials(rawConfig)) {
    problems.push(
      "onepassword:serviceAccountToken: required to read the lab's secrets (or onepassword:url with onepassword:token for a Connect server outside the cluster); set it with `pulumi config set --secret`",
    );
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError([...parsed.error.issues.flatMap((issue) => issueMessage(issue, raw)), ...problems]);
  const homelab = parsed.data;

  const hostnames = homelab.nodes.map((node) => node.hostname);
  if (!hostnames.includes(homelab.storageNode)) {
    problems.push(`${PROJECT}:storageNode: expected one of the nodes (${hostnames.join(", ")}), got "${homelab.storageNode}"`);
  }
  const duplicates = hostnames.filter((name, index) => hostnames.indexOf(name) !== index);
  for (const name of new Set(duplicates)) problems.push(`${PROJECT}:nodes: node "${name}" is listed twice`);
  if (homelab.internalDomain === homelab.domain) {
    problems.push(`${PROJECT}:internalDomain: expected a zone other than ${PROJECT}:domain, got "${homelab.internalDomain}"`);
  }
  if (homelab.secrets.source === "onepassword" && homelab.secretValues !== undefined) {
    problems.push(`${PROJECT}:secretValues: only used with ${PROJECT}:secrets.source "config"; remove it or switch the source`);
  }
  if (homelab.unifi?.caCertField !== undefined && homelab.unifi.insecureSkipVerify) {
    problems.push(`${PROJECT}:unifi.insecureSkipVerify: set either caCertField (trust the console's CA) or the opt-out, not both`);
  }
  if (homelab.unifi && new URL(homelab.unifi.apiUrl).protocol === "http:") {
    problems.push(`${PROJECT}:unifi.apiUrl: expected https:// (the API key travels with every request), got ${describe(homelab.unifi.apiUrl)}`);
  }
  for (const name of Object.keys(homelab.unifi?.adopt ?? {})) {
    if (!name.endsWith(`.${homelab.internalDomain}`)) problems.push(`${PROJECT}:unifi.adopt.${name}: expected a name in ${homelab.internalDomain}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { homelab, docker };
}

export interface DockerSettings {
  /** `docker:host`. */
  readonly host?: string;
  /** `docker:sshOpts`: extra `ssh` arguments, e.g. `["-o", "ServerAliveInterval=30"]`. */
  readonly sshOpts?: readonly string[];
  /** `docker:context`: a Docker context the provider would use instead of `docker:host`. */
  readonly context?: string;
}

/** The Docker provider's settings that decide which engine is reached, and how. */
function readDocker(rawConfig: Readonly<Record<string, string>>, problems: string[]): DockerSettings {
  const host = rawConfig["docker:host"];
  if (host !== undefined && !/^(unix|ssh|tcp|npipe):\/\/\S+$/.test(host)) {
    problems.push(`docker:host: expected unix://, ssh:// or tcp:// followed by an address, got ${describe(host)}`);
  }
  const rawOpts = rawConfig["docker:sshOpts"];
  const opts = rawOpts === undefined ? undefined : parseValue(rawOpts);
  const sshOpts = Array.isArray(opts) && opts.every((item) => typeof item === "string") ? (opts as string[]) : undefined;
  if (rawOpts !== undefined && !sshOpts) problems.push(`docker:sshOpts: expected a list of ssh arguments such as ["-o", "ServerAliveInterval=30"], got ${describe(opts)}`);
  const context = rawConfig["docker:context"];
  return { ...(host !== undefined ? { host } : {}), ...(sshOpts ? { sshOpts } : {}), ...(context ? { context } : {}) };
}

/** `docker:*` settings alone, checked as `parseConfig` checks them (for the review commands). */
export function dockerSettings(rawConfig: Readonly<Record<string, string>>): DockerSettings {
  const problems: string[] = [];
  const settings = readDocker(rawConfig, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** Reads and validates the stack's configuration from the Pulumi runtime. */
export function loadConfig(): LoadedConfig {
  return parseConfig(pulumi.runtime.allConfig());
}
