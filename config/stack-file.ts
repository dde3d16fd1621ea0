import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { PROJECT_DIR } from "../lib/project-dir";

/**
 * Stack files (`Pulumi.<stack>.yaml`) read the way Pulumi hands their config to a program: a flat
 * map of `<namespace>:<key>` to strings, objects and lists as JSON. The offline run, the review
 * commands, the docs and the tests read them here.
 */

/** Reads `Pulumi.<stack>.yaml` of this project. */
export function readStackConfig(stack: string): Record<string, string> {
  return readConfigFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
}

/** Reads any file in the `Pulumi.<stack>.yaml` format (a `config:` map). */
export function readConfigFile(file: string): Record<string, string> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path.basename(file)}: ${(error as Error).message}`);
  }
  const config = (document as { config?: Record<string, unknown> } | null)?.config ?? {};
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/** The stacks of the program, from the `Pulumi.<stack>.yaml` files beside it. */
export function stackNames(projectDir: string = PROJECT_DIR): string[] {
  return readdirSync(projectDir)
    .flatMap((file) => /^Pulumi\.([\w-]+)\.yaml$/.exec(file)?.[1] ?? [])
    .sort();
}
