import { type ConfigFile, op, opTemplate, SecretEnv, type SecretEnvDelivery, type SecretFile, type SecretValue } from "../lab/model";
import { contentAddressedName, swarmName } from "../lib/naming";
import { slug } from "../evaluation/service-plan";
import { contentIdentity } from "../live/swarm-state";
import { integer, list, type Loose, record, text } from "./compose";
import type { StackImportContext } from "./context";

/**
 * What of a compose service holds or ships values: its environment (1Password references and
 * credentials become secret files the image reads, by its own convention), its secrets and its
 * configs. Secret values are never written into the lab: they are 1Password references. Pure.
 */

/** Images whose way of reading a secret from a file is known (lab/model.ts's SecretEnv). */
const DELIVERIES: readonly [RegExp, SecretEnvDelivery][] = [
  [/(^|\/)linuxserver\//, SecretEnv.linuxserver],
  [/(^|\/)(postgres|postgis\/postgis|timescale\/timescaledb[^:]*)(:|@|$)/, SecretEnv.postgres],
  [/(^|\/)grafana\/grafana(-oss|-enterprise)?(:|@|$)/, SecretEnv.grafana],
  [/(^|\/)goauthentik\//, SecretEnv.authentik],
  [/(^|\/)cloudflare\/cloudflared(:|@|$)/, SecretEnv.cloudflared],
];

/** Variables whose literal values are credentials: they go to 1Password, never into a stack file. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)(_|$)/i;
/** Variables that point at a secret file (`POSTGRES_PASSWORD_FILE`, `FILE__KEY`) hold a path, not the secret. */
const FILE_POINTER = /(_FILE|__FILE)$|^FILE__/i;

/** Whether a literal value of this variable is a credential. */
export const isCredential = (name: string, value: string): boolean => SECRET_NAME.test(name) && !FILE_POINTER.test(name) && value !== "" && !value.startsWith("/run/secrets/");
const OP_REFERENCE = /op:\/\/[^/\s]+\/([^/\s]+)\/([^\s"']+)/g;

/** `op://vault/item/field` alone, or inside a text: the lab's reference (its vault comes from config). */
export function opValue(value: string): SecretValue | undefined {
  const whole = /^op:\/\/[^/\s]+\/([^/\s]+)\/(\S+)$/.exec(value);
  if (whole) return op(whole[1]!, whole[2]!);
  if (!/op:\/\/[^/\s]+\/[^/\s]+\/\S/.test(value)) return undefined;
  return opTemplate(value.replace(OP_REFERENCE, (_, item: string, field: string) => `{{ op://${item}/${field} }}`));
}

/**
 * The name a secret or config the program makes for this service goes by, without its content
 * digest (as drift matches them): `<stack>_<service>_<key>`, shortened as lib/naming.ts shortens it.
 */
function objectIdentity(swarm: string, key: string): string {
  return contentIdentity(contentAddressedName(swarmName(swarm, key), ""));
}

/** What drift calls the config the program makes for a file mounted at `target`. */
export const configIdentity = (swarm: string, target: string): string => objectIdentity(swarm, slug(target));

interface EnvironmentParts {
  readonly env: Record<string, string>;
  readonly secretEnv?: Record<string, SecretValue>;
  readonly secretEnvDelivery?: SecretEnvDelivery;
  readonly entrypoint?: string[] | undefined;
  readonly command?: string[] | undefined;
}

export function environment(at: readonly string[], service: Loose, image: string, entrypoint: string[] | undefined, command: string[] | undefined, ctx: StackImportContext, swarm: string): EnvironmentParts {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, SecretValue> = {};
  for (const [name, value] of Object.entries(record(service.environment))) {
    if (value === null || value === undefined) {
      ctx.notes.add("not-representable", [...at, "environment", name], "set without a value (taken from the deploying shell, if at all); give it a value", { service: swarm, fields: ["env (names)"] });
      continue;
    }
    const written = String(value);
    const reference = opValue(written) ?? (isCredential(name, written) ? op(ctx.item, name) : undefined);
    if (reference) secretEnv[name] = reference;
    else env[name] = written;
  }
  if (Object.keys(secretEnv).length === 0) return { env, entrypoint, command };
  const delivery = DELIVERIES.find(([pattern]) => pattern.test(image))?.[1] ?? (entrypoint ? SecretEnv.envFile([...entrypoint, ...(command ?? [])]) : undefined);
  for (const name of Object.keys(secretEnv)) {
    const from = secretEnv[name]!.kind === "op" && !opValue(String(record(service.environment)[name])) ? `its value belongs in 1Password, item "${ctx.item}", field "${name}" (not written to the stack file)` : "a 1Password reference";
    if (!delivery) {
      ctx.notes.add("not-representable", [...at, "environment", name], `${from}; the image's way of reading a secret file is unknown and its entrypoint is not in the compose file: declare secretEnv with a secretEnvDelivery`, { service: swarm, fields: ["env (names)"] });
      delete secretEnv[name];
      continue;
    }
    const identity = objectIdentity(swarm, delivery.kind === "env-file" ? "env" : name);
    ctx.notes.add("changed", [...at, "environment", name], `${from}, delivered as a swarm secret file (${delivery.kind === "env-file" ? "an env file sourced before the entrypoint" : delivery.variable.replace("{name}", name)})`, {
      service: swarm,
      fields: ["env (names)", "secrets"],
      missing: [{ kind: "secret", name: identity }],
    });
  }
  if (Object.keys(secretEnv).length === 0) return { env, entrypoint, command };
  // An env-file delivery runs the service's command itself (validation refuses both).
  return { env, secretEnv, secretEnvDelivery: delivery!, ...(delivery!.kind === "env-file" ? {} : { entrypoint, command }) };
}

export function secretFiles(at: readonly string[], service: Loose, ctx: StackImportContext, swarm: string): SecretFile[] {
  return list(service.secrets).flatMap((entry, index): SecretFile[] => {
    const source = text(record(entry).source) ?? "";
    const imported = ctx.secrets.get(source);
    if (!imported?.value) {
      ctx.notes.add("not-representable", [...at, "secrets", index], `secret "${source}" could not be carried over (see its own note)`, { service: swarm, fields: ["secrets"] });
      return [];
    }
    const written = text(record(entry).target) ?? source;
    const target = written.startsWith("/") ? written : `/run/secrets/${written}`;
    const [uid, gid, mode] = [integer(record(entry).uid), integer(record(entry).gid), integer(record(entry).mode)];
    ctx.notes.add("changed", [...at, "secrets", index], `secret "${source}" is created by the program under its own content-addressed name`, {
      service: swarm,
      fields: ["secrets"],
      missing: [{ kind: "secret", name: objectIdentity(swarm, slug(target)) }],
    });
    // The lab gives a secret to the service's own numeric user (0440) where stack deploy gave it to root (0444).
    if (/^\d+:\d+$/.test(text(service.user) ?? "") && (uid === undefined || gid === undefined || mode === undefined)) {
      ctx.notes.add("changed", [...at, "secrets", index], `secret "${source}" is owned by the service's user ${text(service.user)}, mode 0440 unless set (the lab's default; stack deploy gave it to root, 0444)`);
    }
    return [{ target, value: imported.value, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(mode !== undefined ? { mode } : {}) }];
  });
}

export function configFiles(at: readonly string[], service: Loose, ctx: StackImportContext, swarm: string): ConfigFile[] {
  return list(service.configs).flatMap((entry, index): ConfigFile[] => {
    const source = text(record(entry).source) ?? "";
    const imported = ctx.configs.get(source);
    if (!imported?.file) {
      ctx.notes.add("not-representable", [...at, "configs", index], `config "${source}" could not be carried over (see its own note)`, { service: swarm, fields: ["configs"] });
      return [];
    }
    const target = text(record(entry).target) ?? `/${source}`;
    if (record(entry).uid !== undefined || record(entry).gid !== undefined) {
      ctx.notes.add("not-representable", [...at, "configs", index], "a config's owner (uid/gid) is not in the lab's vocabulary; it is owned by root");
    }
    const mode = integer(record(entry).mode);
    ctx.notes.add("changed", [...at, "configs", index], `config "${source}" ships from the stack's folder (${imported.file}) under the program's content-addressed name`, {
      service: swarm,
      fields: ["configs"],
      missing: [{ kind: "config", name: configIdentity(swarm, target) }],
    });
    return [{ file: imported.file, target, ...(mode !== undefined ? { mode } : {}) }];
  });
}

