import { execFileSync } from "node:child_process";
import { createSign, X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import * as path from "node:path";
import { startDaemon, stopDaemon, waitUntil } from "../../servers/daemon";
import { freePort } from "../../servers/engine";
import type { Needs } from "../../servers/tools";

/**
 * Debian's docker-registry (distribution v2) as the tests' own registry: its own config, storage
 * directory and port on 127.0.0.1, stopped by PID. Optionally with token authentication, the
 * scheme Docker Hub and ghcr.io use, against a token service of the test's own that signs with
 * a throw-away certificate (openssl) and hands pull tokens to anonymous clients, except for
 * repositories under `private/`, which need the test's credentials.
 */

export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  readonly storage: string;
  stop(): Promise<void>;
}

export const PRIVATE_USER = { username: "tester", secret: "registry-test-password" };

/** What the registry tests need (see tools.ts): the registry, and openssl for the token service's certificate. */
export const REGISTRY_NEEDS: Needs = { programs: ["docker-registry", "openssl"] };

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** A token service for one registry: RS256 JWTs with the certificate in `x5c`, as distribution verifies them. */
async function startTokenService(dir: string, service: string, issuer: string): Promise<{ realm: string; bundle: string; server: Server }> {
  const key = path.join(dir, "token.key");
  const cert = path.join(dir, "token.crt");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=homelab test token service"], { stdio: "ignore" });
  const der = new X509Certificate(readFileSync(cert)).raw.toString("base64");
  const privateKey = readFileSync(key, "utf8");
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://token");
    const scope = url.searchParams.get("scope") ?? "";
    const [, name = "", actions = ""] = /^repository:([^:]+):(.+)$/.exec(scope) ?? [];
    const expected = `Basic ${Buffer.from(`${PRIVATE_USER.username}:${PRIVATE_USER.secret}`).toString("base64")}`;
    const authenticated = request.headers.authorization === expected;
    if (request.headers.authorization !== undefined && !authenticated) {
      response.writeHead(401).end();
      return;
    }
    const granted = name.startsWith("private/") && !authenticated ? [] : actions.split(",").filter((action) => action === "pull");
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [der] }));
    const claims = base64url(JSON.stringify({ iss: issuer, sub: authenticated ? PRIVATE_USER.username : "", aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: `${now}-${Math.random()}`, access: name ? [{ type: "repository", name, actions: granted }] : [] }));
    const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(privateKey);
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: `${header}.${claims}.${base64url(signature)}` }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { realm: `http://127.0.0.1:${port}/token`, bundle: cert, server };
}

export async function startTestRegistry(options: { storage?: string; tokenAuth?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync("/tmp/homelab-registry-");
  const storage = options.storage ?? path.join(dir, "storage");
  mkdirSync(storage, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const token = options.tokenAuth ? await startTokenService(dir, "homelab-test-registry", "homelab-test-token-service") : undefined;
  const config = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${storage}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${host}`,
    "  secret: homelab-test",
    ...(token
      ? ["auth:", "  token:", `    realm: ${token.realm}`, "    service: homelab-test-registry", "    issuer: homelab-test-token-service", `    rootcertbundle: ${token.bundle}`]
      : []),
  ].join("\n");
  writeFileSync(path.join(dir, "config.yml"), `${config}\n`);
  const log = path.join(dir, "registry.log");
  const daemon = startDaemon("docker-registry", ["serve", path.join(dir, "config.yml")], { log });
  const stop = async () => {
    await stopDaemon(daemon);
    if (token) await new Promise((resolve) => token.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  const answers = async () => {
    try {
      await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      return false;
    }
  };
  try {
    await waitUntil(`the test registry at ${host}`, answers, { timeoutMs: 15_000, exited: daemon.exited, log });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, storage, stop };
}
