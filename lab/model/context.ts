import type { StackSpec } from "./stack";

// ─── The context a stack file is written against ─────────────────────────────────────────────────

/** Lab-wide settings from config that stack files may use; no resources, no secrets. */
export interface LabContext {
  readonly domain: string;
  readonly internalDomain: string;
  readonly timezone: string;
  readonly acmeEmail: string;
  readonly mediaUser: { readonly uid: number; readonly gid: number };
  /** The media user as a container `user` ("uid:gid"). */
  readonly mediaUserSpec: string;
  /** PUID, PGID and TZ, as linuxserver.io-style images take them. */
  readonly mediaEnv: Readonly<Record<"PUID" | "PGID" | "TZ", string>>;
  /** Host name of the node that holds the lab's storage. */
  readonly storageNode: string;
  /** Whether this stack of the program uses Cloudflare (public tunnel, DNS-01 certificates). */
  readonly cloudflare: boolean;
  /** `<appdata root>/<path>`: per-service configuration and state on the storage node. */
  appdata(path: string): string;
  /** `<media root>/<path>`: bulk media and downloads. */
  media(path: string): string;
  /** `<backups root>/<path>`. */
  backups(path: string): string;
  /** The node engine's data root (TrueNAS keeps it under /mnt/.ix-apps/docker). */
  dockerRoot(path: string): string;
  /** `<name>.<internalDomain>`. */
  internalHost(name: string): string;
  /** `<name>.<domain>`. */
  publicHost(name: string): string;
}

/**
 * A stack file's export. What it returns is checked against `stackSpecSchema` at run time on every
 * path (lib/validation/declaration.ts), so a typo is refused even where nothing type-checks.
 */
export type StackDefinition = (lab: LabContext) => StackSpec;

/** Marks a stack file's export; keeps stack files free of imports other than this module. */
export function defineStack(definition: StackDefinition): StackDefinition {
  return definition;
}
