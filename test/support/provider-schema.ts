/**
 * The Docker provider's schema and diff rules, as far as the lab uses them: what a preview compares
 * after a create. Taken from kreuzwerker/terraform-provider-docker v4.5.0 (what @pulumi/docker 5.2.0
 * wraps): resource_docker_service.go, resource_docker_network.go, resource_docker_config.go and
 * resource_docker_secret.go, with Pulumi's names (the bridge camel-cases them and pluralises list
 * fields: `command` → `commands`, `networks_advanced` → `networksAdvanceds`, `test` → `tests`).
 *
 * The rules are the Terraform SDK's (`schemaMap.Diff`): an Optional+Computed attribute left out of
 * the declaration never differs; a left-out attribute with a `Default` is compared as that
 * default; a left-out plain attribute equals its zero value; sets compare as sets of elements
 * (each with its defaults applied), lists in order; `max_failure_ratio` compares as a number
 * (`suppressEquivalentFloatRatio`). Paths the resource's `ignoreChanges` names are dropped, as the
 * bridge does.
 */

export type Attr =
  | { readonly kind: "string" | "int" | "bool"; readonly computed?: boolean; readonly default?: string | number | boolean; readonly numeric?: boolean }
  | { readonly kind: "list" | "set" | "map"; readonly computed?: boolean }
  | { readonly kind: "object"; readonly fields: Fields; readonly computed?: boolean }
  | { readonly kind: "blocks"; readonly ordered: boolean; readonly fields: Fields; readonly computed?: boolean };
export type Fields = Readonly<Record<string, Attr>>;

const str = (extra: { computed?: boolean; default?: string } = {}): Attr => ({ kind: "string", ...extra });
const int = (extra: { computed?: boolean; default?: number } = {}): Attr => ({ kind: "int", ...extra });
const bool = (extra: { computed?: boolean; default?: boolean } = {}): Attr => ({ kind: "bool", ...extra });
const list: Attr = { kind: "list" };
const set: Attr = { kind: "set" };
const map: Attr = { kind: "map" };
const object = (fields: Fields, computed = false): Attr => ({ kind: "object", fields, computed });
const blockSet = (fields: Fields, computed = false): Attr => ({ kind: "blocks", ordered: false, fields, computed });
const label = blockSet({ label: str(), value: str() });

const fileRef = (kind: "secret" | "config") => blockSet({ [`${kind}Id`]: str(), [`${kind}Name`]: str(), fileName: str(), fileUid: str({ default: "0" }), fileGid: str({ default: "0" }), fileMode: int({ default: 0o444 }) });
const updateOrRollback = object({
  parallelism: int({ default: 1 }),
  delay: str({ default: "0s" }),
  failureAction: str({ default: "pause" }),
  monitor: str({ default: "5s" }),
  maxFailureRatio: { kind: "string", default: "0.0", numeric: true },
  order: str({ default: "stop-first" }),
});

export const SERVICE_SCHEMA: Fields = {
  name: str(),
  labels: { ...label, computed: true },
  auth: object({ serverAddress: str(), username: str(), password: str() }),
  taskSpec: object({
    containerSpec: object({
      image: str(),
      labels: label,
      commands: list,
      args: list,
      hostname: str(),
      env: map,
      dir: str(),
      user: str(),
      groups: list,
      privileges: object({}),
      readOnly: bool(),
      mounts: blockSet({
        target: str(),
        source: str(),
        type: str(),
        readOnly: bool(),
        bindOptions: object({ propagation: str({ default: "rprivate" }) }),
        volumeOptions: object({ noCopy: bool(), labels: label, driverName: str(), driverOptions: map }),
        tmpfsOptions: object({ sizeBytes: int(), mode: int() }),
      }),
      stopSignal: str(),
      stopGracePeriod: str({ computed: true }),
      healthcheck: object({ tests: list, interval: str({ default: "0s" }), timeout: str({ default: "0s" }), startPeriod: str({ default: "0s" }), retries: int({ default: 0 }) }, true),
      hosts: blockSet({ host: str(), ip: str() }),
      dnsConfig: object({ nameservers: list, searches: list, options: list }, true),
      secrets: fileRef("secret"),
      configs: fileRef("config"),
      isolation: str({ default: "default" }),
      sysctl: map,
      capAdds: list,
      capDrops: list,
      init: bool({ computed: true }),
    }),
    resources: object(
      {
        limits: object({ nanoCpus: int(), memoryBytes: int() }),
        reservation: object({ nanoCpus: int(), memoryBytes: int(), genericResources: object({ namedResourcesSpecs: set, discreteResourcesSpecs: set }) }),
      },
      true,
    ),
    restartPolicy: object({ condition: str(), delay: str(), maxAttempts: int(), window: str() }, true),
    placement: object({ constraints: set, prefs: set, maxReplicas: int(), platforms: blockSet({ architecture: str(), os: str() }) }, true),
    forceUpdate: int({ computed: true }),
    runtime: str({ computed: true }),
    networksAdvanceds: blockSet({ name: str(), id: str(), aliases: set, driverOpts: set }),
    logDriver: object({ name: str(), options: map }),
  }),
  mode: object({ replicated: object({ replicas: int({ default: 1 }) }, true), global: bool({ default: false }) }, true),
  updateConfig: updateOrRollback,
  rollbackConfig: updateOrRollback,
  endpointSpec: object(
    { mode: str({ computed: true }), ports: { kind: "blocks", ordered: true, fields: { name: str(), protocol: str({ default: "tcp" }), targetPort: int(), publishedPort: int({ computed: true }), publishMode: str({ default: "ingress" }) } } },
    true,
  ),
  convergeConfig: object({ delay: str({ default: "7s" }), timeout: str({ default: "3m" }) }),
};

