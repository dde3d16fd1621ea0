import { compareSwarms, type FieldDifference, type ObjectRef, serviceDifferences } from "./drift";
import type { DesiredSwarm, SwarmState } from "./swarm-state";
import { tableCell as cell } from "./markdown";

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
  /** Declared secrets: the provider cannot import them (their data is never readable). */
  readonly notImportable: readonly { readonly name: string; readonly reason: string }[];
  /** What `pulumi up` creates after the import: missing objects, and every secret. */
  readonly createdByUp: readonly ObjectRef[];
  /** Live objects that match nothing the program declares; the import leaves them alone. */
  readonly unmatched: readonly ObjectRef[];
  /** Adopted objects `up` would replace (downtime): the fields that force it. */
  readonly replacements: readonly { readonly kind: ObjectRef["kind"]; readonly name: string; readonly fields: readonly FieldDifference[] }[];
  /** Adopted services `up` updates in place (a rolling restart of their tasks). */
  readonly updates: readonly { readonly name: string; readonly fields: readonly FieldDifference[] }[];
}

/** Service fields whose change makes the provider replace the service instead of updating it. */
const SERVICE_REPLACING_FIELDS = [/^networks$/, /^containerLabels\./];

export const SECRET_NOT_IMPORTABLE = "the Docker provider cannot import swarm secrets (their data can never be read back)";

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

  return {
    importFile: { resources: [...components, ...entries] },
    adopted,
    notImportable: declared.secrets.map((secret) => ({ name: secret.name, reason: SECRET_NOT_IMPORTABLE })),
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
  lines.push(`Swarm secrets: ${SECRET_NOT_IMPORTABLE}. \`pulumi up\` creates each under a new, content-addressed name beside the old one, and rolls the services that use it over to it; the old secrets stay until you remove them.`, "");
  for (const secret of plan.notImportable) lines.push(`- \`${secret.name}\``);
  lines.push("");
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
  lines.push("");
  lines.push(`## Live, matching nothing declared (${plan.unmatched.length})`, "");
  lines.push("The import leaves these alone and Pulumi will not manage them. Declare them, or remove them once nothing uses them.", "");
  for (const ref of plan.unmatched) lines.push(`- ${ref.kind} \`${ref.name}\``);
  return `${lines.join("\n")}\n`;
}
