import type { OpRef, SecretValue } from "../lab/model";
import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import { contentAddressedName } from "../lib/naming";
import { distinctRefs, refKey, refsOf } from "../evaluation/secret-values";
import { contentValues, type SecretMount, type ServicePlan } from "../evaluation/service-plan";
import { allPlans, code, compare, type DocsOptions, document, markdownText, NONE, owner, plural, table } from "./document";

/**
 * Which 1Password item and field feeds which swarm secret, and who mounts it. Names only: secrets
 * appear by identity (the swarm name without its content digest), never by value or digest.
 */

interface SecretRow {
  readonly identity: string;
  readonly mount: SecretMount;
  readonly plan: ServicePlan;
}

/** The swarm name's readable part: the identity, shortened when it is longer than swarm allows. */
function swarmBase(identity: string): string {
  const name = contentAddressedName(identity, "");
  return name.slice(0, name.lastIndexOf("-"));
}

function identityText(identity: string): string {
  const base = swarmBase(identity);
  return base === identity ? code(identity) : `${code(identity)} (swarm name ${code(`${base}-…`)})`;
}

function valueSource(value: SecretValue): string {
  if (value.kind === "program") return `program: ${code(value.name)}`;
  if (value.kind === "op") return `${code(refKey(value))}${value.decode ? ` (${value.decode}-decoded)` : ""}`;
  const refs = distinctRefs(refsOf(value)).map((ref) => code(refKey(ref)));
  const template = "file" in value ? `template ${code(`lab/${value.file}`)}` : "inline template";
  return `${template}: ${refs.length > 0 ? refs.join(", ") : "no fields"}`;
}

function contentRefs(mount: SecretMount): OpRef[] {
  return distinctRefs(contentValues(mount.content).flatMap(refsOf));
}

function contentText(mount: SecretMount): { form: string; sources: string } {
  if (mount.content.kind === "env-file") {
    const variables = mount.content.variables;
    const names = Object.keys(variables).sort();
    return {
      form: `env file (${plural(names.length, "variable")})`,
      sources: names.map((name) => `${code(name)} ← ${valueSource(variables[name]!)}`).join("<br>"),
    };
  }
  const value = mount.content.value;
  const form = value.kind === "template" ? "rendered template" : value.kind === "program" ? "produced by the program" : "1Password field";
  return { form, sources: valueSource(value) };
}

/**
 * docs/secrets.md: which 1Password item and field feeds which swarm secret, and who mounts it
 * (names only).
 */
export function renderSecretsDoc(lab: EvaluatedLab, options: DocsOptions): string {
  const secrets: SecretRow[] = allPlans(lab).flatMap((plan) => plan.secrets.map((mount) => ({ identity: mount.identity, mount, plan })));
  const published = lab.stacks.flatMap((stack) => (stack.spec.publishedSecrets ?? []).map((secret) => ({ stack: stack.name, secret })));

  // Every 1Password field, with what it feeds.
  interface FieldUse {
    readonly ref: OpRef;
    readonly secrets: Set<string>;
    readonly services: Set<string>;
    readonly other: Set<string>;
  }
  const fields = new Map<string, FieldUse>();
  const use = (ref: OpRef): FieldUse => {
    const key = refKey(ref);
    let entry = fields.get(key);
    if (!entry) {
      entry = { ref, secrets: new Set(), services: new Set(), other: new Set() };
      fields.set(key, entry);
    }
    return entry;
  };
  for (const row of secrets) {
    for (const ref of contentRefs(row.mount)) {
      const entry = use(ref);
      entry.secrets.add(row.identity);
      entry.services.add(owner(row.plan));
    }
  }
  for (const { stack, secret } of published) {
    for (const ref of distinctRefs(refsOf(secret.value))) use(ref).other.add(`published by ${code(stack)} as ${code(secret.name)}`);
  }
  for (const field of options.programFields ?? []) use(field.ref).other.add(`read by the program: ${markdownText(field.purpose)}`);

  const fieldRows = [...fields.values()]
    .sort((a, b) => compare(a.ref.item, b.ref.item) || compare(a.ref.field, b.ref.field))
    .map((entry) => [
      code(entry.ref.item),
      code(entry.ref.field),
      [...[...entry.secrets].sort().map(code), ...[...entry.other].sort()].join("<br>") || NONE,
      [...entry.services].sort().map(code).join(", ") || NONE,
    ]);

  const secretRows = secrets.map((row) => {
    const content = contentText(row.mount);
    return [identityText(row.identity), code(owner(row.plan)), code(row.mount.target), content.form, content.sources];
  });

  const items = new Set([...fields.values()].map((entry) => entry.ref.item));
  const mounted = [...fields.values()].filter((entry) => entry.secrets.size > 0).length;
  const programMade = secrets.filter((row) => row.mount.content.kind === "value" && row.mount.content.value.kind === "program").length;
  const intro = [
    [
      `The lab reads ${plural(fields.size, "1Password field")} in ${plural(items.size, "item")}, from ${options.secretSource ?? "the configured secret source"}.`,
      `${plural(mounted, "field")} feed ${plural(secrets.length, "swarm secret")}, mounted by ${plural(new Set(secrets.map((row) => owner(row.plan))).size, "service")}${programMade > 0 ? ` (${programMade} of those secrets the program produces itself)` : ""}.`,
      ...(published.length > 0 ? [`${plural(published.length, "published secret")} for clients outside the program.`] : []),
      ...((options.programFields ?? []).length > 0 ? [`${plural((options.programFields ?? []).length, "field")} the program reads for itself.`] : []),
    ].join(" "),
    "",
    "Names only: no value appears here. A swarm secret is named `<identity>-<digest>`, the digest covering its content, so a changed value creates a new secret and the service rolls over to it; identities longer than swarm allows are shortened in the name (shown where that happens).",
  ];
  const body = [
    "## By 1Password Field",
    "",
    ...table(["Item", "Field", "Feeds", "Mounted by"], fieldRows),
    "",
    "## Swarm Secrets",
    "",
    ...table(["Swarm secret (identity)", "Mounted by", "Path in container", "Content", "From"], secretRows),
    ...(published.length > 0
      ? [
          "",
          "## Published Secrets",
          "",
          "Created for clients outside the program; no service of the program mounts them.",
          "",
          ...table(
            ["Swarm secret (identity)", "Stack", "From", "Why"],
            published.map(({ stack, secret }) => [identityText(secret.name), code(stack), valueSource(secret.value), markdownText(secret.reason)]),
          ),
        ]
      : []),
    ...((options.programFields ?? []).length > 0
      ? [
          "",
          "## Read by the Program",
          "",
          "Fields the Pulumi program reads for itself; they never become swarm secrets.",
          "",
          ...table(
            ["Item", "Field", "Purpose"],
            [...(options.programFields ?? [])].map((field) => [code(field.ref.item), code(field.ref.field), markdownText(field.purpose)]),
          ),
        ]
      : []),
  ];
  return document("Secrets", intro, body, options);
}
