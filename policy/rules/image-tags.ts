import { type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { DIGEST, TAG } from "../../images/image-ref";
import { DockerService, imageOf, nameOf } from "./resources";

/** Every image names what it runs: a tag or a digest, and preferably not a moving `latest`. */

export const imagesHaveTagOrDigest: ResourceValidationPolicy = {
  name: "images-have-tag-or-digest",
  description: "Every service image names an explicit tag or a sha256 digest (no implicit :latest).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const image = imageOf(service);
    if (!image) {
      reportViolation(`${name} has no image.`);
      return;
    }
    const { reference, tag, digest } = image;
    if (digest !== undefined && !DIGEST.test(digest)) reportViolation(`${name}: image ${reference} has a malformed digest (expected @sha256:<64 hex>).`);
    if (tag !== undefined && !TAG.test(tag)) reportViolation(`${name}: image ${reference} has a malformed tag.`);
    if (tag === undefined && digest === undefined) {
      reportViolation(`${name}: image ${reference} has neither tag nor digest, so it means :latest; name a version (repo:1.2.3) or pin a digest (repo@sha256:...).`);
    }
  }),
};

/** `latest` and its variants (`latest-pg17`): tags that move to whatever was pushed last. */
function isLatestTag(tag: string | undefined): boolean {
  return tag === "latest" || (tag?.startsWith("latest-") ?? false);
}

export const imagesAvoidLatest: ResourceValidationPolicy = {
  name: "images-avoid-latest",
  description: "Service images should not float on :latest (or a latest-* variant) without a digest: each deploy may run something else.",
  enforcementLevel: "advisory",
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const image = imageOf(service);
    if (!image || image.digest !== undefined || !isLatestTag(image.tag)) return;
    reportViolation(`${nameOf(service, args)}: image ${image.reference} floats on "${image.tag}"; pin a version tag or a digest.`);
  }),
};
