import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { OfflineRun } from "../../offline/run";
import { attachedNetworks, type RegisteredService, service, services } from "../helpers";
import { mountedSecrets } from "./mounted-files";

/**
 * The shared PostgreSQL's clients and their credentials, read from what a run registered, as the
 * apps themselves read them: whichever services the lab declares, not a list kept here. A client
 * is a service on the instance's network whose environment names the instance's alias there as
 * its database host, in one of the conventions below.
 */

export const SHARED_POSTGRES = "platform_postgres_postgresql";
export const PROVISIONER = "platform_postgres_pg-provision";

export interface Client {
  readonly service: string;
  readonly user: string;
  readonly password: string;
  readonly databases: readonly string[];
}

interface Convention {
  /** The host variable; `$1` in the others is what its first group matched. */
  readonly host: RegExp;
  readonly user: string;
  readonly password: string;
  readonly databases: readonly string[];
}

/** How the apps this lab runs name their database settings. */
const CONVENTIONS: readonly Convention[] = [
  // Servarr apps (Sonarr, Radarr, Prowlarr, Lidarr, ...), read by the .NET configuration
  { host: /^(\w+?)__POSTGRES__HOST$/, user: "$1__POSTGRES__USER", password: "$1__POSTGRES__PASSWORD", databases: ["$1__POSTGRES__MAINDB", "$1__POSTGRES__LOGDB"] },
  // Seerr
  { host: /^(DB)_HOST$/, user: "$1_USER", password: "$1_PASS", databases: ["$1_NAME"] },
  // Grafana ("host:port")
  { host: /^(GF_DATABASE)_HOST$/, user: "$1_USER", password: "$1_PASSWORD", databases: ["$1_NAME"] },
];

/**
 * A variable as the service's process sees it: plain, from a secret file another variable names
 * (`FILE__X`, `X__FILE`, `X_FILE`, or `X=file://...`), or from the env file its entrypoint sources.
 */
export function variable(run: OfflineRun, svc: RegisteredService, name: string): string | undefined {
  const env = (svc.container.env ?? {}) as Record<string, string>;
  const files = new Map(mountedSecrets(run, svc.name).map((file) => [file.target, file.content]));
  const pointers = [env[`FILE__${name}`], env[`${name}__FILE`], env[`${name}_FILE`], env[name]?.startsWith("file://") ? env[name]!.slice("file://".length) : undefined];
  const pointer = pointers.find((file) => file !== undefined && files.has(file));
  if (pointer !== undefined) return files.get(pointer)!.toString("utf8");
  if (env[name] !== undefined) return env[name];
  const sourced = /\. (\/run\/secrets\/\S+)/.exec(((svc.container.commands ?? []) as string[]).join(" "))?.[1];
  if (sourced === undefined || !files.has(sourced)) return undefined;
  // The entrypoint's own way: `set -a && . <file>`, by a real shell.
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-env-"));
  try {
    writeFileSync(path.join(dir, "env"), files.get(sourced)!);
    const result = spawnSync("sh", ["-c", 'set -a && . "$1" && set +a && printenv "$2"', "sh", path.join(dir, "env"), name], { encoding: "utf8" });
    return result.status === 0 ? result.stdout.replace(/\n$/, "") : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every client of the shared instance, with the credentials the program gives it. */
export function clients(run: OfflineRun): Client[] {
  const instance = service(run, SHARED_POSTGRES);
  const networks = new Set(attachedNetworks(instance));
  const alias = instance.name.slice(instance.stack.length + 1);
  const found: Client[] = [];
  for (const svc of services(run)) {
    if (svc.stack === instance.stack || !attachedNetworks(svc).some((network) => networks.has(network))) continue;
    for (const [key, value] of Object.entries((svc.container.env ?? {}) as Record<string, string>)) {
      for (const convention of CONVENTIONS) {
        const match = convention.host.exec(key);
        if (!match || value.split(":")[0] !== alias) continue;
        const read = (pattern: string) => {
          const name = pattern.replace("$1", match[1]!);
          const text = variable(run, svc, name);
          if (text === undefined) throw new Error(`${svc.name}: ${key} names the shared PostgreSQL, but ${name} is not set`);
          return text;
        };
        found.push({ service: svc.name, user: read(convention.user), password: read(convention.password), databases: convention.databases.map(read) });
      }
    }
  }
  return found;
}

/** What pg-provision is told to create: each user with its password and databases (init-databases.sh's contract). */
export function provisioned(run: OfflineRun): Client[] {
  const provisioner = service(run, PROVISIONER);
  const env = provisioner.container.env as Record<string, string>;
  const files = new Map(mountedSecrets(run, provisioner.name).map((file) => [file.target, file.content.toString("utf8")]));
  const file = (target: string) => {
    if (!files.has(target)) throw new Error(`${provisioner.name} mounts no ${target}`);
    return files.get(target)!;
  };
  const apps = env.APP_DATABASES!.split(" ").map((entry) => {
    const [app, databases] = entry.split(":") as [string, string];
    return { service: provisioner.name, user: file(`/run/secrets/${app}_user`), password: file(`/run/secrets/${app}_password`), databases: databases.split(",") };
  });
  const superuser = { service: provisioner.name, user: env.PGUSER!, password: file(env.POSTGRES_PASSWORD_FILE!), databases: (env.SUPERUSER_DATABASES ?? "").split(" ").filter(Boolean) };
  return [...apps, superuser];
}
