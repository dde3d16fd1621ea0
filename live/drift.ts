import { contentIdentity, type NamedObjectState, type ServiceState, type SwarmState, SYSTEM_NETWORKS } from "./swarm-state";
import { tableCell as cell } from "../lib/markdown";

/**
 * What differs between the program's desired swarm and a live one, for a person to review. Pure:
 * both sides arrive as `SwarmState`. Values that could be secret are never compared or shown:
 * environment variables by name only, secrets and configs by name. A report shows the live values
 * the program owns; a label it does not declare is shown by name only, since hand-made labels can
 * hold credentials and the report is posted into an issue. (No digest of the value either: a short
 * digest of a weak password confirms a guess.)
 */

export type ObjectKind = "network" | "service" | "secret" | "config";

export interface ObjectRef {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly id?: string;
}

export interface FieldDifference {
  readonly field: string;
  readonly declared: string;
  readonly live: string;
}

export interface ServiceDrift {
  readonly name: string;
  readonly id?: string;
  readonly differences: readonly FieldDifference[];
}

export interface DriftReport {
  /** Live objects the program does not declare. */
  readonly unmanaged: readonly ObjectRef[];
  /** Declared objects not in the swarm. */
  readonly missing: readonly ObjectRef[];
  readonly services: readonly ServiceDrift[];
  /** Declared networks whose settings differ (every network setting forces a replacement). */
  readonly networks: readonly ServiceDrift[];
  readonly counts: { readonly declared: number; readonly live: number };
}

/** Whether the report holds any difference. */
export function hasDrift(report: DriftReport): boolean {
  return report.unmanaged.length + report.missing.length + report.services.length + report.networks.length > 0;
}

const show = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** What a report shows for the live value of a label the program does not declare. */
export const UNMANAGED_VALUE = "(set outside the program; value not shown)";

/** Differences in labels, key by key; live values only for the keys the program declares. */
function labelDifferences(field: string, declared: Readonly<Record<string, string>>, live: Readonly<Record<string, string>>): FieldDifference[] {
  const keys = [...new Set([...Object.keys(declared), ...Object.keys(live)])].sort();
  return keys
    .filter((key) => declared[key] !== live[key])
    .map((key) => ({
      field: `${field}.${key}`,
      declared: declared[key] ?? "(absent)",
      live: !(key in declared) ? UNMANAGED_VALUE : (live[key] ?? "(absent)"),
    }));
}

function listDifference(field: string, declared: readonly unknown[], live: readonly unknown[]): FieldDifference[] {
  const a = declared.map(show);
  const b = live.map(show);
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const removed = a.filter((item) => !b.includes(item));
  const added = b.filter((item) => !a.includes(item));
  return [{ field, declared: removed.length > 0 ? removed.join(", ") : "(same items)", live: added.length > 0 ? added.join(", ") : "(same items)" }];
}

/**
 * An image the engine pinned on create (`tag@sha256:...`) still matches a declared tag; a declared
 * digest must match exactly.
 */
function sameImage(declared: string, live: string): boolean {
  if (declared === live) return true;
  return !declared.includes("@") && live.split("@")[0] === declared;
}

/** Secret and config references compare by identity: their names carry a content digest. */
const byIdentity = (refs: readonly { name: string; target: string }[]) => refs.map((ref) => ({ name: contentIdentity(ref.name), target: ref.target }));

/** The fields in which a declared and a live service differ (environment values by digest only). */
export function serviceDifferences(declared: ServiceState, live: ServiceState): FieldDifference[] {
  const differences: FieldDifference[] = [];
  if (!sameImage(declared.image, live.image)) differences.push({ field: "image", declared: declared.image, live: live.image });
  // The stack-image label mirrors the image; drift there is the image's drift, reported once.
  const withoutImageLabel = (labels: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(labels).filter(([key]) => key !== "com.docker.stack.image"));
  differences.push(...labelDifferences("labels", withoutImageLabel(declared.labels), withoutImageLabel(live.labels)));
  differences.push(...labelDifferences("containerLabels", declared.containerLabels, live.containerLabels));
  differences.push(...listDifference("env (names)", declared.envNames, live.envNames));
  differences.push(...listDifference("networks", declared.networks, live.networks));
  differences.push(...listDifference("mounts", declared.mounts, live.mounts));
  differences.push(...listDifference("placement", declared.constraints, live.constraints));
  if (declared.replicas !== live.replicas) differences.push({ field: "replicas", declared: String(declared.replicas), live: String(live.replicas) });
  differences.push(...listDifference("ports", declared.ports, live.ports));
  differences.push(...listDifference("secrets", byIdentity(declared.secrets), byIdentity(live.secrets)));
  differences.push(...listDifference("configs", declared.configs, live.configs));
  return differences;
}

/** Matches named objects: exactly for networks, services and configs, by identity for secrets. */
function matcher(kind: ObjectKind): (object: { name: string }) => string {
  return kind === "secret" ? (object) => contentIdentity(object.name) : (object) => object.name;
}

