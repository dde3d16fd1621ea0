import type { StackSpec } from "../../lab/model";
import { type ImageLock, LOCK_FILE, pinImage, UPDATE_COMMAND } from "../../images/image-lock";
import { IMAGE_REFERENCE } from "../../images/image-ref";

/**
 * Lab rules for pinned images: every image the lab deploys carries a digest (its own, or the
 * lock's), unless its service declares `unpinned` with a reason.
 */

export interface ImagePinCheck {
  readonly lock: ImageLock;
  /**
   * A tag-only image missing from the lock is an error (`pulumi preview`/`up`). The offline review
   * tools turn this off so that they work where no registry can be reached; they list the gaps
   * from `unlockedImages` instead.
   */
  readonly requireLocked: boolean;
}

export interface UnlockedImage {
  /** `<stack>/<service>`. */
  readonly service: string;
  readonly image: string;
}

/** Services whose tag-only image has no digest in the lock and no `unpinned` reason. */
export function unlockedImages(stacks: readonly StackSpec[], lock: ImageLock): UnlockedImage[] {
  return stacks.flatMap((stack) =>
    stack.services
      .filter((service) => service.unpinned === undefined && IMAGE_REFERENCE.test(service.image) && pinImage(service.image, lock).kind === "unlocked")
      .map((service) => ({ service: `${stack.name}/${service.name}`, image: service.image })),
  );
}

/**
 * Adds a problem for each `unpinned` service without a reason or whose image is pinned after all,
 * and, where the run requires locked images, for each tag-only image the lock has no digest for.
 */
export function checkImagePins(stacks: readonly StackSpec[], check: ImagePinCheck | undefined, problems: string[]): void {
  if (!check) return;
  for (const stack of stacks) {
    for (const service of stack.services) {
      const where = `${stack.name}/${service.name}`;
      if (service.unpinned === undefined || !IMAGE_REFERENCE.test(service.image)) continue;
      if (service.unpinned.trim().length === 0) problems.push(`${where}: unpinned: give the reason this image may run without a digest`);
      if (pinImage(service.image, check.lock).kind !== "unlocked") problems.push(`${where}: unpinned: "${service.image}" is pinned (a digest in the reference or the lock); drop unpinned or the digest`);
    }
  }
  if (!check.requireLocked) return;
  for (const { service, image } of unlockedImages(stacks, check.lock)) {
    problems.push(
      `${service}: image: "${image}" has no digest in ${LOCK_FILE}; run \`${UPDATE_COMMAND}\` (asks each registry for the digest of every tag the lab uses and rewrites the lock), or pin a digest in the reference, or declare unpinned: "<reason>"`,
    );
  }
}
