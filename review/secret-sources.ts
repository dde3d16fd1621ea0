import type { SecretValue } from "../lab/model";
import { refKey, refsOf, secretValuesPath } from "../evaluation/secret-values";
import type { SecretContent } from "../evaluation/service-plan";

/**
 * Where a secret's content comes from, in words the review shows beside the secret (never its
 * value): the 1Password item and field, or, for a `secrets.source: config` stack, the config key
 * that holds it; a template's fields; the program's own secrets. A changed source is a change of
 * who can read the value, which the review's exposure summary calls out.
 */

export type SecretOrigin = "onepassword" | "config";

function fieldSource(item: string, field: string, origin: SecretOrigin): string {
  const key = refKey({ item, field });
  return origin === "config" ? `config ${secretValuesPath(key)}` : `1Password ${key}`;
}

/** One value's source: `1Password tracearr-stack/DB_PASSWORD`, `template (1Password a/b, c/d)`, ... */
export function valueSource(value: SecretValue, origin: SecretOrigin): string {
  if (value.kind === "op") return `${fieldSource(value.item, value.field, origin)}${value.decode ? ` (${value.decode}-decoded)` : ""}`;
  if (value.kind === "program") return `the program (${value.name})`;
  // A template file is named, not read: an older revision's file is not this tree's.
  if ("file" in value) return `template lab/${value.file}`;
  const fields = refsOf(value).map((ref) => fieldSource(ref.item, ref.field, origin));
  return `template (${fields.length > 0 ? fields.join(", ") : "no fields"})`;
}

/** A mounted secret's source: its value's, or each variable of its env file. */
export function contentSource(content: SecretContent, origin: SecretOrigin): string {
  if (content.kind === "value") return valueSource(content.value, origin);
  return `env file: ${Object.entries(content.variables)
    .map(([name, value]) => `${name} from ${valueSource(value, origin)}`)
    .join("; ")}`;
}

/** The key a secret's source is found by: the swarm service and the file's target. */
export const sourceKey = (swarmService: string, target: string) => `${swarmService} ${target}`;
