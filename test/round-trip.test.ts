import { createHash } from "node:crypto";
import Docker from "dockerode";
import type { ImageLock } from "../images/image-lock";
import { taggedName } from "../images/image-ref";
import { resolveDigest } from "../images/registry-client";
import { isSecretWrapper, type RegisteredResource } from "../lib/registered";
import { type OfflineRun, runOffline } from "../offline/run";
import { ENGINE_NEEDS, startTestEngine, TEST_IMAGE, type TestEngine } from "../servers/engine";
import { createConfig, createNetwork, createSecret, createService } from "./support/provider-engine";
import { CONFIG_SCHEMA, differences, NETWORK_SCHEMA, SECRET_SCHEMA, SERVICE_SCHEMA } from "./support/provider-schema";
import { readService } from "./support/provider-service";
import { REGISTRY_NEEDS, startTestRegistry, type TestRegistry } from "./support/registry";
import { describeWith } from "../servers/tools";

/**
 * A second `pulumi up` is a no-op: every network, secret, config and service of the prod and dev
 * renders is created on a real engine the way the provider creates it, read back the way the
 * provider reads it, and compared with what the program registered under the provider's diff
 * rules (test/support/provider-*.ts). Zero differences. The engine's only node is drained, so no
 * task starts and no image is pulled: this is about the spec. Under CI=true these tests must run.
 */

type Loose = Record<string, any>;
const SERVICE = "docker:index/service:Service";
const KINDS = { "docker:index/network:Network": NETWORK_SCHEMA, "docker:index/secret:Secret": SECRET_SCHEMA, "docker:index/serviceConfig:ServiceConfig": CONFIG_SCHEMA } as const;

/** Registered inputs as the provider receives them: secrets unwrapped, undefined left out. */
function plain(value: unknown): any {
  if (isSecretWrapper(value)) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Replaces the mock monitor's IDs (the objects' names) by the engine's, wherever a service refers to one. */
function withRealIds(args: Loose, ids: ReadonlyMap<string, string>): Loose {
  const task = args.taskSpec;
  const real = (id: string) => ids.get(id) ?? id;
  return {
    ...args,
    taskSpec: {
      ...task,
      networksAdvanceds: task.networksAdvanceds?.map((network: Loose) => ({ ...network, id: real(network.id) })),
      containerSpec: {
        ...task.containerSpec,
        secrets: task.containerSpec.secrets?.map((ref: Loose) => ({ ...ref, secretId: real(ref.secretId) })),
        configs: task.containerSpec.configs?.map((ref: Loose) => ({ ...ref, configId: real(ref.configId) })),
      },
    },
  };
}

/** A test lock for the lab's tag-only images (digests made up here: only the spec is tested). */
async function lockedRun(stack: string): Promise<OfflineRun> {
  const review = await runOffline({ stack });
  const lock: ImageLock = { images: new Map(review.lab.unlockedImages.map(({ image }) => [taggedName(image), `sha256:${createHash("sha256").update(`round trip ${image}`).digest("hex")}`])) };
  return runOffline({ stack, deploy: { images: { lock, unlocked: "refuse" } } });
}

