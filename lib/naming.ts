import { createHash } from "node:crypto";

/**
 * Names of swarm objects. Services, networks and volumes keep the names `docker stack deploy`
 * gave them (`<stack>_<key>`) so the running lab can be adopted in place.
 */
export const STACK_NAMESPACE_LABEL = "com.docker.stack.namespace";
export const STACK_IMAGE_LABEL = "com.docker.stack.image";
/**
 * The part a service plays in the architecture (`socket-proxy`, `ingress-controller`), on the
 * service, so that checks that see only resources (the policy pack) can tell.
 */
export const ROLE_LABEL = "homelab.role";

/** `<stack>_<key>`: a swarm object's name, as `docker stack deploy` names it. */
export function swarmName(stack: string, key: string): string {
  return `${stack}_${key}`;
}

/** Swarm rejects secret and config names longer than this. */
export const MAX_SWARM_OBJECT_NAME = 64;
const HASH_LENGTH = 8;

/** A short, stable digest, for names that must change whenever content changes. */
export function shortHash(...parts: readonly (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(part);
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, HASH_LENGTH);
}

/**
 * The name of an immutable swarm secret or config: its identity, then a digest of identity and
 * content. A new content gets a new name, so Pulumi's create-before-delete creates the new object
 * next to the old one, rolls the service over to it, and only then deletes the old one. The
 * identity part is shortened to fit swarm's limit; the digest covers the full identity, so two
 * long identities that shorten alike still get different names.
 */
export function contentAddressedName(identity: string, content: string | Buffer): string {
  const digest = shortHash(identity, content);
  const room = MAX_SWARM_OBJECT_NAME - HASH_LENGTH - 1;
  const base = identity.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, room).replace(/[^A-Za-z0-9]+$/, "");
  return `${base}-${digest}`;
}

/** A Pulumi logical name: unique in the program, stable across content changes. */
export function logicalName(...parts: readonly string[]): string {
  return parts.join("-");
}
