import { splitImageReference, type WrittenReference } from "../../images/image-ref";
import { service, type TestResource, violations } from "../support/policy-analyzer";

/** policy/rules/image-tags.ts: every image names what it runs. */

const TAG_OR_DIGEST = "images-have-tag-or-digest";
const AVOID_LATEST = "images-avoid-latest";
const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const means = (name: string, image: string) =>
  `${TAG_OR_DIGEST}: ${name}: image ${image} has neither tag nor digest, so it means :latest; name a version (repo:1.2.3) or pin a digest (repo@sha256:...).`;

/** The references as the policies read them: as written, nothing checked or filled in. */
const REFERENCES: readonly [string, string, WrittenReference][] = [
  ["a registry with a port, no tag", "registry.local:5000/team/app", { name: "registry.local:5000/team/app", tag: undefined, digest: undefined }],
  ["a tag and a digest", `redis:8-alpine@${A}`, { name: "redis", tag: "8-alpine", digest: A }],
  ["a registry and latest", "ghcr.io/cpritchett/caddy-labels:latest", { name: "ghcr.io/cpritchett/caddy-labels", tag: "latest", digest: undefined }],
  ["a digest that is not one", "nginx@sha256:1234", { name: "nginx", tag: undefined, digest: "sha256:1234" }],
  ["nothing", "", { name: "", tag: undefined, digest: undefined }],
];

const CASES: readonly [string, TestResource, readonly string[]][] = [
  ["a tag", service("app_tagged", { image: "alpine:3" }), []],
  ["a digest", service("app_digest", { image: `postgres@${B}` }), []],
  ["a tag and a digest", service("app_both", { image: `postgres:18@${B}` }), []],
  ["latest, pinned by a digest", service("app_latest_pinned", { image: `ghcr.io/org/app:latest@${B}` }), []],
  ["neither tag nor digest", service("app_bare", { image: "nginx" }), [means("app_bare", "nginx")]],
  ["a registry's port, which is no tag", service("app_registry_port", { image: "registry.local:5000/team/app" }), [means("app_registry_port", "registry.local:5000/team/app")]],
  ["a malformed digest", service("app_bad_digest", { image: "nginx@sha256:1234" }), [`${TAG_OR_DIGEST}: app_bad_digest: image nginx@sha256:1234 has a malformed digest (expected @sha256:<64 hex>).`]],
  ["a malformed tag", service("app_bad_tag", { image: "nginx:-1" }), [`${TAG_OR_DIGEST}: app_bad_tag: image nginx:-1 has a malformed tag.`]],
  ["no image", service("app_blank", { image: " " }), [`${TAG_OR_DIGEST}: app_blank has no image.`]],
  [
    "latest (advised against)",
    service("app_latest", { image: "lscr.io/linuxserver/sonarr:latest" }),
    [`${AVOID_LATEST}: app_latest: image lscr.io/linuxserver/sonarr:latest floats on "latest"; pin a version tag or a digest.`],
  ],
  [
    "a latest variant (advised against)",
    service("app_latest_variant", { image: "timescale/timescaledb:latest-pg17" }),
    [`${AVOID_LATEST}: app_latest_variant: image timescale/timescaledb:latest-pg17 floats on "latest-pg17"; pin a version tag or a digest.`],
  ],
];

describe("image references as written (images/image-ref.ts)", () => {
  it.each(REFERENCES)("%s", (_sentence, reference, expected) => {
    expect(splitImageReference(reference)).toEqual(expected);
  });
});

describe("images-have-tag-or-digest and images-avoid-latest", () => {
  it.each(CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations([TAG_OR_DIGEST, AVOID_LATEST], resource)).toEqual(expected);
  });
});
