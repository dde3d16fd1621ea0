import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { defineStack, type ServiceSpec } from "../lab/model";
import { EMPTY_LOCK, type ImageLock, parseImageLock, pinImage, readImageLock, serializeImageLock, writeImageLock } from "../images/image-lock";
import { familiarName, parseImageReference, pinnedReference, registryHost, taggedName } from "../images/image-ref";
import { PROJECT_DIR } from "../lib/project-dir";
import { LabError } from "../evaluation/validation";
import { checkImagePins, unlockedImages } from "../evaluation/validation/images";
import { OfflineRunError, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { services } from "./helpers";

const digestOf = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const D1 = digestOf("one");
const D2 = digestOf("two");

describe("image references, as Docker's reference package reads them", () => {
  test.each([
    // reference, domain, path, tag, familiar name:tag
    ["postgres:18", "docker.io", "library/postgres", "18", "postgres:18"],
    ["alpine", "docker.io", "library/alpine", "latest", "alpine:latest"],
    ["docker.io/library/alpine:3", "docker.io", "library/alpine", "3", "alpine:3"],
    ["index.docker.io/library/redis:8-alpine", "docker.io", "library/redis", "8-alpine", "redis:8-alpine"],
    ["louislam/uptime-kuma:2.1.1", "docker.io", "louislam/uptime-kuma", "2.1.1", "louislam/uptime-kuma:2.1.1"],
    ["docker.io/grafana/loki:3.6.5", "docker.io", "grafana/loki", "3.6.5", "grafana/loki:3.6.5"],
    ["ghcr.io/goauthentik/server:2025.12.4", "ghcr.io", "goauthentik/server", "2025.12.4", "ghcr.io/goauthentik/server:2025.12.4"],
    ["lscr.io/linuxserver/sonarr:latest", "lscr.io", "linuxserver/sonarr", "latest", "lscr.io/linuxserver/sonarr:latest"],
    ["127.0.0.1:5000/homelab-test/busybox:1", "127.0.0.1:5000", "homelab-test/busybox", "1", "127.0.0.1:5000/homelab-test/busybox:1"],
    ["localhost/app:1", "localhost", "app", "1", "localhost/app:1"],
  ])("%s", (reference, domain, repoPath, tag, tagged) => {
    expect(parseImageReference(reference)).toEqual({ domain, path: repoPath, tag, digest: undefined });
    expect(taggedName(reference)).toBe(tagged);
  });

  test("a digest is kept, and the pinned form is the familiar name, tag and digest", () => {
    expect(parseImageReference(`postgres:18@${D1}`).digest).toBe(D1);
    expect(pinnedReference("docker.io/library/postgres:18", D1)).toBe(`postgres:18@${D1}`);
    expect(familiarName(parseImageReference("docker.io/library/nginx"))).toBe("nginx");
  });

  test("Docker Hub's API lives on another host; other registries serve it themselves", () => {
    expect(registryHost(parseImageReference("alpine:3"))).toBe("registry-1.docker.io");
    expect(registryHost(parseImageReference("ghcr.io/a/b:1"))).toBe("ghcr.io");
  });

  test.each([["Alpine:3"], ["alpine:3@sha256:abc"], [""]])("%j is refused", (reference) => {
    expect(() => parseImageReference(reference)).toThrow(/expected/);
  });
});

describe("the lock file", () => {
  test("round-trips, sorted, one entry per line", () => {
    const lock: ImageLock = { images: new Map([["redis:8-alpine", D2], ["alpine:3", D1]]) };
    const text = serializeImageLock(lock);
    expect(text).toBe(`{\n  "version": 1,\n  "images": {\n    "alpine:3": "${D1}",\n    "redis:8-alpine": "${D2}"\n  }\n}\n`);
    expect([...parseImageLock(text).images]).toEqual([["alpine:3", D1], ["redis:8-alpine", D2]]);
  });

  test("the committed lock parses and is in the written form", () => {
    const file = path.join(__dirname, "..", "lab", "images.lock.json");
    expect(serializeImageLock(readImageLock(file))).toBe(readFileSync(file, "utf8"));
  });

  test.each([
    ["not JSON", "{", /not valid JSON .*npm run images -- --update/],
    ["another version", '{"version": 2, "images": {}}', /version: expected 1, got 2/],
    ["no images", '{"version": 1}', /images: expected an object/],
    ["a key Docker would spell otherwise", `{"version": 1, "images": {"docker.io/library/alpine:3": "${D1}"}}`, /images\["docker.io\/library\/alpine:3"\]: expected a key of the form name:tag as Docker prints it \("alpine:3"\)/],
    ["a key without its tag", `{"version": 1, "images": {"alpine": "${D1}"}}`, /\("alpine:latest"\)/],
    ["a bad digest", '{"version": 1, "images": {"alpine:3": "sha256:12"}}', /images\["alpine:3"\]: expected a digest sha256:<64 hex>, got "sha256:12"/],
  ])("%s is refused, naming the entry", (_, text, message) => {
    expect(() => parseImageLock(text)).toThrow(message);
  });

  test("is written whole: no temporary file is left beside it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-lock-"));
    const file = path.join(dir, "images.lock.json");
    writeImageLock({ images: new Map([["alpine:3", D1]]) }, file);
    expect(readdirSync(dir)).toEqual(["images.lock.json"]);
    expect(readImageLock(file).images.get("alpine:3")).toBe(D1);
    rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ["a locked tag is deployed with its digest", "docker.io/library/alpine:3", { kind: "locked", image: `alpine:3@${D1}`, digest: D1 }],
    ["a digest in the reference wins", `alpine:3@${D2}`, { kind: "digest-in-reference", image: `alpine:3@${D2}` }],
    ["a tag the lock lacks", "alpine:4", { kind: "unlocked", image: "alpine:4" }],
  ])("%s", (_, reference, pin) => {
    expect(pinImage(reference, { images: new Map([["alpine:3", D1]]) })).toEqual(pin);
  });
});

