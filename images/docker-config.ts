import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

/**
 * Registry credentials where `docker login` keeps them: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`), as `auths[host].auth` (base64 `user:password`), `identitytoken`, or a
 * credential helper (`credHelpers[host]`, else `credsStore`) run as `docker-credential-<name> get`
 * with the host on stdin, as the Docker CLI does. Nothing is ever printed.
 */

export interface Credentials {
  readonly username: string;
  readonly secret: string;
}

interface DockerConfigFile {
  readonly auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  readonly credHelpers?: Record<string, string>;
  readonly credsStore?: string;
}

/** Docker Hub's credentials are stored under its legacy index address. */
const DOCKER_HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];

/**
 * Where the Docker CLI keeps its config (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`).
 */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(homedir(), ".docker"), "config.json");
}

function keysFor(domain: string): string[] {
  return domain === "docker.io" ? DOCKER_HUB_KEYS : [domain, `https://${domain}`, `http://${domain}`];
}

function fromHelper(helper: string, key: string): Credentials | undefined {
  try {
    const output = execFileSync(`docker-credential-${helper}`, ["get"], { input: key, encoding: "utf8", stdio: ["pipe", "pipe", "ignore"], timeout: 10_000 });
    const { Username, Secret } = JSON.parse(output) as { Username?: string; Secret?: string };
    return Secret ? { username: Username ?? "", secret: Secret } : undefined;
  } catch {
    return undefined; // the helper knows no such host (or is missing): anonymous, like the CLI
  }
}

/** Credentials for a Docker domain (`docker.io`, `ghcr.io`, `127.0.0.1:5000`), if any are stored. */
export function credentialsFor(domain: string, file: string = dockerConfigPath()): Credentials | undefined {
  if (!existsSync(file)) return undefined;
  let config: DockerConfigFile;
  try {
    config = JSON.parse(readFileSync(file, "utf8")) as DockerConfigFile;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  for (const key of keysFor(domain)) {
    const helper = config.credHelpers?.[key];
    if (helper) return fromHelper(helper, key);
    const entry = config.auths?.[key];
    if (entry?.identitytoken) return { username: "<token>", secret: entry.identitytoken };
    if (entry?.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
    }
    if (entry?.username && entry.password) return { username: entry.username, secret: entry.password };
  }
  return config.credsStore ? fromHelper(config.credsStore, keysFor(domain)[0]!) : undefined;
}
