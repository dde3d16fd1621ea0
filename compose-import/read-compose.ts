import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseEnv } from "node:util";
import { parse } from "yaml";
import { type ComposeModel, isRecord } from "./compose";
import { type SourceFile, sourceLines, type SourceLines } from "./source-lines";

/**
 * Reads compose files as `docker stack deploy` reads them, by asking the Docker CLI itself:
 * `docker stack config` merges the files in order, interpolates `${VAR}`, `${VAR:-default}` and
 * friends from the environment, resolves anchors, `<<` merges and relative paths, and prints the
 * model stack deploy would deploy. It needs no engine. The original files are read too, for the
 * line of every note.
 */

export class ComposeReadError extends Error {}

export interface ComposeRead {
  readonly model: ComposeModel;
  readonly lines: SourceLines;
}

/**
 * The variables compose files are interpolated with: the env file's, then the environment's,
 * which win (as with `docker compose --env-file`; `docker stack deploy` itself reads the
 * environment only).
 */
export function interpolationEnv(envFile: string | undefined, environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (envFile === undefined) return environment;
  let text: string;
  try {
    text = readFileSync(envFile, "utf8");
  } catch (error) {
    throw new ComposeReadError(`--env-file ${envFile}: ${(error as Error).message}`);
  }
  return { ...parseEnv(text), ...environment };
}

export function readCompose(files: readonly string[], env: NodeJS.ProcessEnv, docker = "docker"): ComposeRead {
  if (files.length === 0) throw new ComposeReadError("name at least one compose file");
  // Notes (and the reasons written into the stack file) name a file as briefly as stays clear.
  const bases = files.map((file) => path.basename(file));
  const sources: SourceFile[] = files.map((file, index) => {
    try {
      return { name: bases.indexOf(bases[index]!) === bases.lastIndexOf(bases[index]!) ? bases[index]! : file, text: readFileSync(file, "utf8") };
    } catch (error) {
      throw new ComposeReadError(`${file}: ${(error as Error).message}`);
    }
  });
  const result = spawnSync(docker, ["stack", "config", ...files.flatMap((file) => ["--compose-file", file])], {
    env: { ...env, DOCKER_CLI_HINTS: "false" },
    encoding: "utf8",
  });
  if (result.error) throw new ComposeReadError(`cannot run \`${docker} stack config\` (${result.error.message}); the Docker CLI reads the compose files as docker stack deploy does`);
  if (result.status !== 0) throw new ComposeReadError(`docker stack config refused the compose files: ${result.stderr.trim()}`);
  const model: unknown = parse(result.stdout);
  if (!isRecord(model)) throw new ComposeReadError("docker stack config printed no compose model");
  return { model: model as ComposeModel, lines: sourceLines(sources) };
}
