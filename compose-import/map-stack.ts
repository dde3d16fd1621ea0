import * as path from "node:path";
import { op, opTemplateFile, type StackNetwork, type StackSpec, type Tier } from "../lab/model";
import type { SharedNetworkSpec } from "../lab/networks";
import type { IngressSettings } from "../evaluation/labels";
import { swarmName } from "../lib/naming";
import { type ComposeModel, record, text } from "./compose";
import { forwardAuthSnippets } from "./map-caddy";
import { opValue } from "./map-secrets";
import type { ImportedObject, StackImportContext } from "./context";
import { mapService } from "./map-service";
import { type ImportNote, Notes } from "./notes";
import type { SourceLines } from "./source-lines";

/**
 * A whole compose stack, as `docker stack config` prints it, in the lab's vocabulary: its own
 * networks, the external ones as shared networks, its secrets as 1Password references, its
 * configs as files beside the stack file, and its services. Pure: what to write comes back as
 * data, with every note.
 */

export interface ImportOptions {
  /** The `docker stack deploy` name. */
  readonly stack: string;
  readonly tier: Tier;
  readonly ingress: IngressSettings;
  readonly pinStateful: boolean;
  /** The lab's shared networks as they are. */
  readonly sharedNetworks: readonly SharedNetworkSpec[];
  /** The text of a file the compose model names (configs and secrets from files, files bound from the project). */
  readonly readFile: (file: string) => string;
  /** Whether a host path is a file on this machine. */
  readonly isFile: (file: string) => boolean;
  /** The compose project's folder (the first file's), which relative paths were resolved from. */
  readonly composeDir: string;
  /** The compose files, for the stack's description. */
  readonly files: readonly string[];
}

export interface ImportPlan {
  /** The stack file's data (the stack's folder follows from its name and tier). */
  readonly spec: StackSpec;
  /** Files to write beside the stack file, by their name there. */
  readonly files: ReadonlyMap<string, string>;
  /** External networks the lab does not know yet, to add to lab/networks.ts. */
  readonly newSharedNetworks: readonly SharedNetworkSpec[];
  readonly notes: readonly ImportNote[];
}

/** `{{ op://vault/item/field }}`, as `op inject` templates write it. */
const OP_PLACEHOLDER = /\{\{\s*op:\/\/[^/\s]+\/([^/\s]+)\/([^\s}]+)\s*\}\}/;

const NETWORK_READ = new Set(["driver", "attachable", "name", "external"]);

function networks(model: ComposeModel, options: ImportOptions, notes: Notes) {
  const keys = new Map<string, string>();
  const own: StackNetwork[] = [];
  const added: SharedNetworkSpec[] = [];
  // Like docker stack deploy, only the networks some service joins (no list: the stack's default one).
  const used = new Set(Object.values(record(model.services)).flatMap((service) => {
    const joined = record(service).networks;
    const keys = Array.isArray(joined) ? joined.map(String) : Object.keys(record(joined));
    return keys.length > 0 ? keys : ["default"];
  }));
  const declared = { default: {}, ...record(model.networks) };
  for (const key of Object.keys(record(model.networks)).filter((key) => !used.has(key))) {
    notes.add("ignored-by-stack-deploy", ["networks", key], "no service joins it, so docker stack deploy never created it");
  }
  for (const [key, value] of Object.entries(declared).filter(([key]) => used.has(key))) {
    const network = record(value);
    const name = text(network.name) ?? (network.external === true ? key : swarmName(options.stack, key));
    if (network.external === true) {
      const known = [...options.sharedNetworks, ...added].find((shared) => shared.name === name);
      const sharedKey = known?.key ?? (options.sharedNetworks.some((shared) => shared.key === key) ? name : key);
      if (!known) added.push({ key: sharedKey, name, purpose: `external network of the ${options.stack} stack (imported from ${notes.at(["networks", key])})` });
      keys.set(key, sharedKey);
      continue;
    }
    const shared = options.sharedNetworks.find((candidate) => candidate.name === name);
    if (shared) {
      // The lab's shared networks include those a stack created for others to join (platform_postgres_postgres).
      keys.set(key, shared.key);
      notes.add("changed", ["networks", key], `the lab's shared network "${shared.key}" (lab/networks.ts), created before any stack`, network.attachable === true ? undefined : { network: name, fields: ["attachable"] });
      continue;
    }
    if (name !== swarmName(options.stack, key)) {
      notes.add("not-representable", ["networks", key, "name"], `the stack's networks are named <stack>_<key>; this one becomes ${swarmName(options.stack, key)}`, {
        unmanaged: [{ kind: "network", name }],
        missing: [{ kind: "network", name: swarmName(options.stack, key) }],
      });
    }
    if (text(network.driver) !== undefined && text(network.driver) !== "overlay") notes.add("not-representable", ["networks", key, "driver"], "the lab's networks are overlay networks");
    for (const setting of Object.keys(network).filter((setting) => !NETWORK_READ.has(setting))) {
      notes.add("not-representable", ["networks", key, setting], `networks.${key}.${setting} is not in the lab's vocabulary`, setting === "labels" ? { network: name, fields: ["labels."] } : undefined);
    }
    keys.set(key, key);
    own.push({
      key,
      ...(network.attachable === true ? {} : { attachable: false }),
      purpose: key === "default" ? "the stack's default network, as docker stack deploy creates it" : `imported from ${notes.at(["networks", key])}`,
    });
  }
  return { keys, own, added };
}

