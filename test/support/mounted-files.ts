import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SWARM_TYPES } from "../../lib/resource-types";
import { isSecretWrapper } from "../../lib/registered";
import { type OfflineRun } from "../../offline/run";
import { service } from "../helpers";

/**
 * The files a service's containers see, from what the program registered: each swarm config and
 * secret with its content, its path in the container and the owner and mode swarm gives it.
 */

export interface MountedFile {
  readonly target: string;
  readonly content: Buffer;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

function dataByName(run: OfflineRun, type: string): Map<string, Buffer> {
  return new Map(
    run.resources
      .filter((resource) => resource.type === type)
      .map((resource) => {
        const data = isSecretWrapper(resource.inputs.data) ? resource.inputs.data.value : resource.inputs.data;
        return [String(resource.inputs.name), Buffer.from(String(data), "base64")];
      }),
  );
}

/** The swarm configs a service mounts (owned by root, as swarm mounts configs by default). */
export function mountedConfigs(run: OfflineRun, swarmName: string): MountedFile[] {
  const data = dataByName(run, SWARM_TYPES.config);
  return (service(run, swarmName).container.configs ?? []).map((config) => ({
    target: String(config.fileName),
    content: data.get(String(config.configName))!,
    uid: Number(config.fileUid ?? 0),
    gid: Number(config.fileGid ?? 0),
    mode: Number(config.fileMode ?? 0o444),
  }));
}

/** The swarm secrets a service mounts, with the content the run gave them. */
export function mountedSecrets(run: OfflineRun, swarmName: string): MountedFile[] {
  const data = dataByName(run, SWARM_TYPES.secret);
  return (service(run, swarmName).container.secrets ?? []).map((secret) => ({
    target: String(secret.fileName),
    content: data.get(String(secret.secretName))!,
    uid: Number(secret.fileUid ?? 0),
    gid: Number(secret.fileGid ?? 0),
    mode: Number(secret.fileMode ?? 0o444),
  }));
}

/** Writes files under `root` at their container paths, with their modes (owners are the caller's call). */
export function layOut(root: string, files: readonly MountedFile[]): string[] {
  return files.map((file) => {
    const at = path.join(root, file.target);
    mkdirSync(path.dirname(at), { recursive: true });
    writeFileSync(at, file.content, { mode: file.mode });
    return at;
  });
}
