import { SecretEnv, type ServiceSpec, type StackSpec } from "../lab/model";
import type { SharedNetworkSpec } from "../lab/networks";
import type { ImportNote } from "./notes";

/**
 * The import's data written as TypeScript in the style of the lab's stack files: one `const` per
 * service, the model's helpers where the data is one of their shapes (`op(...)`, `bind(...)`,
 * `Auth.none(...)`, `SecretEnv.linuxserver`), lines kept to 100 columns. Evaluating the text gives
 * back exactly the data it was written from (the tests hold it to that). Pure.
 */

const WIDTH = 100;

/** An expression written as is (a helper call, an octal mode). */
class Code {
  constructor(readonly text: string) {}
}

const call = (name: string, ...args: unknown[]) => new Code(`${name}(${args.map((arg) => inline(arg)).join(", ")})`);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

function inline(value: unknown): string {
  if (value instanceof Code) return value.text;
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([name, item]) => `${key(name)}: ${inline(item)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** A value at `indent`, on one line when it fits after `prefix`, else one item per line. */
export function print(value: unknown, indent: number, prefix = 0): string {
  const flat = inline(value);
  if (value instanceof Code || typeof value !== "object" || value === null || indent + prefix + flat.length <= WIDTH) return flat;
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) return `[\n${value.map((item) => `${pad}${print(item, indent + 2)},`).join("\n")}\n${" ".repeat(indent)}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  return `{\n${entries.map(([name, item]) => `${pad}${key(name)}: ${print(item, indent + 2, key(name).length + 3)},`).join("\n")}\n${" ".repeat(indent)}}`;
}

type Loose = Record<string, any>;

const DELIVERY_NAMES = Object.entries(SecretEnv).filter(([, delivery]) => typeof delivery !== "function");

/** The lab's host paths (`homelab:paths`), which stack files name through `lab.appdata(...)` and friends. */
export type LabPaths = Readonly<Record<"appdata" | "media" | "backups" | "dockerRoot", string>>;

/** A host path as the stack file writes it: under one of the lab's roots, through its helper (the longest root wins). */
function hostPath(source: string, paths: LabPaths | undefined, use: (name: string, code: Code) => Code): string | Code {
  const roots = Object.entries(paths ?? {}).sort(([, a], [, b]) => b.length - a.length);
  for (const [helper, root] of roots) {
    const base = root.replace(/\/+$/, "");
    if (source === base) return use("lab", new Code(`lab.${helper}("")`));
    if (source.startsWith(`${base}/`)) return use("lab", new Code(`lab.${helper}(${JSON.stringify(source.slice(base.length + 1))})`));
  }
  return source;
}

/** The model's values in the shapes its helpers make, as calls of those helpers. */
function withHelpers(service: ServiceSpec, used: Set<string>, paths: LabPaths | undefined): Loose {
  const use = (name: string, code: Code) => (used.add(name.split(".")[0]!), code);
  const secret = (value: Loose) =>
    value.kind === "op" ? use("op", call("op", value.item, value.field)) : "file" in value ? use("opTemplateFile", call("opTemplateFile", value.file)) : use("opTemplate", call("opTemplate", value.text));
  const mode = (value: number | undefined) => (value === undefined ? undefined : new Code(`0o${value.toString(8)}`));
  const delivery = (value: Loose) => {
    const named = DELIVERY_NAMES.find(([, known]) => JSON.stringify(known) === JSON.stringify(value));
    return named ? use("SecretEnv", new Code(`SecretEnv.${named[0]}`)) : use("SecretEnv", call("SecretEnv.envFile", value.command));
  };
  const mount = (value: Loose) => {
    if (value.type === "bind" && value.reason !== undefined) {
      return use("hostBind", call("hostBind", value.source, value.target, value.reason, ...(value.readOnly ? [] : [{ readOnly: false }])));
    }
    const source = value.type === "bind" ? hostPath(value.source, paths, use) : undefined;
    if (value.type === "bind") return value.readOnly ? use("bindRO", call("bindRO", source, value.target)) : use("bind", call("bind", source, value.target));
    if (value.type === "volume" && value.readOnly === undefined) return use("volume", call("volume", value.name, value.target));
    if (value.type === "tmpfs") return use("tmpfs", call("tmpfs", value.target, ...(value.sizeBytes !== undefined ? [value.sizeBytes] : [])));
    return value;
  };
  const spec: Loose = { ...service };
  if (spec.sites) spec.sites = spec.sites.map((site: Loose) => (site.auth?.kind === "none" ? { ...site, auth: use("Auth", call("Auth.none", site.auth.reason)) } : site));
  if (spec.secretEnv) spec.secretEnv = Object.fromEntries(Object.entries(spec.secretEnv).map(([name, value]) => [name, secret(value as Loose)]));
  if (spec.secretEnvDelivery) spec.secretEnvDelivery = delivery(spec.secretEnvDelivery);
  if (spec.secretFiles) spec.secretFiles = spec.secretFiles.map((file: Loose) => ({ ...file, value: secret(file.value), mode: mode(file.mode) }));
  if (spec.configs) spec.configs = spec.configs.map((config: Loose) => ({ ...config, mode: mode(config.mode) }));
  if (spec.mounts) spec.mounts = spec.mounts.map(mount);
  return spec;
}

const RESERVED = new Set(["break", "case", "catch", "class", "const", "continue", "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static", "lab"]);

/** `media-server` → `mediaServer`, never a reserved word. */
export function identifier(name: string, taken: ReadonlySet<string> = new Set()): string {
  const camel = name.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? "").toUpperCase()).replace(/^[^A-Za-z_$]+/, "");
  let candidate = RESERVED.has(camel) || camel === "" ? `${camel || "service"}Service` : camel;
  for (let index = 2; taken.has(candidate); index += 1) candidate = `${camel}${index}`;
  return candidate;
}

