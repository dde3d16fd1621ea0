import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type ImageLock, parseImageLock, serializeImageLock } from "../images/image-lock";

/**
 * renovate.json against Renovate's documented contract for a regex custom manager (Renovate
 * cannot run here): `managerFilePatterns` between slashes are regular expressions over the file's
 * path; each `matchStrings` entry is applied to the whole file, every match one dependency from
 * its named groups (`depName`, `currentValue`, `currentDigest`); a digest update replaces the
 * `currentDigest` text inside the match. The lock Renovate would write must still be a lock.
 */

const ROOT = path.resolve(__dirname, "..");
const config = JSON.parse(readFileSync(path.join(ROOT, "renovate.json"), "utf8")) as {
  customManagers: { customType: string; managerFilePatterns: string[]; matchStrings: string[]; datasourceTemplate: string; versioningTemplate: string }[];
  packageRules: { matchManagers?: string[]; matchFileNames?: string[]; matchUpdateTypes?: string[]; enabled?: boolean }[];
};
const [manager] = config.customManagers;
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const lock: ImageLock = {
  images: new Map([
    ["lscr.io/linuxserver/sonarr:latest", digest(1)],
    ["postgres:17-alpine", digest(2)],
    ["127.0.0.1:5000/homelab-test/busybox:1", digest(3)],
    ["ghcr.io/goauthentik/server:2025.12.4", digest(4)],
  ]),
};
const text = serializeImageLock(lock);
const pattern = () => new RegExp(manager!.matchStrings[0]!, "g");

describe("Renovate proposes updates of the image lock", () => {
  test("one regex manager reads the lock file, and only it", () => {
    expect(config.customManagers).toHaveLength(1);
    expect(manager!.customType).toBe("regex");
    const files = manager!.managerFilePatterns.map((written) => new RegExp(written.replace(/^\/|\/$/g, "")));
    expect(files.some((file) => file.test("lab/images.lock.json"))).toBe(true);
    expect(files.some((file) => file.test("lab/stacks/application/media-core/index.ts"))).toBe(false);
    expect([manager!.datasourceTemplate, manager!.versioningTemplate]).toEqual(["docker", "docker"]);
  });

  test("every entry is one dependency: image, tag and digest, registries with ports included", () => {
    const found = [...text.matchAll(pattern())].map((match) => match.groups);
    expect(found).toEqual(
      [...lock.images].sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => {
        const colon = key.lastIndexOf(":");
        return { depName: key.slice(0, colon), currentValue: key.slice(colon + 1), currentDigest: value };
      }),
    );
  });

  test("replacing a digest inside its match leaves a lock the program reads, with the new digest", () => {
    const match = [...text.matchAll(pattern())].find((candidate) => candidate.groups!.depName === "postgres")!;
    const updated = text.slice(0, match.index) + match[0].replace(match.groups!.currentDigest!, digest(9)) + text.slice(match.index! + match[0].length);
    const parsed = parseImageLock(updated);
    expect(parsed.images.get("postgres:17-alpine")).toBe(digest(9));
    expect(serializeImageLock(parsed)).toBe(updated); // still in the written form: a one-line diff
  });

  test("in the lock only digests move; tag changes are the stack files' and stay off", () => {
    const forLock = config.packageRules.filter((rule) => rule.matchManagers?.includes("custom.regex") && rule.matchFileNames?.includes("lab/images.lock.json"));
    const off = forLock.find((rule) => rule.enabled === false)!;
    expect(off.matchUpdateTypes).toEqual(expect.arrayContaining(["major", "minor", "patch", "pinDigest", "replacement"]));
    expect(off.matchUpdateTypes).not.toContain("digest");
    expect(forLock.some((rule) => rule.matchUpdateTypes?.includes("digest") && rule.enabled !== false)).toBe(true);
  });
});
