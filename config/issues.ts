import type { z } from "zod";
import { nearestKeyHint } from "./namespaces";

/**
 * A schema's issues as configuration problems, worded alike for every project in this repository
 * (the lab's `homelab:*` keys, the ops program's `homelab-ops:*`): one line per key, naming the key
 * as a stack file spells it, what was expected and what was given, never a secret's value.
 */

/** A value as a problem quotes it: JSON, cut short, so one bad value cannot drown the others. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `<project>:<key>`, then `.field` and `[index]` down the path: `homelab:services.caddy/caddy.replicas`. */
export function pathKeyName(project: string, path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  let name = `${project}:${String(head ?? "")}`;
  for (const part of rest) name += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return name;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The keys a schema allows in the object at `path` (through optional, default and union wrappers). */
function schemaKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  type Def = { type: string; shape?: Record<string, unknown>; innerType?: unknown; valueType?: unknown; element?: unknown; options?: unknown[] };
  const def = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;
  const keysOf = (schema: unknown): string[] => {
    const d = def(schema);
    if (d.type === "object") return Object.keys(d.shape ?? {});
    if (d.innerType) return keysOf(d.innerType);
    if (d.type === "union") return [...new Set((d.options ?? []).flatMap(keysOf))];
    return [];
  };
  const step = (schema: unknown, key: PropertyKey): unknown[] => {
    const d = def(schema);
    if (d.innerType) return step(d.innerType, key);
    if (d.type === "object") return d.shape?.[String(key)] ? [d.shape[String(key)]] : [];
    if (d.type === "record") return [d.valueType];
    if (d.type === "array") return [d.element];
    if (d.type === "union") return (d.options ?? []).flatMap((option) => step(option, key));
    return [];
  };
  let schemas: unknown[] = [root];
  for (const key of path) schemas = schemas.flatMap((schema) => step(schema, key));
  return [...new Set(schemas.flatMap(keysOf))];
}

export interface ConfigSchema {
  /** The namespace the schema's keys live in. */
  readonly project: string;
  readonly schema: z.ZodType;
  /** Whether the value at a path is a secret, whose value a problem must not quote. */
  readonly secret: (path: readonly PropertyKey[]) => boolean;
  /** What a missing key holds, in the project's words; without it, what the schema expected. */
  readonly required?: (path: readonly PropertyKey[]) => string;
}

/** The problems one issue of `config.schema` stands for, read against the raw values it parsed. */
export function issueProblems(issue: z.core.$ZodIssue, raw: Record<string, unknown>, config: ConfigSchema): string[] {
  const name = (path: readonly PropertyKey[]) => pathKeyName(config.project, path);
  if (issue.code === "unrecognized_keys") {
    const known = schemaKeysAt(config.schema, issue.path);
    return issue.keys.map((key) => `${name([...issue.path, key])}: unknown key${nearestKeyHint(key, known, (suggestion) => name([...issue.path, suggestion]))}`);
  }
  const value = valueAt(raw, issue.path);
  const expected = issue.message.replace(/^Invalid input: /, "");
  if (value === undefined && issue.path.length > 0) return [`${name(issue.path)}: required${config.required ? `: ${config.required(issue.path)}` : `, ${expected}`}`];
  return [`${name(issue.path)}: ${expected}${config.secret(issue.path) ? "" : `, got ${describe(value)}`}`];
}
