import type { Removal } from "./model";

/**
 * Stacks and stateful services removed from the lab on purpose, each with its reason. An entry
 * here lets `pulumi up` delete what was deployed; entries may be dropped once the removal has been
 * deployed. A stateful service is also protected in Pulumi's state: run
 * `pulumi state unprotect '<urn>'` as the second, deliberate step (see docs/deletion-safety.md).
 */
export const REMOVED: readonly Removal[] = [];
