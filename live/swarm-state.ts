/**
 * One shape for a swarm's objects, whichever side they come from: the program's desired state
 * (what it registers, see `desiredSwarm`) or a live engine (what the API lists, see
 * `live/scan.ts`). Only what matters for review is kept, normalised so that equal means equal:
 * sorted lists, maps instead of `K=V` strings, names instead of IDs. No secret value is ever part
 * of it; secrets and configs are known by name.
 */

export interface NetworkState {
  readonly name: string;
  /** Set on the live side. */
  readonly id?: string;
  readonly driver: string;
  readonly attachable: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface MountState {
  readonly type: string;
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface FileRefState {
  /** The swarm secret's or config's name. */
  readonly name: string;
  /** Where it appears in the container. */
  readonly target: string;
}

export interface ServiceState {
  readonly name: string;
  readonly id?: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containerLabels: Readonly<Record<string, string>>;
  /** Environment variable names only: values may be secret-adjacent and are never compared. */
  readonly envNames: readonly string[];
  readonly networks: readonly { readonly name: string; readonly aliases: readonly string[] }[];
  readonly mounts: readonly MountState[];
  readonly constraints: readonly string[];
  readonly replicas: number | "global";
  /** `published:target/protocol (mode)`. */
  readonly ports: readonly string[];
  readonly secrets: readonly FileRefState[];
  readonly configs: readonly FileRefState[];
}

export interface NamedObjectState {
  readonly name: string;
  readonly id?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SwarmState {
  readonly networks: readonly NetworkState[];
  readonly services: readonly ServiceState[];
  readonly secrets: readonly NamedObjectState[];
  readonly configs: readonly NamedObjectState[];
}

/** The Pulumi resource behind a declared object (for the import file). */
export interface DeclaredResource {
  readonly type: string;
  readonly logicalName: string;
  /** The parent component, as `<type>::<name>`. */
  readonly parent: string;
}

/** The program's side: the objects, and the resources and components they come from. */
export interface DesiredSwarm extends SwarmState {
  /** The resource behind each object, keyed `<kind>:<swarm name>`. */
  readonly resources: ReadonlyMap<string, DeclaredResource>;
  /** Components (stacks, shared networks) by `<type>::<name>`, the parents of the objects. */
  readonly components: ReadonlyMap<string, { readonly type: string; readonly name: string }>;
}

/** Networks the engine itself owns in swarm mode; never the lab's, never drift. */
export const SYSTEM_NETWORKS: readonly string[] = ["ingress"];

/**
 * Secrets and configs the program makes are named `<identity>-<8 hex digest of the content>`.
 * Offline, the content of secrets is fake, so their digests cannot match the live ones: such
 * objects are compared by identity, the name without the digest.
 */
export function contentIdentity(name: string): string {
  return name.replace(/-[0-9a-f]{8}$/, "");
}

/** A record with its keys sorted, so that equal states print equal. */
export function sortedRecord(entries: Iterable<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

/** `published:target/protocol (mode)`: a port as the reports print it. */
export function portText(port: { published: number | undefined; target: number; protocol: string | undefined; mode: string | undefined }): string {
  return `${port.published ?? "-"}:${port.target}/${(port.protocol ?? "tcp").toLowerCase()} (${(port.mode ?? "ingress").toLowerCase()})`;
}

/** Normalises the parts of a service that come as lists, so order never shows as a difference. */
export function normaliseService(service: ServiceState): ServiceState {
  const byName = <T extends { name: string }>(list: readonly T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
  return {
    ...service,
    labels: sortedRecord(Object.entries(service.labels)),
    containerLabels: sortedRecord(Object.entries(service.containerLabels)),
    envNames: [...service.envNames].sort(),
    networks: byName(service.networks.map((network) => ({ name: network.name, aliases: [...network.aliases].sort() }))),
    mounts: [...service.mounts].sort((a, b) => a.target.localeCompare(b.target)),
    constraints: [...service.constraints].sort(),
    ports: [...service.ports].sort(),
    secrets: [...service.secrets].sort((a, b) => a.target.localeCompare(b.target)),
    configs: [...service.configs].sort((a, b) => a.target.localeCompare(b.target)),
  };
}
