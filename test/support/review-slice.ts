import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { parseConfig } from "../../config";
import { STACKS } from "../../lab";
import { evaluateLab } from "../../evaluation/evaluate-lab";
import { type OfflineRun, runOffline } from "../../offline/run";
import { readStackConfig } from "../../config/stack-file";
import { startTestEngine, TEST_IMAGE, type TestEngine } from "../../servers/engine";
import { deployAsOldTooling } from "./old-tooling";

/**
 * The swarm the review tests adopt and drift: a slice of the lab (the caddy and platform_postgres
 * stacks with their shared networks) deployed the way the old tooling did, on the tests' own
 * engine, with the config file that declares it.
 */

export const SLICE = ["caddy", "platform_postgres"];

/** The slice's config: the dev stack, two stacks, every service on the local image with no tasks. */
export function sliceConfig(host: string): Record<string, string> {
  const raw = { ...readStackConfig("dev"), "docker:host": host, "homelab:stacks": JSON.stringify(SLICE) };
  delete (raw as Record<string, string>)["homelab:services"];
  const lab = evaluateLab(parseConfig(raw).homelab, STACKS);
  // No tasks: the review reads specs, and an idle engine keeps the tests fast and quiet.
  const services = Object.fromEntries(lab.stacks.flatMap((stack) => stack.services.map((service) => [`${stack.name}/${service.name}`, { image: TEST_IMAGE, replicas: 0 }])));
  return { ...raw, "homelab:services": JSON.stringify(services) };
}

/** Writes a config in the Pulumi.<stack>.yaml format (values as YAML, not JSON strings). */
export function writeConfig(dir: string, raw: Readonly<Record<string, string>>, name = "Pulumi.slice.yaml"): string {
  const file = path.join(dir, name);
  const config = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value.startsWith("[") || value.startsWith("{") ? JSON.parse(value) : value]));
  writeFileSync(file, stringify({ config }));
  return file;
}

export interface ReviewSlice {
  readonly engine: TestEngine;
  /** A scratch directory for the test's files. */
  readonly work: string;
  /** The slice's config with `docker:host` the engine's unix socket. */
  readonly raw: Readonly<Record<string, string>>;
  readonly configFile: string;
  /** The program's run for the slice (what was deployed). */
  readonly slice: OfflineRun;
  /** Stops the engine and removes the scratch directory. */
  stop(): Promise<void>;
}

export async function startReviewSlice(prefix: string): Promise<ReviewSlice> {
  const engine = await startTestEngine();
  try {
    const work = mkdtempSync(path.join(tmpdir(), prefix));
    const raw = sliceConfig(engine.host);
    const configFile = writeConfig(work, raw);
    const slice = await runOffline({ stack: "dev", rawConfig: raw });
    deployAsOldTooling(engine, slice, work);
    const stop = async () => {
      await engine.stop();
      rmSync(work, { recursive: true, force: true });
    };
    return { engine, work, raw, configFile, slice, stop };
  } catch (error) {
    await engine.stop();
    throw error;
  }
}