function comment(notes: readonly ImportNote[]): string[] {
  const left = notes.filter((note) => note.kind === "not-representable");
  if (left.length === 0) return [];
  return [" *", " * Left out, not representable in the lab (from the import's report):", ...left.map((note) => ` * - ${note.file}:${note.line}: ${note.key}: ${note.message.replace(/\*\//g, "* /")}`)];
}

/** The stack file: `lab/<folder>/index.ts`, with `model` the relative path to lab/model.ts. */
export function stackFileText(spec: StackSpec, notes: readonly ImportNote[], model: string, paths?: LabPaths): string {
  const used = new Set<string>(["defineStack"]);
  const taken = new Set<string>();
  const services = spec.services.map((service) => {
    const name = identifier(service.name, taken);
    taken.add(name);
    return { name, spec: withHelpers(service, used, paths) };
  });
  // `lab` is the stack file's parameter, not an import.
  const usesLab = used.delete("lab");
  const helpers = [...used].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" }));
  const lines = [
    `import { ${[...helpers, "type ServiceSpec", "type StackSpec"].join(", ")} } from "${model}";`,
    "",
    "/**",
    ` * ${spec.description}, by \`npm run import\`.`,
    ...comment(notes),
    " */",
    `export default defineStack((${usesLab ? "lab" : ""}): StackSpec => {`,
  ];
  for (const service of services) lines.push(`  const ${service.name}: ServiceSpec = ${print(service.spec, 2, service.name.length + 22)};`, "");
  const { services: _, ...stack } = spec;
  const body = print({ ...stack, services: new Code(`[${services.map((service) => service.name).join(", ")}]`) }, 2, 9);
  lines.push(`  return ${body};`, "});", "");
  return lines.join("\n");
}

/** A shared network's entry for lab/networks.ts's list. */
export function sharedNetworkText(network: SharedNetworkSpec): string {
  return `  ${print(network, 2)},`;
}
