import { compareSwarms, type FieldDifference, type ObjectRef, serviceDifferences } from "./drift";
import { contentIdentity, type DesiredSwarm, type SwarmState } from "./swarm-state";
import { tableCell as cell } from "../lib/markdown";

/**
 * Adopting a running swarm: which live objects are the program's declared resources (matched by
 * swarm name; `docker stack deploy` and the program name them alike), the bulk-import file that
 * puts them into Pulumi's state, and what `pulumi up` will then do to each. Pure.
 */

/** One entry of `pulumi import --file`. */
export interface ImportEntry {
  readonly type: string;
  readonly name: string;
  readonly id?: string;
  /** The `name` of the parent entry (a component created empty by the import). */
  readonly parent?: string;
  readonly component?: boolean;
  readonly version?: string;
}

export interface ImportFile {
  readonly resources: readonly ImportEntry[];
}

export interface AdoptedObject {
  readonly kind: ObjectRef["kind"];
  readonly name: string;
  readonly id: string;
  readonly logicalName: string;
  readonly type: string;
}

export interface AdoptPlan {
  readonly importFile: ImportFile;
  readonly adopted: readonly AdoptedObject[];
  /**
   * Declared secrets: the provider cannot import them (their data is never readable). `existing`
   * is a live secret already named the way this program names that secret (identity and digest).
   */
  readonly notImportable: readonly { readonly name: string; readonly reason: string; readonly existing?: string }[];
  /** What `pulumi up` creates after the import: missing objects, and every secret. */
  readonly createdByUp: readonly ObjectRef[];
  /** Live objects that match nothing the program declares; the import leaves them alone. */
  readonly unmatched: readonly ObjectRef[];
  /** Adopted objects `up` would replace (downtime): the fields that force it. */
  readonly replacements: readonly { readonly kind: ObjectRef["kind"]; readonly name: string; readonly fields: readonly FieldDifference[] }[];
  /** Adopted services `up` updates in place (a rolling restart of their tasks). */
  readonly updates: readonly { readonly name: string; readonly fields: readonly FieldDifference[] }[];
  /**
   * Adopted services that mount a secret which already exists under this program's name: `up`
   * updates them too if the secret's value changed since (a new value, a new name).
   */
  readonly updatesIfValueChanged: readonly string[];
}

/**
 * Service fields whose change makes the provider replace the service instead of updating it: of
 * what the review compares, only the network attachments (`networks_advanced` id and aliases are
 * ForceNew in the provider's schema, resource_docker_service.go); labels, container labels, image,
 * mounts, placement, replicas, ports, secrets and configs update in place.
 */
const SERVICE_REPLACING_FIELDS = [/^networks$/];

export const SECRET_NOT_IMPORTABLE = "the Docker provider cannot import swarm secrets (their data can never be read back)";

/**
 * What `adopt` imports: each live object the program declares, with its type, parent and ID, and
 * what it cannot import and why.
 */
export function planAdoption(declared: DesiredSwarm, live: SwarmState, providerVersion: string): AdoptPlan {
  const drift = compareSwarms(declared, live);
  const liveByKind = {
    network: new Map(live.networks.map((object) => [object.name, object])),
    service: new Map(live.services.map((object) => [object.name, object])),
    config: new Map(live.configs.map((object) => [object.name, object])),
  };
  const adopted: AdoptedObject[] = [];
  const entries: ImportEntry[] = [];
  const usedComponents = new Map<string, string>();

  const adopt = (kind: "network" | "service" | "config", name: string) => {
    const match = liveByKind[kind].get(name);
    const resource = declared.resources.get(`${kind}:${name}`);
    if (!match?.id || !resource) return;
    const component = declared.components.get(resource.parent);
    if (component) usedComponents.set(component.name, component.type);
    adopted.push({ kind, name, id: match.id, logicalName: resource.logicalName, type: resource.type });
    entries.push({ type: resource.type, name: resource.logicalName, id: match.id, ...(component ? { parent: component.name } : {}), version: providerVersion });
  };
  for (const network of declared.networks) adopt("network", network.name);
  for (const config of declared.configs) adopt("config", config.name);
  for (const service of declared.services) adopt("service", service.name);

  // Components first: the import creates them empty, as parents for what follows.
  const components: ImportEntry[] = [...usedComponents].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => ({ type, name, component: true }));

  const replacements: AdoptPlan["replacements"][number][] = [];
  const updates: AdoptPlan["updates"][number][] = [];
  for (const network of drift.networks) replacements.push({ kind: "network", name: network.name, fields: network.differences });
  for (const service of declared.services) {
    const match = liveByKind.service.get(service.name);
    if (!match) continue;
    const fields = serviceDifferences(service, match);
    if (fields.length === 0) continue;
    const replacing = fields.filter((field) => SERVICE_REPLACING_FIELDS.some((pattern) => pattern.test(field.field)));
    if (replacing.length > 0) replacements.push({ kind: "service", name: service.name, fields: replacing });
    else updates.push({ name: service.name, fields });
  }

  // A live secret named `<identity>-<digest>` like a declared one was made by this program (or by
  // tooling that names secrets its way); with an unchanged value, `up` would create that very name.
  const programNamed = new Map(live.secrets.filter((secret) => contentIdentity(secret.name) !== secret.name).map((secret) => [contentIdentity(secret.name), secret.name]));
  const notImportable = declared.secrets.map((secret) => {
    const existing = programNamed.get(contentIdentity(secret.name));
    return { name: secret.name, reason: SECRET_NOT_IMPORTABLE, ...(existing ? { existing } : {}) };
  });
  const existingIdentities = new Set(notImportable.filter((secret) => secret.existing).map((secret) => contentIdentity(secret.name)));
  const updated = new Set([...replacements.map((replacement) => replacement.name), ...updates.map((update) => update.name)]);
  const updatesIfValueChanged = declared.services
    .filter((service) => liveByKind.service.has(service.name) && !updated.has(service.name))
    .filter((service) => service.secrets.some((secret) => existingIdentities.has(contentIdentity(secret.name))))
    .map((service) => service.name);

  return {
    importFile: { resources: [...components, ...entries] },
    adopted,
    notImportable,
    updatesIfValueChanged,
    createdByUp: [
      ...drift.missing.filter((ref) => ref.kind !== "secret"),
      ...declared.secrets.map((secret): ObjectRef => ({ kind: "secret", name: secret.name })),
    ],
    unmatched: drift.unmanaged,
    replacements,
    updates,
  };
}


