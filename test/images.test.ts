import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Docker from "dockerode";
import { readImageLock } from "../images/image-lock";
import { MANIFEST_TYPES, resolveDigest } from "../images/registry-client";
import { labImages } from "../evaluation/lab-images";
import { resolveLock, updateLockFile } from "../images/update-lock";
import { ENGINE_NEEDS, freePort, startTestEngine, type TestEngine } from "../servers/engine";
import { PRIVATE_USER, REGISTRY_NEEDS, startTestRegistry, type TestRegistry } from "./support/registry";
import { describeWith } from "../servers/tools";

/**
 * `npm run images` against a real registry: Debian's docker-registry, started here on 127.0.0.1,
 * filled by the tests' own engine (`docker push`; the engine treats loopback registries as
 * insecure). The digest the lock records must be the one the engine itself reports for the tag
 * (`GET /distribution/<ref>/json`, which the provider's Docker client asks on create to pin the
 * image), for a single image and for a manifest list. Under CI=true these tests must run.
 */

const ROOT = path.resolve(__dirname, "..");
const LIST_TYPE = "application/vnd.docker.distribution.manifest.list.v2+json";
const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

describeWith(ENGINE_NEEDS, REGISTRY_NEEDS)("the image lock against a real registry", () => {
  let engine: TestEngine;
  let registry: TestRegistry;
  let api: Docker;
  let work: string;
  let generation = 0;

  /** A small image with its own content (so each build has its own digest), pushed as `ref`. */
  const push = (ref: string) => {
    const dir = mkdtempSync(path.join(work, "rootfs-"));
    writeFileSync(path.join(dir, "generation"), `${ref} ${++generation}\n`);
    execFileSync("sh", ["-c", 'tar -C "$ROOTFS" -c . | docker import - "$IMAGE" >/dev/null && docker push "$IMAGE" >/dev/null'], { env: { ...process.env, DOCKER_HOST: engine.host, ROOTFS: dir, IMAGE: ref } });
  };
  /** What the engine reports for a tag: the digest it pins a service to, and the platforms. */
  const engineView = async (ref: string) => {
    const info = (await api.getImage(ref).distribution({})) as { Descriptor: { digest: string }; Platforms: { architecture: string; os: string }[] };
    return { digest: info.Descriptor.digest, platforms: info.Platforms.map((p) => `${p.os}/${p.architecture}`).sort() };
  };
  const lockFile = () => path.join(mkdtempSync(path.join(work, "lock-")), "images.lock.json");
  const cli = (args: string[]) => {
    const result = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/images.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DOCKER_CONFIG: path.join(work, "no-docker-config") } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    engine = await startTestEngine();
    registry = await startTestRegistry();
    api = new Docker({ socketPath: engine.host.replace(/^unix:\/\//, "") });
    work = mkdtempSync(path.join(tmpdir(), "homelab-images-"));
    push(`${registry.host}/homelab-test/app:1`);
    push(`${registry.host}/homelab-test/app:2`);
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
    await engine?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  test("a tag resolves to the digest the engine pins it to", async () => {
    const ref = `${registry.host}/homelab-test/app:1`;
    const digest = await resolveDigest(ref);
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(digest).toBe((await engineView(ref)).digest);
  });

  test("--update writes the lock; after a re-push --check reports it stale and --update records the new digest", async () => {
    const ref = `${registry.host}/homelab-test/moving:stable`;
    push(ref);
    const file = lockFile();
    const first = await updateLockFile([ref], file);
    expect(first).toMatchObject({ written: true, failures: [], changes: [{ reference: ref, kind: "added", to: (await engineView(ref)).digest }] });
    const before = (await engineView(ref)).digest;

    push(ref); // the tag now points at another image
    const after = (await engineView(ref)).digest;
    expect(after).not.toBe(before);
    const check = await resolveLock([ref], readImageLock(file));
    expect(check.changes).toEqual([{ reference: ref, kind: "changed", from: before, to: after }]);
    const second = await updateLockFile([ref], file);
    expect(second.written).toBe(true);
    expect(readImageLock(file).images.get(ref)).toBe(after);
  });

  test("a missing tag fails with the image named, and the lock is left exactly as it was", async () => {
    const file = lockFile();
    await updateLockFile([`${registry.host}/homelab-test/app:1`], file);
    const text = readFileSync(file, "utf8");
    const run = await updateLockFile([`${registry.host}/homelab-test/app:1`, `${registry.host}/homelab-test/app:nope`], file);
    expect(run.written).toBe(false);
    expect(run.failures).toEqual([{ reference: `${registry.host}/homelab-test/app:nope`, message: `${registry.host}/homelab-test/app:nope: registry ${registry.host}: no tag "nope" in homelab-test/app (404)` }]);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  test("a registry that is down fails with its address, and nothing is written", async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const file = lockFile();
    const run = await updateLockFile([`${down}/homelab-test/app:1`], file, { timeoutMs: 5000 });
    expect(run.written).toBe(false);
    expect(run.failures[0]!.message).toBe(`${down}/homelab-test/app:1: registry ${down}: cannot reach ${down} (ECONNREFUSED)`);
    expect(readImageLock(file).images.size).toBe(0);
  });

  test("a manifest list resolves to the list's digest (what the engine pins), not one platform's", async () => {
    const manifest = async (tag: string) => {
      const response = await fetch(`http://${registry.host}/v2/homelab-test/app/manifests/${tag}`, { headers: { Accept: MANIFEST_TYPE } });
      const body = Buffer.from(await response.arrayBuffer());
      return { mediaType: MANIFEST_TYPE, size: body.length, digest: `sha256:${createHash("sha256").update(body).digest("hex")}` };
    };
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: LIST_TYPE,
      manifests: [
        { ...(await manifest("1")), platform: { architecture: "amd64", os: "linux" } },
        { ...(await manifest("2")), platform: { architecture: "arm64", os: "linux", variant: "v8" } },
      ],
    });
    const put = await fetch(`http://${registry.host}/v2/homelab-test/app/manifests/multi`, { method: "PUT", headers: { "Content-Type": LIST_TYPE }, body: list });
    expect(put.status).toBe(201);
    const listDigest = `sha256:${createHash("sha256").update(list).digest("hex")}`;
    const ref = `${registry.host}/homelab-test/app:multi`;
    expect(await resolveDigest(ref)).toBe(listDigest);
    expect(await engineView(ref)).toEqual({ digest: listDigest, platforms: ["linux/amd64", "linux/arm64"] });
    expect(MANIFEST_TYPES).toContain(LIST_TYPE);
  });

  describe("with token authentication, as Docker Hub and ghcr.io do it", () => {
    let secured: TestRegistry;
    beforeAll(async () => {
      push(`${registry.host}/private/app:1`);
      // The same storage behind a second registry that demands tokens from the test's token service.
      secured = await startTestRegistry({ storage: registry.storage, tokenAuth: true });
    }, 60_000);
    afterAll(async () => secured?.stop());

    const dockerConfig = (auth: string | undefined) => {
      const file = path.join(mkdtempSync(path.join(work, "docker-config-")), "config.json");
      writeFileSync(file, JSON.stringify({ auths: auth ? { [secured.host]: { auth: Buffer.from(auth).toString("base64") } } : {} }));
      return file;
    };
    const credentialsFrom = (file: string) => async () => (await import("../images/docker-config")).credentialsFor(secured.host, file);

    test("a public repository with an anonymous pull token", async () => {
      const digest = await resolveDigest(`${secured.host}/homelab-test/app:1`, { credentials: () => undefined });
      expect(digest).toBe((await engineView(`${registry.host}/homelab-test/app:1`)).digest);
    });

    test("a registry host that redirects to another (a vanity name in front of a registry) is followed, tokens included", async () => {
      const port = await freePort();
      const front = createServer((request, response) => response.writeHead(307, { Location: `http://${secured.host}${request.url}` }).end());
      await new Promise<void>((resolve) => front.listen(port, "127.0.0.1", resolve));
      try {
        const digest = await resolveDigest(`127.0.0.1:${port}/homelab-test/app:1`, { credentials: () => undefined });
        expect(digest).toBe((await engineView(`${registry.host}/homelab-test/app:1`)).digest);
      } finally {
        await new Promise((resolve) => front.close(resolve));
      }
    });

    test("a private repository: refused anonymously with the fix named; resolved with the Docker config's credentials", async () => {
      const ref = `${secured.host}/private/app:1`;
      await expect(resolveDigest(ref, { credentials: () => undefined })).rejects.toThrow(`${ref}: registry ${secured.host}: access denied (401); for a private image, \`docker login ${secured.host}\``);
      const stored = await credentialsFrom(dockerConfig(`${PRIVATE_USER.username}:${PRIVATE_USER.secret}`))();
      expect(stored).toEqual(PRIVATE_USER);
      expect(await resolveDigest(ref, { credentials: () => stored })).toBe((await engineView(`${registry.host}/private/app:1`)).digest);
      const wrong = await credentialsFrom(dockerConfig(`${PRIVATE_USER.username}:wrong`))();
      await expect(resolveDigest(ref, { credentials: () => wrong })).rejects.toThrow(`${ref}: registry ${secured.host}: the token service refused a pull token (401)`);
    });
  });

  describe("npm run images, the command", () => {
    test("--update prints each change on stdout and its progress on stderr; --check exits 0 when current, 2 when stale, 1 when an image cannot be resolved (lock untouched)", () => {
      const ref = `${registry.host}/homelab-test/cli:1`;
      push(ref);
      const file = lockFile();
      const update = cli(["--update", "--lock", file, "--image", ref]);
      expect(update.status).toBe(0);
      expect(update.stdout).toMatch(new RegExp(`^added ${ref.replace(/[.]/g, "\\.")} -> sha256:[a-f0-9]{64}\\n$`));
      expect(update.stderr).toContain("images: resolving 1 image");
      expect(cli(["--check", "--lock", file, "--image", ref]).status).toBe(0);

      push(ref);
      const stale = cli(["--check", "--lock", file, "--image", ref]);
      expect(stale.status).toBe(2);
      expect(stale.stderr).toContain("the lock is out of date (1); run `npm run images -- --update`");

      const text = readFileSync(file, "utf8");
      const failing = cli(["--update", "--lock", file, "--image", ref, "--image", `${registry.host}/homelab-test/cli:missing`]);
      expect(failing.status).toBe(1);
      expect(failing.stderr).toContain(`no tag "missing" in homelab-test/cli (404)`);
      expect(failing.stderr).toContain("1 of 2 could not be resolved; lab/images.lock.json is unchanged");
      expect(readFileSync(file, "utf8")).toBe(text);
    }, 60_000);
  });
});

describe("which images the lock must hold", () => {
  test("every tag-only image of every stack file, with the services that use it; digest-pinned ones need no entry", () => {
    const images = labImages();
    const all = images.flatMap((image) => image.usedBy);
    expect(all).toContain("application_media_core/sonarr");
    expect(images.find((image) => image.reference === "lscr.io/linuxserver/sonarr:latest")?.usedBy).toContain("application_media_core/sonarr");
    expect(images.some((image) => image.reference.includes("@"))).toBe(false);
    expect(all).not.toContain("platform_observability/autokuma"); // pinned in its stack file
  });
});
