/**
 * The compose model as `docker stack config` prints it: files merged, variables interpolated,
 * anchors resolved, every list in its long form (ports, volumes, secrets, configs), durations as
 * Go prints them and memory in bytes. Only its shape is typed here; each reader checks the values
 * it takes.
 */

export type Loose = Record<string, unknown>;

export interface ComposeModel {
  readonly services?: Readonly<Record<string, Loose>>;
  readonly networks?: Readonly<Record<string, Loose | null>>;
  readonly volumes?: Readonly<Record<string, Loose | null>>;
  readonly secrets?: Readonly<Record<string, Loose | null>>;
  readonly configs?: Readonly<Record<string, Loose | null>>;
  readonly [key: string]: unknown;
}

export const isRecord = (value: unknown): value is Loose => typeof value === "object" && value !== null && !Array.isArray(value);
export const record = (value: unknown): Loose => (isRecord(value) ? value : {});
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const text = (value: unknown): string | undefined => (typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined);
export const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : undefined);
export const integer = (value: unknown): number | undefined => {
  const number = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
  return number !== undefined && Number.isInteger(number) ? number : undefined;
};

/**
 * The service keys `docker stack deploy` (Docker CLI 28) ignores, printing "Ignoring unsupported
 * options" or "Ignoring deprecated options" (cli/compose/types: UnsupportedProperties and
 * DeprecatedProperties), and `depends_on`, which swarm has no notion of.
 */
export const IGNORED_BY_STACK_DEPLOY: ReadonlySet<string> = new Set([
  "build",
  "cgroup_parent",
  "container_name",
  "depends_on",
  "devices",
  "domainname",
  "expose",
  "external_links",
  "ipc",
  "links",
  "mac_address",
  "network_mode",
  "pid",
  "privileged",
  "restart",
  "security_opt",
  "shm_size",
  "userns_mode",
]);

/** `536870912` → `"512M"`: the lab's spelling of a size compose wrote in any unit. */
export function memoryText(bytes: string | number): string {
  const value = Number(bytes);
  for (const [unit, size] of [["G", 1024 ** 3], ["M", 1024 ** 2], ["K", 1024]] as const) {
    if (value >= size && value % size === 0) return `${value / size}${unit}`;
  }
  return `${value}B`;
}