describe("lab rules for pinned images", () => {
  const svc = (name: string, extra: Partial<ServiceSpec>): ServiceSpec => ({ name, image: "alpine:3", networks: [], ...extra });
  const lab = (...list: ServiceSpec[]) => [{ name: "app", tier: "application" as const, description: "", services: list }];
  const lock: ImageLock = { images: new Map([["alpine:3", D1]]) };
  const problems = (stacks: ReturnType<typeof lab>, requireLocked = true) => {
    const found: string[] = [];
    checkImagePins(stacks, { lock, requireLocked }, found);
    return found;
  };

  test.each<[string, ServiceSpec[], boolean, string[]]>([
    ["a locked tag", [svc("web", {})], true, []],
    ["a digest in the reference", [svc("web", { image: `busybox:1@${D2}` })], true, []],
    [
      "a tag the lock lacks names the service and the command",
      [svc("web", { image: "busybox:1" })],
      true,
      ['app/web: image: "busybox:1" has no digest in lab/images.lock.json; run `npm run images -- --update` (asks each registry for the digest of every tag the lab uses and rewrites the lock), or pin a digest in the reference, or declare unpinned: "<reason>"'],
    ],
    ["declared unpinned with a reason", [svc("web", { image: "busybox:1", unpinned: "rebuilt nightly by its upstream, on purpose" })], true, []],
    ["unpinned without a reason", [svc("web", { image: "busybox:1", unpinned: " " })], true, ["app/web: unpinned: give the reason this image may run without a digest"]],
    ["unpinned but pinned", [svc("web", { unpinned: "why" })], true, ['app/web: unpinned: "alpine:3" is pinned (a digest in the reference or the lock); drop unpinned or the digest']],
    ["offline review: gaps are listed, not refused", [svc("web", { image: "busybox:1" })], false, []],
  ])("%s", (_, list, requireLocked, expected) => {
    expect(problems(lab(...list), requireLocked)).toEqual(expected);
  });

  test("gaps are listed for review", () => {
    expect(unlockedImages(lab(svc("web", { image: "busybox:1" }), svc("db", {})), lock)).toEqual([{ service: "app/web", image: "busybox:1" }]);
  });
});