export const NETWORK_SCHEMA: Fields = {
  name: str(),
  labels: label,
  driver: str({ computed: true }),
  options: { kind: "map", computed: true },
  internal: bool({ computed: true }),
  attachable: bool(),
  ingress: bool(),
  ipv6: bool(),
  ipamDriver: str({ default: "default" }),
  ipamOptions: map,
  ipamConfigs: blockSet({ subnet: str(), ipRange: str(), gateway: str(), auxAddress: map }, true),
};

export const CONFIG_SCHEMA: Fields = { name: str(), data: str(), dataRaw: str(), labels: label };
/** `data` is never read back (resourceDockerSecretRead): the state keeps what was declared. */
export const SECRET_SCHEMA: Fields = { name: str(), data: str(), labels: label };

// ─── The diff ────────────────────────────────────────────────────────────────────────────────────

type Loose = Record<string, unknown>;

function zero(attr: Attr): unknown {
  return attr.kind === "int" ? 0 : attr.kind === "bool" ? false : attr.kind === "string" ? "" : undefined;
}

/** A primitive as the SDK compares it: the declared value, its default, or the zero value. */
function scalar(attr: Attr, value: unknown, declared: boolean): string {
  const filled = value ?? (declared && "default" in attr ? attr.default : undefined) ?? zero(attr);
  return attr.kind === "string" && "numeric" in attr && attr.numeric ? String(Number(filled)) : String(filled);
}

/** An element of a set, as the SDK hashes it: every field, defaults applied on the declared side. */
function canonical(attr: Attr, value: unknown, declared: boolean): unknown {
  switch (attr.kind) {
    case "string":
    case "int":
    case "bool":
      return scalar(attr, value, declared);
    case "list":
      return (value as unknown[] | undefined) ?? [];
    case "set":
      return [...new Set((value as unknown[] | undefined) ?? [])].map(String).sort();
    case "map":
      return Object.entries((value as Loose | undefined) ?? {}).map(([key, entry]) => `${key}=${String(entry)}`).sort();
    case "object":
      return value === undefined ? null : Object.fromEntries(Object.entries(attr.fields).map(([key, field]) => [key, canonical(field, (value as Loose)[key], declared)]));
    case "blocks":
      return ((value as unknown[] | undefined) ?? []).map((item) => JSON.stringify(canonical({ kind: "object", fields: attr.fields }, item, declared))).sort();
  }
}

function unknownKeys(fields: Fields, value: Loose, path: string): void {
  for (const key of Object.keys(value)) if (!(key in fields)) throw new Error(`provider schema model: no attribute ${path}${key}; extend test/support/provider-schema.ts`);
}

function diffAttr(attr: Attr, path: string, declared: unknown, state: unknown, out: string[]): void {
  if (declared === undefined && attr.computed) return;
  const show = (value: unknown) => JSON.stringify(value ?? null);
  switch (attr.kind) {
    case "string":
    case "int":
    case "bool":
    case "list":
    case "set":
    case "map": {
      const [a, b] = [canonical(attr, declared, true), canonical(attr, state, false)];
      if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: declared ${show(declared)}, read back ${show(state)}`);
      return;
    }
    case "object": {
      if (declared === undefined || state === undefined) {
        if (declared !== state) out.push(`${path}: declared ${show(declared)}, read back ${show(state)}`);
        return;
      }
      unknownKeys(attr.fields, declared as Loose, `${path}.`);
      for (const [key, field] of Object.entries(attr.fields)) diffAttr(field, `${path}.${key}`, (declared as Loose)[key], (state as Loose)[key], out);
      return;
    }
    case "blocks": {
      const [a, b] = [(declared as Loose[] | undefined) ?? [], (state as Loose[] | undefined) ?? []];
      for (const item of a) unknownKeys(attr.fields, item, `${path}[].`);
      if (attr.ordered && a.length === b.length) {
        a.forEach((item, index) => diffAttr({ kind: "object", fields: attr.fields }, `${path}[${index}]`, item, b[index], out));
        return;
      }
      const [ca, cb] = [canonical(attr, a, true) as string[], canonical(attr, b, false) as string[]];
      if (JSON.stringify(ca) !== JSON.stringify(cb)) out.push(`${path}: declared ${JSON.stringify(ca)}, read back ${JSON.stringify(cb)}`);
    }
  }
}

/** Every difference a preview would show between the declared inputs and the read-back state. */
export function differences(schema: Fields, declared: Loose, state: Loose, ignoreChanges: readonly string[] = []): string[] {
  const out: string[] = [];
  unknownKeys(schema, declared, "");
  for (const [key, attr] of Object.entries(schema)) diffAttr(attr, key, declared[key], state[key], out);
  return out.filter((line) => !ignoreChanges.some((ignored) => line.startsWith(`${ignored}:`) || line.startsWith(`${ignored}.`) || line.startsWith(`${ignored}[`)));
}