/** A compose secret as a 1Password reference; only templates are copied into the lab. */
function secrets(model: ComposeModel, options: ImportOptions, notes: Notes, files: Map<string, string>): Map<string, ImportedObject> {
  const imported = new Map<string, ImportedObject>();
  for (const [key, value] of Object.entries(record(model.secrets))) {
    const secret = record(value);
    const liveName = text(secret.name) ?? (secret.external === true ? key : swarmName(options.stack, key));
    const unmanaged = { unmanaged: [{ kind: "secret" as const, name: liveName }] };
    const file = text(secret.file);
    const fallback = op(options.stack, key);
    if (file !== undefined) {
      const content = options.readFile(file);
      const reference = opValue(content.trim());
      if (reference?.kind === "op") {
        imported.set(key, { liveName, value: reference });
        notes.add("changed", ["secrets", key], `the file holds a 1Password reference: op("${reference.item}", "${reference.field}")`, unmanaged);
      } else if (OP_PLACEHOLDER.test(content)) {
        const name = path.posix.join("secrets", besideStack(files, path.basename(file), key, "secrets/"));
        // `op inject` names the vault; the lab's templates take it from config.
        files.set(name, content.replace(new RegExp(OP_PLACEHOLDER.source, "g"), "{{ op://$1/$2 }}"));
        imported.set(key, { liveName, value: opTemplateFile(name) });
        notes.add("changed", ["secrets", key], `a template of 1Password references, copied to ${name}`, unmanaged);
      } else {
        imported.set(key, { liveName, value: fallback });
        notes.add("changed", ["secrets", key], `the file holds a literal value, which was not copied into the lab: put it into 1Password, item "${options.stack}", field "${key}"`, unmanaged);
      }
    } else {
      imported.set(key, { liveName, value: fallback });
      const whence = secret.external === true ? `the external secret ${liveName}` : "its value";
      notes.add("changed", ["secrets", key], `${whence}: the program reads it from 1Password, item "${options.stack}", field "${key}"`, unmanaged);
    }
  }
  return imported;
}

function configs(model: ComposeModel, options: ImportOptions, notes: Notes, files: Map<string, string>): Map<string, ImportedObject> {
  const imported = new Map<string, ImportedObject>();
  for (const [key, value] of Object.entries(record(model.configs))) {
    const config = record(value);
    const liveName = text(config.name) ?? (config.external === true ? key : swarmName(options.stack, key));
    const file = text(config.file);
    const content = text(config.content);
    if (file === undefined && content === undefined) {
      notes.add("not-representable", ["configs", key], "an external config: its content is not in the compose files; add the file to the stack's folder and declare it");
      continue;
    }
    const name = besideStack(files, file !== undefined ? path.basename(file) : key, key);
    files.set(name, file !== undefined ? options.readFile(file) : content!);
    imported.set(key, { liveName, file: name });
    notes.add("changed", ["configs", key], `copied to ${name} beside the stack file`, { unmanaged: [{ kind: "config", name: liveName }] });
  }
  return imported;
}

/** A name for a file in the stack's folder that no other file of the import has. */
function besideStack(files: ReadonlyMap<string, string>, base: string, qualifier: string, folder = ""): string {
  const taken = (name: string) => files.has(`${folder}${name}`);
  let name = taken(base) ? `${qualifier}-${base}` : base;
  for (let index = 2; taken(name); index += 1) name = `${qualifier}-${index}-${base}`;
  return name;
}

export function planImport(model: ComposeModel, lines: SourceLines, options: ImportOptions): ImportPlan {
  const notes = new Notes(lines);
  const files = new Map<string, string>();
  for (const key of Object.keys(model).filter((key) => !["version", "name", "services", "networks", "volumes", "secrets", "configs"].includes(key) && !key.startsWith("x-"))) {
    notes.add("not-representable", [key], `${key} is not in the lab's vocabulary`);
  }
  const net = networks(model, options, notes);
  const services = record(model.services);
  const ctx: StackImportContext = {
    stack: options.stack,
    ingress: options.ingress,
    pinStateful: options.pinStateful,
    networkKeys: net.keys,
    secrets: secrets(model, options, notes, files),
    configs: configs(model, options, notes, files),
    volumes: record(model.volumes),
    forwardAuthSnippets: forwardAuthSnippets(Object.values(services).map((service) => Object.fromEntries(Object.entries(record(record(record(service).deploy).labels)).map(([key, value]) => [key, String(value)])))),
    item: options.stack,
    composeDir: options.composeDir,
    isFile: options.isFile,
    ship: (file) => {
      const name = besideStack(files, path.basename(file), "file");
      files.set(name, options.readFile(file));
      return name;
    },
    notes,
  };
  const specs = Object.entries(services).flatMap(([key, service]) => mapService(key, record(service), ctx) ?? []);
  const spec: StackSpec = {
    name: options.stack,
    tier: options.tier,
    description: `Imported from ${options.files.join(", ")}`,
    ...(net.own.length > 0 ? { networks: net.own } : {}),
    services: specs,
  };
  return { spec, files, newSharedNetworks: net.added, notes: notes.list };
}