describe("the whole lab with the lock", () => {
  const fakeLockFor = (images: readonly string[]): ImageLock => ({ images: new Map(images.map((image) => [taggedName(image), digestOf(`test lock ${image}`)])) });

  // An empty lock rather than the committed one: once the committed lock is complete these still
  // see every tag-only image the lab declares.
  test("pulumi preview refuses every tag-only image the lock lacks, naming each service, and registers nothing", async () => {
    const review = await runOffline({ stack: "prod", deploy: { images: { lock: EMPTY_LOCK } } });
    const expected = review.lab.unlockedImages.map(({ service, image }) => `${service}: image: "${image}" has no digest in lab/images.lock.json`);
    const refused = runOffline({ stack: "prod", deploy: { images: { lock: EMPTY_LOCK, unlocked: "refuse" } } });
    if (expected.length === 0) {
      await expect(refused).resolves.toBeDefined(); // every image carries its digest: nothing to refuse
      return;
    }
    const error = await refused.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(OfflineRunError);
    expect((error as OfflineRunError).name).toBe(LabError.name);
    for (const line of expected) expect((error as Error).message).toContain(line);
    expect((error as OfflineRunError).resources.filter((resource) => resource.type.startsWith("docker:"))).toEqual([]);
  });

  test.each(["prod", "dev"])("%s: with every image locked, each service runs name:tag@digest and the stack label keeps the declared tag", async (stack) => {
    const review = await runOffline({ stack, deploy: { images: { lock: EMPTY_LOCK } } });
    const lock = fakeLockFor(review.lab.unlockedImages.map((gap) => gap.image));
    const run = await runOffline({ stack, deploy: { images: { lock, unlocked: "refuse" } } });
    expect(run.lab.unlockedImages).toEqual([]);
    for (const svc of services(run)) {
      const image: string = svc.task.containerSpec.image;
      const declared = svc.labels["com.docker.stack.image"]!;
      const pin = pinImage(declared, lock);
      expect([svc.name, image]).toEqual([svc.name, pin.image]);
      expect([svc.name, image]).toEqual([svc.name, expect.stringMatching(/^[^@]+:[\w.-]+@sha256:[a-f0-9]{64}$/)]);
    }
  });

  test("an override in the stack file pinned by digest needs no lock entry", async () => {
    const raw = { ...readStackConfig("prod"), "homelab:services": JSON.stringify({ "application_media_core/sonarr": { image: `lscr.io/linuxserver/sonarr:4.0.15@${D1}` } }) };
    const run = await runOffline({ stack: "prod", rawConfig: raw });
    expect(run.lab.unlockedImages.map((gap) => gap.service)).not.toContain("application_media_core/sonarr");
    expect(services(run).find((svc) => svc.name === "application_media_core_sonarr")!.task.containerSpec.image).toBe(`lscr.io/linuxserver/sonarr:4.0.15@${D1}`);
  });

  test("defineStack stays plain data: unpinned is a field like any other", () => {
    const define = defineStack(() => ({ name: "x", tier: "application", description: "", services: [{ name: "a", image: "busybox:1", networks: [], unpinned: "why" }] }));
    expect(define({} as never).services[0]!.unpinned).toBe("why");
  });
});

describe("npm run images", () => {
  // Before any registry is asked: a bare number was once read as milliseconds ("30" meant 30 ms).
  test.each(["30", "0s"])("--timeout %s is refused, saying the syntax, before anything runs", (value) => {
    const run = spawnSync(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", "scripts/images.ts", "--check", "--image", "127.0.0.1:9/none:1", "--timeout", value], { cwd: PROJECT_DIR, encoding: "utf8" });
    expect([run.status, run.stdout]).toEqual([1, ""]);
    expect(run.stderr).toBe(`error: option '--timeout <duration>' argument '${value}' is invalid. expected a positive duration with its unit, seconds or milliseconds (e.g. 30s or 1500ms), got "${value}"\n`);
  });
});