/** The adoption report for people, written next to the import file. */
export function adoptMarkdown(plan: AdoptPlan, context: { stack: string; host: string; importFile: string }): string {
  const lines: string[] = [];
  const counts = (kind: string) => plan.adopted.filter((object) => object.kind === kind).length;
  lines.push(`# Adopting the swarm at \`${context.host}\` into stack \`${context.stack}\``, "");
  lines.push(`\`${context.importFile}\` imports ${counts("network")} networks, ${counts("service")} services and ${counts("config")} configs:`, "");
  lines.push("```sh", `pulumi import --file ${context.importFile} --protect=false --generate-code=false`, "```", "");
  lines.push(`## Not importable (${plan.notImportable.length})`, "");
  lines.push(`Swarm secrets: ${SECRET_NOT_IMPORTABLE}, so the next \`pulumi up\` creates each one. Their names end in a digest of the real value, which this offline evaluation does not know: they are listed as \`<identity>-…\`.`, "");
  const fresh = plan.notImportable.filter((secret) => !secret.existing);
  const existing = plan.notImportable.filter((secret) => secret.existing);
  if (fresh.length > 0) {
    lines.push(`**New names (${fresh.length}).** Each is created beside whatever the services mount today, the services are updated in place to mount it, and the old secrets stay until you remove them.`, "");
    for (const secret of fresh) lines.push(`- \`${contentIdentity(secret.name)}-…\``);
    lines.push("");
  }
  if (existing.length > 0) {
    lines.push(
      `**Already in the swarm under this program's names (${existing.length}).** The swarm holds a secret named the way this program names it (\`<identity>-<digest of identity and value>\`): it was deployed by this program, or by tooling that names secrets the same way. ` +
        "Where the value has not changed since, the next `up` creates a secret of exactly that name, the engine refuses a second secret of one name, and that `up` fails there. " +
        "If the swarm was deployed from a Pulumi stack, use that stack's state instead of an import (`pulumi stack select` it, or `pulumi stack import` its last `pulumi stack export`); otherwise give each of these a new value in 1Password before the `up` (a new value gets a new name).",
      "",
    );
    for (const secret of existing) lines.push(`- \`${contentIdentity(secret.name)}-…\`: live \`${secret.existing}\``);
    lines.push("");
  }
  const objects = plan.createdByUp.filter((ref) => ref.kind !== "secret");
  lines.push(`## Created by the next \`pulumi up\` (${objects.length} besides the secrets)`, "");
  for (const ref of objects) lines.push(`- ${ref.kind} \`${ref.name}\``);
  lines.push("");
  lines.push(`## Replaced by the next \`pulumi up\` (${plan.replacements.length}): downtime`, "");
  if (plan.replacements.length === 0) lines.push("None: every adopted network and service keeps its identity.");
  for (const replacement of plan.replacements) {
    lines.push(`- ${replacement.kind} \`${replacement.name}\`: ${replacement.fields.map((field) => `${field.field} (live ${cell(field.live)}, declared ${cell(field.declared)})`).join("; ")}`);
  }
  lines.push("");
  lines.push(`## Updated in place by the next \`pulumi up\` (${plan.updates.length}): a rolling restart of their tasks`, "");
  for (const update of plan.updates) lines.push(`- \`${update.name}\`: ${update.fields.map((field) => field.field).join(", ")}`);
  if (plan.updates.length > 0) lines.push("");
  if (plan.updatesIfValueChanged.length > 0) {
    lines.push(`Also updated where a secret's value changed since the swarm was deployed (it then gets a new name): ${plan.updatesIfValueChanged.map((name) => `\`${name}\``).join(", ")}.`, "");
  }
  lines.push(
    "This list covers what the review compares: image, labels, environment variable names, networks and aliases, mounts, placement, replicas, published ports, secrets and configs. " +
      "`pulumi preview --diff` after the import is the complete list: it also compares what the review does not read (environment values, resource limits and reservations, health checks, restart, update and rollback policies, and settings the provider does not read back after an import), so expect more in-place updates there. " +
      "Of the fields the review compares, only network attachments replace a service.",
    "",
  );
  lines.push(`## Live, matching nothing declared (${plan.unmatched.length})`, "");
  lines.push("The import leaves these alone and Pulumi will not manage them. Declare them, or remove them once nothing uses them.", "");
  for (const ref of plan.unmatched) lines.push(`- ${ref.kind} \`${ref.name}\``);
  return `${lines.join("\n")}\n`;
}