describeWith(ENGINE_NEEDS, REGISTRY_NEEDS)("a second up is a no-op: the provider's create and read on a real engine", () => {
  let engine: TestEngine;
  let registry: TestRegistry;
  let api: Docker;

  beforeAll(async () => {
    engine = await startTestEngine();
    registry = await startTestRegistry();
    api = new Docker({ socketPath: engine.host.replace(/^unix:\/\//, "") });
    const node = engine.docker(["info", "--format", "{{.Swarm.NodeID}}"]).trim();
    engine.docker(["node", "update", "--availability", "drain", node]);
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
    await engine?.stop();
  }, 60_000);

  /** Removes what a previous round created (prod and dev share names and published ports). */
  async function clean(): Promise<void> {
    for (const service of await api.listServices()) await api.getService(service.ID).remove();
    for (const secret of await api.listSecrets()) await api.getSecret(secret.ID).remove();
    for (const config of await api.listConfigs()) await api.getConfig(config.ID).remove();
    for (const network of await api.listNetworks({ filters: { driver: ["overlay"] } })) if (network.Name !== "ingress") await api.getNetwork(network.Id).remove().catch(() => undefined);
  }

  /** Creates everything a run registered, in dependency order; returns each resource's differences. */
  async function roundTrip(run: OfflineRun): Promise<{ checked: Record<string, number>; differences: string[] }> {
    await clean();
    const ids = new Map<string, string>();
    const found: string[] = [];
    const checked: Record<string, number> = {};
    const compare = (resource: RegisteredResource, schema: typeof SERVICE_SCHEMA, declared: Loose, state: Loose) => {
      checked[resource.type] = (checked[resource.type] ?? 0) + 1;
      for (const line of differences(schema, declared, state, resource.options.ignoreChanges)) found.push(`${resource.name}: ${line}`);
    };
    for (const [type, schema] of Object.entries(KINDS)) {
      for (const resource of run.resources.filter((candidate) => candidate.type === type)) {
        const declared = plain(resource.inputs);
        const create = type.endsWith("Network") ? createNetwork : type.endsWith("Secret") ? createSecret : createConfig;
        const { id, state } = await create(api, declared);
        ids.set(declared.name, id); // the mock monitor's ID of each object is its name
        compare(resource, schema, declared, state);
      }
    }
    for (const resource of run.resources.filter((candidate) => candidate.type === SERVICE)) {
      const declared = withRealIds(plain(resource.inputs), ids);
      const { state } = await createService(api, declared);
      compare(resource, SERVICE_SCHEMA, declared, state);
    }
    return { checked, differences: found };
  }

  test.each(["prod", "dev"])("%s: every network, secret, config and service reads back as declared (zero differences)", async (stack) => {
    const run = await lockedRun(stack);
    const result = await roundTrip(run);
    expect(result.differences).toEqual([]);
    for (const type of [...Object.keys(KINDS), SERVICE]) {
      expect([type, result.checked[type]]).toEqual([type, run.resources.filter((resource) => resource.type === type).length]);
    }
    expect(result.checked[SERVICE]).toBeGreaterThan(10);
  }, 180_000);

  test('a planted "60s" (what the program declared before) is caught: the provider reads it back as "1m"', async () => {
    const run = await lockedRun("prod");
    const reaper = run.resources.find((resource) => resource.name === "application_media_core_download-reaper")!;
    expect(plain(reaper.inputs).taskSpec.restartPolicy.delay).toBe("1m"); // what the lab writes as "60s"
    const declared = plain(reaper.inputs);
    // Alone on the engine: without the networks, secrets and configs it would refer to.
    const planted = { ...declared, name: "planted", taskSpec: { ...declared.taskSpec, networksAdvanceds: undefined, containerSpec: { ...declared.taskSpec.containerSpec, secrets: undefined, configs: undefined } } };
    planted.taskSpec.restartPolicy = { ...planted.taskSpec.restartPolicy, delay: "60s" };
    planted.updateConfig = { ...planted.updateConfig, monitor: "90s" };
    await clean();
    const { state } = await createService(api, planted);
    expect(differences(SERVICE_SCHEMA, JSON.parse(JSON.stringify(planted)), state, reaper.options.ignoreChanges)).toEqual([
      'taskSpec.restartPolicy.delay: declared "60s", read back "1m"',
      'updateConfig.monitor: declared "90s", read back "1m30s"',
    ]);
  }, 60_000);

  describe("what the engine fills in on create, with an image on a registry it can reach", () => {
    let postgres: RegisteredResource;
    let image: string;
    beforeAll(async () => {
      postgres = (await lockedRun("prod")).resources.find((resource) => resource.name === "platform_postgres_postgresql")!;
      image = `${registry.host}/homelab-test/busybox:1`;
      engine.docker(["tag", TEST_IMAGE, image]);
      engine.docker(["push", image]);
    }, 60_000);

    /** The registered postgres service (it declares a placement), with another image and no attachments. */
    const variant = (name: string, reference: string): Loose => {
      const declared = plain(postgres.inputs);
      return { ...declared, name, taskSpec: { ...declared.taskSpec, networksAdvanceds: undefined, containerSpec: { ...declared.taskSpec.containerSpec, image: reference, secrets: undefined, configs: undefined } } };
    };
    const strip = (declared: Loose) => JSON.parse(JSON.stringify(declared));

    test("a tag-only image: pinned and given platforms by the engine, a one-time diff on the next preview", async () => {
      await clean();
      const declared = variant("tag-only", image);
      const { state } = await createService(api, declared);
      const digest = await resolveDigest(image);
      expect(state.taskSpec.containerSpec.image).toBe(`${image}@${digest}`);
      expect(state.taskSpec.placement.platforms).toEqual([{ architecture: "amd64", os: "linux" }]);
      const all = differences(SERVICE_SCHEMA, strip(declared), state);
      expect(all.map((line) => line.split(":")[0])).toEqual(["taskSpec.containerSpec.image", "taskSpec.placement.platforms"]);
      // The registered ignoreChanges hides the platforms; the image diff is what the lock removes.
      expect(differences(SERVICE_SCHEMA, strip(declared), state, postgres.options.ignoreChanges).map((line) => line.split(":")[0])).toEqual(["taskSpec.containerSpec.image"]);
    });

    test("an image locked by digest (as `npm run images` resolves it): no diff, with the registered options", async () => {
      await clean();
      const declared = variant("locked", `${image}@${await resolveDigest(image)}`);
      const { state } = await createService(api, declared);
      expect(differences(SERVICE_SCHEMA, strip(declared), state, postgres.options.ignoreChanges)).toEqual([]);
      // Without the option the engine's platforms would show.
      expect(differences(SERVICE_SCHEMA, strip(declared), state).map((line) => line.split(":")[0])).toEqual(["taskSpec.placement.platforms"]);
    });

    test("after `pulumi import`, convergeConfig is the one difference (never read back); the first up records it", async () => {
      await clean();
      const declared = variant("imported", `${image}@${await resolveDigest(image)}`);
      const { live } = await createService(api, declared);
      expect(differences(SERVICE_SCHEMA, strip(declared), readService(live), postgres.options.ignoreChanges).map((line) => line.split(":")[0])).toEqual(["convergeConfig"]);
    });
  });
});