function compareNamed<T extends { name: string; id?: string }>(kind: ObjectKind, declared: readonly T[], live: readonly T[]) {
  const key = matcher(kind);
  const liveByKey = new Map(live.map((object) => [key(object), object]));
  const declaredKeys = new Set(declared.map(key));
  const pairs: [T, T][] = [];
  const missing: ObjectRef[] = [];
  for (const object of declared) {
    const match = liveByKey.get(key(object));
    if (match) pairs.push([object, match]);
    else missing.push({ kind, name: object.name });
  }
  const unmanaged = live.filter((object) => !declaredKeys.has(key(object))).map((object): ObjectRef => ({ kind, name: object.name, ...(object.id ? { id: object.id } : {}) }));
  return { pairs, missing, unmanaged };
}

/**
 * Every difference between the declared and the live swarm: unmanaged and missing objects, and
 * changed services and networks.
 */
export function compareSwarms(declared: SwarmState, live: SwarmState): DriftReport {
  const liveNetworks = live.networks.filter((network) => !SYSTEM_NETWORKS.includes(network.name));
  const networks = compareNamed("network", declared.networks, liveNetworks);
  const services = compareNamed("service", declared.services, live.services);
  const secrets = compareNamed<NamedObjectState>("secret", declared.secrets, live.secrets);
  const configs = compareNamed<NamedObjectState>("config", declared.configs, live.configs);

  const serviceDrift = services.pairs
    .map(([want, have]) => ({ name: want.name, ...(have.id ? { id: have.id } : {}), differences: serviceDifferences(want, have) }))
    .filter((drift) => drift.differences.length > 0);
  const networkDrift = networks.pairs
    .map(([want, have]) => ({
      name: want.name,
      ...(have.id ? { id: have.id } : {}),
      differences: [
        ...(want.driver !== have.driver ? [{ field: "driver", declared: want.driver, live: have.driver }] : []),
        ...(want.attachable !== have.attachable ? [{ field: "attachable", declared: String(want.attachable), live: String(have.attachable) }] : []),
        ...labelDifferences("labels", want.labels, have.labels),
      ],
    }))
    .filter((drift) => drift.differences.length > 0);

  const byName = (a: ObjectRef, b: ObjectRef) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
  return {
    unmanaged: [...networks.unmanaged, ...services.unmanaged, ...secrets.unmanaged, ...configs.unmanaged].sort(byName),
    missing: [...networks.missing, ...services.missing, ...secrets.missing, ...configs.missing].sort(byName),
    services: serviceDrift.sort((a, b) => a.name.localeCompare(b.name)),
    networks: networkDrift.sort((a, b) => a.name.localeCompare(b.name)),
    counts: {
      declared: declared.networks.length + declared.services.length + declared.secrets.length + declared.configs.length,
      live: liveNetworks.length + live.services.length + live.secrets.length + live.configs.length,
    },
  };
}


/** The report for people. */
export function driftMarkdown(report: DriftReport, context: { stack: string; host: string; scannedAt: string }): string {
  const lines: string[] = [];
  lines.push(`# Drift report: stack \`${context.stack}\``);
  lines.push("");
  lines.push(`Engine \`${context.host}\`, scanned ${context.scannedAt}. Declared objects: ${report.counts.declared}; live objects: ${report.counts.live}.`);
  lines.push("Secret values are never read or compared: secrets are matched by name (without their content digest), environment variables by name. Labels the program does not declare are shown by name only.");
  lines.push("");
  if (!hasDrift(report)) {
    lines.push("**No drift.** The swarm matches the program.");
    return `${lines.join("\n")}\n`;
  }
  const section = (title: string, refs: readonly ObjectRef[], hint: string) => {
    if (refs.length === 0) return;
    lines.push(`## ${title} (${refs.length})`, "", hint, "", "| kind | name | id |", "|---|---|---|");
    for (const ref of refs) lines.push(`| ${ref.kind} | \`${cell(ref.name)}\` | ${ref.id ? `\`${ref.id.slice(0, 12)}\`` : ""} |`);
    lines.push("");
  };
  section("Unmanaged: live, not declared", report.unmanaged, "Created outside the program (by hand, or left behind by the old tooling). Declare them, or remove them.");
  section("Missing: declared, not live", report.missing, "`pulumi up` would create these (or they were deleted behind Pulumi's back).");
  const changed = (title: string, drifts: readonly ServiceDrift[], hint: string) => {
    if (drifts.length === 0) return;
    lines.push(`## ${title} (${drifts.length})`, "", hint, "");
    for (const drift of drifts) {
      lines.push(`### \`${drift.name}\``, "", "| field | declared | live |", "|---|---|---|");
      for (const difference of drift.differences) lines.push(`| ${cell(difference.field)} | ${cell(difference.declared)} | ${cell(difference.live)} |`);
      lines.push("");
    }
  };
  changed("Services that differ", report.services, "`pulumi up` would set the declared values back.");
  changed("Networks that differ", report.networks, "Every network setting forces a replacement, which replaces the services attached to it: review before `pulumi up`.");
  return `${lines.join("\n")}\n`;
}
