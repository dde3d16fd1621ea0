import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { SecretValue, StackSpec } from "../lab/model";
import { PROJECT_DIR } from "../lib/project-dir";

/**
 * The files the lab ships (configs and secret templates). Each stack's live in its own folder,
 * beside its stack file, `lab/stacks/<tier>/<name>/`, and the stack file names them from there
 * (`"prometheus.yml"`), so no reference repeats the stack's name. The evaluation names every such
 * file from `lab/` once (`withStackFiles`); validation, planning and the docs read that path.
 */

export const LAB_DIR = path.join(PROJECT_DIR, "lab");

/**
 * A stack's folder, from `lab/`, unless it names its own (`folder`): `stacks/<tier>/<name>`, the
 * name without its tier's prefix and with `-` for `_` (`platform_monitoring` is
 * `stacks/platform/monitoring`, `caddy` is `stacks/infrastructure/caddy`).
 */
export function stackFolder(stack: Pick<StackSpec, "name" | "tier">): string {
  const name = stack.name.startsWith(`${stack.tier}_`) ? stack.name.slice(stack.tier.length + 1) : stack.name;
  return path.posix.join("stacks", stack.tier, name.replace(/_/g, "-"));
}

/** A shipped file's path on disk, refusing one outside `lab/`. */
export function labFilePath(file: string): string {
  const resolved = path.resolve(LAB_DIR, file);
  if (!resolved.startsWith(LAB_DIR + path.sep)) throw new Error(`"${file}" is outside lab/`);
  return resolved;
}

/** Whether a file named by a stack file exists beside it. */
export function labFileExists(file: string): boolean {
  try {
    return existsSync(labFilePath(file));
  } catch {
    return false;
  }
}

/** The text of a file a stack file ships, named from its folder. */
export function readLabFile(file: string): string {
  return readFileSync(labFilePath(file), "utf8");
}

/** The stack with every file it ships named from `lab/` instead of from its own folder. */
export function withStackFiles(stack: StackSpec): StackSpec {
  const folder = stack.folder ?? stackFolder(stack);
  const fromLab = (file: string) => path.posix.join(folder, file);
  const value = (secret: SecretValue): SecretValue => (secret.kind === "template" && "file" in secret ? { ...secret, file: fromLab(secret.file) } : secret);
  return {
    ...stack,
    ...(stack.publishedSecrets ? { publishedSecrets: stack.publishedSecrets.map((published) => ({ ...published, value: value(published.value) })) } : {}),
    services: stack.services.map((service) => ({
      ...service,
      ...(service.secretEnv ? { secretEnv: Object.fromEntries(Object.entries(service.secretEnv).map(([name, secret]) => [name, value(secret)])) } : {}),
      ...(service.secretFiles ? { secretFiles: service.secretFiles.map((file) => ({ ...file, value: value(file.value) })) } : {}),
      ...(service.configs ? { configs: service.configs.map((config) => ({ ...config, file: fromLab(config.file) })) } : {}),
    })),
  };
}
