/**
 * An image reference taken apart the way Docker's `reference` package does
 * (`ParseNormalizedNamed`, `splitDockerDomain`, `FamiliarString`), which is what the provider's
 * Docker client applies before creating a service (`imageWithTagString`: the familiar form with a
 * default `latest` tag) and what the engine keeps. The image lock and the registry client use it.
 */
export interface ImageReference {
  /** Registry host as Docker names it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly domain: string;
  /** Repository path on that registry: `library/postgres`, `linuxserver/sonarr`. */
  readonly path: string;
  /** The tag; `latest` when the reference names none. */
  readonly tag: string;
  readonly digest: string | undefined;
}

/** `registry/repo:tag`, `repo@sha256:...`, `repo:tag@sha256:...`: a Docker image reference. */
export const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * A reference cut into its parts as written, nothing checked and nothing filled in: what a check
 * of references someone else wrote needs (the policy pack sees whatever is about to be registered).
 */
export interface WrittenReference {
  /** Registry and repository as written: `postgres`, `registry.local:5000/team/app`. */
  readonly name: string;
  /** Undefined when the reference names no tag (Docker then means `latest`). */
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

const DEFAULT_DOMAIN = "docker.io";
/** A tag and a digest as Docker's reference grammar allows them. */
export const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `name[:tag][@digest]`: a colon after the last slash starts the tag, a port comes before it. */
export function splitImageReference(reference: string): WrittenReference {
  const at = reference.indexOf("@");
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  return { name: hasTag ? named.slice(0, colon) : named, tag: hasTag ? named.slice(colon + 1) : undefined, digest };
}

/**
 * An image reference split into registry, repository, tag (default `latest`) and digest; throws
 * on one that is not a reference.
 */
export function parseImageReference(reference: string): ImageReference {
  if (!IMAGE_REFERENCE.test(reference)) throw new Error(`expected an image reference such as repo/name:tag, got "${reference}"`);
  const { name, tag = "latest", digest } = splitImageReference(reference);
  if (digest !== undefined && !DIGEST.test(digest)) throw new Error(`expected a digest such as sha256:<64 hex>, got "${digest}"`);
  // The first component is a registry when it looks like a host (a dot, a port) or is localhost.
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const isDomain = slash >= 0 && (/[.:]/.test(first) || first === "localhost");
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let path = isDomain ? name.slice(slash + 1) : name;
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `library/${path}`;
  return { domain, path, tag, digest };
}

/** `postgres`, `ghcr.io/goauthentik/server`: the repository as Docker prints it (`FamiliarName`). */
export function familiarName(image: ImageReference): string {
  if (image.domain !== DEFAULT_DOMAIN) return `${image.domain}/${image.path}`;
  return image.path.startsWith("library/") && image.path.split("/").length === 2 ? image.path.slice("library/".length) : image.path;
}

/** `name:tag`, the key of the image lock: one entry however the reference was spelled. */
export function taggedName(reference: string): string {
  const image = parseImageReference(reference);
  return `${familiarName(image)}:${image.tag}`;
}

/** `name:tag@sha256:...`, the form the engine keeps for a pinned image (`FamiliarString`). */
export function pinnedReference(reference: string, digest: string): string {
  return `${taggedName(reference)}@${digest}`;
}

/** The host that serves the registry API for a Docker domain (Docker Hub's API host differs). */
export function registryHost(image: ImageReference): string {
  return image.domain === DEFAULT_DOMAIN ? "registry-1.docker.io" : image.domain;
}
