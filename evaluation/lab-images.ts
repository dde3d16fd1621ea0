import { parseConfig } from "../config";
import { stackNames, readStackConfig } from "../config/stack-file";
import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import { EMPTY_LOCK } from "../images/image-lock";
import { taggedName } from "../images/image-ref";
import { evaluateLab } from "./evaluate-lab";

/** A tag the lab deploys without a digest of its own, and the services that use it. */
export interface LabImage {
  readonly reference: string;
  readonly usedBy: readonly string[];
}

/**
 * Every tag-only image any stack of the program deploys (its per-service `image` overrides
 * included), except services declared `unpinned`. Read from the stack files alone: no secret,
 * no registry.
 */
export function labImages(stacks: readonly string[] = stackNames(), definitions: readonly StackDefinition[] = STACKS): LabImage[] {
  const usedBy = new Map<string, { reference: string; services: Set<string> }>();
  for (const stack of stacks) {
    // Which images a stack uses does not depend on its credentials. Against an empty lock, the
    // lab's own rule lists every image that needs a digest from it.
    const lab = evaluateLab(parseConfig(readStackConfig(stack), { purpose: "evaluate" }).homelab, definitions, undefined, { lock: EMPTY_LOCK });
    for (const { service, image } of lab.unlockedImages) {
      const key = taggedName(image);
      const entry = usedBy.get(key) ?? { reference: key, services: new Set<string>() };
      entry.services.add(service);
      usedBy.set(key, entry);
    }
  }
  return [...usedBy.values()].map((entry) => ({ reference: entry.reference, usedBy: [...entry.services].sort() })).sort((a, b) => a.reference.localeCompare(b.reference));
}
