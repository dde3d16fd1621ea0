import { nearest } from "../lib/nearest";

/**
 * Every key in a stack file must belong to someone who reads it: the project itself (its own
 * schema checks those), a provider it uses (the keys that provider's installed package declares in
 * its `config/vars`), or Pulumi. Anything else is a typo that would otherwise be ignored in
 * silence: `docker:hots` leaves `docker:host` unset, and every tool falls back to DOCKER_HOST.
 */

/** Keys Pulumi itself reads from stack configuration (Pulumi's "Configuration" docs). */
export const PULUMI_KEYS: readonly string[] = ["pulumi:disable-default-providers", "pulumi:tags", "pulumi:autonaming"];

export interface ConfigNamespaces {
  /** The project's own namespace; its keys are left to the project's schema. */
  readonly project: string;
  /** The project's own top-level keys (for the nearest-key hint). */
  readonly projectKeys: readonly string[];
  /** npm packages of the providers the project configures, e.g. "@pulumi/docker". */
  readonly providers: readonly string[];
  /** Namespaces of other projects in this repository, and where their keys belong. */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

interface ProviderKeys {
  readonly namespace: string;
  readonly package: string;
  readonly version: string;
  readonly keys: readonly string[];
}

function providerManifest(packageName: string): { version: string; namespace: string } {
  const manifest = require(`${packageName}/package.json`) as { version: string; pulumi?: { name?: string } };
  const namespace = manifest.pulumi?.name;
  if (!namespace) throw new Error(`${packageName} is not a Pulumi provider package (no pulumi.name in its package.json)`);
  return { version: manifest.version, namespace };
}

/** A provider's config namespace and keys, read from the package installed in node_modules. */
export function providerKeys(packageName: string): ProviderKeys {
  const { version, namespace } = providerManifest(packageName);
  // The generated config module defines one enumerable getter per key; listing them reads no value.
  const keys = Object.keys(require(`${packageName}/config/vars`) as object);
  return { namespace, package: packageName, version: version.replace(/^v/, ""), keys };
}

/** The namespaces a project's stack file holds keys of: its own, then its providers' (Pulumi's aside). */
export function projectNamespaces(namespaces: ConfigNamespaces): string[] {
  return [namespaces.project, ...namespaces.providers.map((packageName) => providerManifest(packageName).namespace)];
}

/** The values of one namespace's keys by key (`homelab:domain` gives `domain`), each read with `read`. */
export function namespaceValues<T>(rawConfig: Readonly<Record<string, string>>, namespace: string, read: (value: string) => T): Record<string, T> {
  const values: Record<string, T> = {};
  for (const [fullKey, value] of Object.entries(rawConfig)) {
    const [keyNamespace, key] = fullKey.split(":", 2);
    if (keyNamespace === namespace && key) values[key] = read(value);
  }
  return values;
}

/** "; the nearest valid key is <name>" for the candidate nearest `word`, or nothing when none is near. */
export function nearestKeyHint(word: string, candidates: readonly string[], name: (candidate: string) => string = (candidate) => candidate): string {
  const suggestion = nearest(word, candidates);
  return suggestion ? `; the nearest valid key is ${name(suggestion)}` : "";
}

const joined = (names: readonly string[]) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

/** One problem per key that nobody reads, each naming the key and the nearest valid one (if any is near). */
export function unreadConfigKeys(rawConfig: Readonly<Record<string, string>>, namespaces: ConfigNamespaces): string[] {
  const providers = namespaces.providers.map(providerKeys);
  const valid = [
    ...namespaces.projectKeys.map((key) => `${namespaces.project}:${key}`),
    ...providers.flatMap((provider) => provider.keys.map((key) => `${provider.namespace}:${key}`)),
    ...PULUMI_KEYS,
  ];
  const readers = [...projectNamespaces(namespaces), "pulumi"];
  const hint = (fullKey: string) => nearestKeyHint(fullKey, valid);

  const problems: string[] = [];
  for (const fullKey of Object.keys(rawConfig)) {
    const colon = fullKey.indexOf(":");
    if (colon < 0) {
      // Compared with the names alone: the namespace is what is missing.
      const names = valid.map((key) => key.slice(key.indexOf(":") + 1));
      problems.push(`${fullKey}: expected a key of the form <namespace>:<name>${nearestKeyHint(fullKey, names, (name) => valid[names.indexOf(name)]!)}`);
      continue;
    }
    const namespace = fullKey.slice(0, colon);
    if (namespace === namespaces.project) continue;
    const elsewhere = namespaces.elsewhere?.[namespace];
    if (elsewhere !== undefined) {
      problems.push(`${fullKey}: belongs to ${elsewhere}, not to this project's stack file`);
      continue;
    }
    const provider = providers.find((candidate) => candidate.namespace === namespace);
    if (provider) {
      if (!provider.keys.includes(fullKey.slice(colon + 1))) problems.push(`${fullKey}: not a config key of ${provider.package} ${provider.version}${hint(fullKey)}`);
      continue;
    }
    if (namespace === "pulumi") {
      if (!PULUMI_KEYS.includes(fullKey)) problems.push(`${fullKey}: not a key Pulumi reads (${joined(PULUMI_KEYS)})${hint(fullKey)}`);
      continue;
    }
    problems.push(`${fullKey}: unknown namespace "${namespace}" (this project reads ${joined(readers)} keys)${hint(fullKey)}`);
  }
  return problems;
}
