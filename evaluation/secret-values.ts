import type { OpRef, SecretValue } from "../lab/model";
import { readLabFile } from "./lab-files";

/**
 * Secret values: which 1Password fields a value needs, and how a value is rendered once the
 * fields are known. Pure; the reading itself happens in components/secret-source.ts.
 */

/** Resolved fields, keyed by `refKey()`. */
export type FieldValues = ReadonlyMap<string, string>;

/** `<item>/<field>`: how a 1Password field is keyed in the secret values. */
export function refKey(ref: { item: string; field: string }): string {
  return `${ref.item}/${ref.field}`;
}

/**
 * How a `secrets.source: config` stack is given the value of `<item>/<field>`. Without a value on
 * the command line Pulumi prompts for it, so it never lands in the shell's history.
 */
export function secretValueCommand(key: string): string {
  return `pulumi config set --secret --path 'homelab:secretValues["${key}"]'`;
}

const PLACEHOLDER = /\{\{\s*op:\/\/([^/{}]+?)\/([^{}]+?)\s*\}\}/g;

/** A template's text, written inline or read from the file beside its stack file. */
export function templateText(value: SecretValue & { kind: "template" }): string {
  return "text" in value ? value.text : readLabFile(value.file);
}

/** Each field once (by `refKey`), in the order first named, with that first mention's `decode`. */
export function distinctRefs(refs: readonly OpRef[]): OpRef[] {
  const byKey = new Map<string, OpRef>();
  for (const ref of refs) if (!byKey.has(refKey(ref))) byKey.set(refKey(ref), ref);
  return [...byKey.values()];
}

/** The 1Password fields a value needs. */
export function refsOf(value: SecretValue): OpRef[] {
  if (value.kind === "op") return [value];
  if (value.kind === "program") return [];
  const refs: OpRef[] = [];
  for (const match of templateText(value).matchAll(PLACEHOLDER)) {
    refs.push({ kind: "op", item: (match[1] ?? "").trim(), field: (match[2] ?? "").trim() });
  }
  return refs;
}

function fieldValue(values: FieldValues, ref: { item: string; field: string }): string {
  const value = values.get(refKey(ref));
  if (value === undefined) throw new Error(`no value was read for 1Password field ${refKey(ref)}`);
  return value;
}

/** The bytes a value stands for, with every placeholder filled in. */
export function renderSecretValue(value: SecretValue, values: FieldValues): Buffer {
  if (value.kind === "program") throw new Error(`program secret "${value.name}" is only known while the program runs; it cannot be rendered from 1Password fields`);
  if (value.kind === "op") {
    const text = fieldValue(values, value);
    return value.decode === "base64" ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
  }
  const text = templateText(value).replace(PLACEHOLDER, (_whole, item: string, field: string) =>
    fieldValue(values, { item: item.trim(), field: field.trim() }),
  );
  return Buffer.from(text, "utf8");
}

/** POSIX shell single-quoting: the value is taken literally, whatever characters it holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An env file that `sh -c 'set -a; . file'` loads without interpreting any value. */
export function renderEnvFile(variables: Readonly<Record<string, SecretValue>>, values: FieldValues): Buffer {
  const lines = Object.keys(variables)
    .sort()
    .map((name) => `${name}=${shellQuote(renderSecretValue(variables[name]!, values).toString("utf8"))}`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}
