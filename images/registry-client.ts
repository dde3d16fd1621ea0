import { createHash } from "node:crypto";
import { DIGEST, type ImageReference, parseImageReference, registryHost } from "./image-ref";
import { type Credentials, credentialsFor } from "./docker-config";

/**
 * The digest a registry serves for a tag, through the registry HTTP API v2 (the distribution
 * spec): `HEAD /v2/<name>/manifests/<tag>` with every manifest type Docker accepts, so a
 * multi-platform image answers with its manifest list (or OCI index) digest, the same digest
 * the engine pins on create (the Docker client's `DistributionInspect`). Authentication follows
 * the registry's challenge: a bearer token from its realm (anonymous for public images on Docker
 * Hub, ghcr.io, lscr.io, ...; with the stored credentials when there are some), or basic auth.
 */

export const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
];

export interface ResolveOptions {
  /** @default the Docker config's credentials for the image's domain */
  readonly credentials?: (domain: string) => Credentials | undefined;
  /** Per request. @default 20000 */
  readonly timeoutMs?: number;
}

/** A registry said no, or could not be reached; the message names the image and what to do. */
export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistryError";
  }
}

/** Loopback registries speak plain HTTP, as Docker allows for 127.0.0.0/8 by default. */
function baseUrl(image: ImageReference): string {
  const host = registryHost(image);
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);
  return `${loopback ? "http" : "https"}://${host}`;
}

/** `Bearer realm="...",service="...",scope="..."` → its kind and parameters. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(/\s+/, 1)[0]!.toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(scheme.length).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[match[1]!.toLowerCase()] = match[2]!;
  return { scheme, params };
}

const basic = (credentials: Credentials) => `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`).toString("base64")}`;

/**
 * The digest a registry serves for an image's tag now (the one the engine would pull), asked as
 * the Docker engine asks it, with the Docker config's credentials.
 */
export async function resolveDigest(reference: string, options: ResolveOptions = {}): Promise<string> {
  const image = parseImageReference(reference);
  if (image.digest) return image.digest;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const credentials = (options.credentials ?? credentialsFor)(image.domain);
  const url = `${baseUrl(image)}/v2/${image.path}/manifests/${encodeURIComponent(image.tag)}`;
  const where = `${reference}: registry ${registryHost(image)}`;

  const request = async (target: string, method: string, headers: Record<string, string>): Promise<Response> => {
    try {
      return await fetch(target, { method, headers, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new RegistryError(`${where}: cannot reach ${new URL(target).host} (${why})`);
    }
  };
  const accept = { Accept: MANIFEST_TYPES.join(", ") };

  let response = await request(url, "HEAD", accept);
  // A registry that redirects (a vanity host in front of another registry) is asked at the final
  // address from then on: a redirect to another host would drop the Authorization header.
  const target = response.url || url;
  if (response.status === 401) {
    const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
    let authorization: string;
    if (challenge.scheme === "bearer" && challenge.params.realm) {
      const tokenUrl = new URL(challenge.params.realm);
      if (challenge.params.service) tokenUrl.searchParams.set("service", challenge.params.service);
      tokenUrl.searchParams.set("scope", challenge.params.scope ?? `repository:${image.path}:pull`);
      const tokenResponse = await request(tokenUrl.toString(), "GET", credentials ? { Authorization: basic(credentials) } : {});
      if (!tokenResponse.ok) throw new RegistryError(`${where}: the token service refused a pull token (${tokenResponse.status})${credentials ? "" : `; for a private image, \`docker login ${image.domain}\``}`);
      const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new RegistryError(`${where}: the token service answered without a token`);
      authorization = `Bearer ${token}`;
    } else if (challenge.scheme === "basic" && credentials) {
      authorization = basic(credentials);
    } else {
      throw new RegistryError(`${where}: needs credentials (401); \`docker login ${image.domain}\` stores them where this command reads them`);
    }
    response = await request(target, "HEAD", { ...accept, Authorization: authorization });
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(`${where}: access denied (${response.status})${credentials ? " with the stored credentials" : `; for a private image, \`docker login ${image.domain}\``}`);
    }
    if (response.ok && !response.headers.get("docker-content-digest")) response = await request(target, "GET", { ...accept, Authorization: authorization });
  } else if (response.ok && !response.headers.get("docker-content-digest")) {
    response = await request(target, "GET", accept);
  }

  if (response.status === 404) throw new RegistryError(`${where}: no tag "${image.tag}" in ${image.path} (404)`);
  if (!response.ok) throw new RegistryError(`${where}: answered ${response.status} ${response.statusText}`);
  const header = response.headers.get("docker-content-digest");
  // Without the header, the digest is the manifest's own bytes (the spec's content address).
  const digest = header ?? (response.body ? `sha256:${createHash("sha256").update(Buffer.from(await response.arrayBuffer())).digest("hex")}` : undefined);
  if (!digest || !DIGEST.test(digest)) throw new RegistryError(`${where}: answered without a sha256 digest (got ${JSON.stringify(digest)})`);
  return digest;
}
