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

/**
 * The keys a schema allows in the object at `path` (through optional, default and union wrappers).
 * Of a union's objects, only those whose literals (`kind`, `type`) the value at `path` has, when any.
 */
function schemaKeysAt(root: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] {
  type Def = { type: string; shape?: Record<string, unknown>; innerType?: unknown; valueType?: unknown; element?: unknown; options?: unknown[]; values?: unknown[] };
  const def = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;
  const fits = (schema: unknown): boolean => {
    const d = def(schema);
    if (d.innerType) return fits(d.innerType);
    if (d.type === "union") return (d.options ?? []).some(fits);
    if (d.type !== "object") return false;
    return Object.entries(d.shape ?? {}).every(([key, field]) => def(field).type !== "literal" || (def(field).values ?? []).includes((value as Record<string, unknown> | undefined)?.[key]));
  };
  const keysOf = (schema: unknown): string[] => {
    const d = def(schema);
    if (d.type === "object") return Object.keys(d.shape ?? {});
    if (d.innerType) return keysOf(d.innerType);
    if (d.type === "union") {
      const options = d.options ?? [];
      const fitting = options.filter(fits);
      return [...new Set((fitting.length > 0 ? fitting : options).flatMap(keysOf))];
    }
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
  /**
   * How a problem names the key at a path. @default `<project>:<key>.<field>[index]` (pathKeyName);
   * the lab's stack files name a field relative to its owner instead (`limits.memory`).
   */
  readonly keyName?: (path: readonly PropertyKey[]) => string;
  /** Who the key at a path belongs to, put before it (`application_media_core/sonarr: `). @default none */
  readonly owner?: (path: readonly PropertyKey[]) => string;
  /** Whether the value at a path is a secret, whose value a problem must not quote. */
  readonly secret: (path: readonly PropertyKey[]) => boolean;
  /** What a missing key holds, in the project's words; without it, what the schema expected. */
  readonly required?: (path: readonly PropertyKey[]) => string;
}

type Issue = z.core.$ZodIssue;

/** A literal's mismatch (`kind: "opp"` where `"op"` was expected): how a union's branches are told apart. */
const literalMismatch = (issue: Issue, depth: number) =>
  issue.path.length === depth + 1 && issue.code === "invalid_value" && issue.values.length === 1;
/** The value is not of the branch's kind at all (a string where an object was expected). */
const kindMismatch = (issue: Issue, depth: number) => issue.path.length === depth && (issue.code === "invalid_type" || issue.code === "invalid_value");

/**
 * A union's issue as the issues of the branch the value was meant for. When every branch wants
 * another kind of value: one issue saying what the union accepts (`expected number or "global"`).
 * When every branch wants another literal at one key (`kind`, `type`): one issue listing them.
 * Otherwise the issues of the branch with the fewest mismatches (kind, then literals, then all).
 */
function unionIssues(issue: Extract<Issue, { code: "invalid_union" }>): Issue[] {
  const depth = issue.path.length;
  const branches = issue.errors.map((errors) => errors.map((error) => ({ ...error, path: [...issue.path, ...error.path] }) as Issue));
  const custom = (path: readonly PropertyKey[], message: string): Issue => ({ code: "custom", path: [...path], message, input: undefined });
  if (branches.every((branch) => branch.some((error) => kindMismatch(error, depth)))) {
    const alternatives = branches.map((branch) => {
      const kind = branch.find((error) => kindMismatch(error, depth))!;
      return kind.code === "invalid_value" ? kind.values.map((value) => JSON.stringify(value)).join(" or ") : kind.code === "invalid_type" ? kind.expected : "something else";
    });
    return [custom(issue.path, `expected ${[...new Set(alternatives)].join(" or ")}`)];
  }
  const literalKeys = (branch: Issue[]) => branch.filter((error) => literalMismatch(error, depth)).map((error) => String(error.path[depth]));
  const discriminator = literalKeys(branches[0]!).find((key) => branches.every((branch) => literalKeys(branch).includes(key)));
  if (discriminator !== undefined) {
    const values = branches.flatMap((branch) => branch.flatMap((error) => (literalMismatch(error, depth) && String(error.path[depth]) === discriminator && error.code === "invalid_value" ? error.values : [])));
    return [custom([...issue.path, discriminator], `expected one of ${[...new Set(values)].map((value) => JSON.stringify(value)).join(", ")}`)];
  }
  const score = (branch: Issue[]) => [branch.filter((error) => kindMismatch(error, depth)).length, literalKeys(branch).length, branch.length];
  const better = (a: Issue[], b: Issue[]) => {
    const [x, y] = [score(a), score(b)];
    const index = x.findIndex((value, i) => value !== y[i]);
    return index >= 0 && x[index]! < y[index]!;
  };
  return branches.reduce((best, branch) => (better(branch, best) ? branch : best));
}

/** The problems one issue of `config.schema` stands for, read against the raw values it parsed. */
export function issueProblems(issue: Issue, raw: unknown, config: ConfigSchema): string[] {
  // A discriminated union without a branch for the value (no errors) keeps zod's own words.
  if (issue.code === "invalid_union" && issue.errors.length > 0) return unionIssues(issue).flatMap((branchIssue) => issueProblems(branchIssue, raw, config));
  const key = (path: readonly PropertyKey[]) => (config.keyName ?? ((at) => pathKeyName(config.project, at)))(path);
  const name = (path: readonly PropertyKey[]) => `${config.owner ? `${config.owner(path)}: ` : ""}${key(path)}`;
  if (issue.code === "unrecognized_keys") {
    const known = schemaKeysAt(config.schema, issue.path, valueAt(raw, issue.path));
    return issue.keys.map((unknown) => `${name([...issue.path, unknown])}: unknown key${nearestKeyHint(unknown, known, (suggestion) => key([...issue.path, suggestion]))}`);
  }
  const value = valueAt(raw, issue.path);
  const expected = issue.message.replace(/^Invalid input: /, "");
  if (value === undefined && issue.path.length > 0) return [`${name(issue.path)}: required${config.required ? `: ${config.required(issue.path)}` : `, ${expected}`}`];
  return [`${name(issue.path)}: ${expected}${config.secret(issue.path) ? "" : `, got ${describe(value)}`}`];
}
