import type { Removal, StackSpec } from "../../lab/model";
import type { SharedNetworkSpec } from "../../lab/networks";
import { REMOVED } from "../../lab/removed";
import type { IngressSettings } from "../labels";
import { ProblemList } from "../../lib/problems";
import { checkCaddyLabels } from "./caddy-labels";
import { exposureProblems } from "./exposure";
import { checkImagePins, type ImagePinCheck } from "./images";
import { checkMonitors } from "./monitors";
import { checkProgramSecrets } from "./program-secrets";
import { checkQuantities } from "./quantities";
import { checkSites } from "./sites";
import { checkStacks } from "./stacks";

/**
 * Lab validation: the cross-checks of the declaration that no type can express, one concern per
 * module of this folder. Every problem is collected, each naming the stack, service and field, and
 * the program stops before registering anything.
 */

export class LabError extends ProblemList {
  constructor(problems: readonly string[]) {
    super("Invalid lab declaration", problems);
  }
}

/** What the rules are checked against, besides the stacks. */
export interface LabRules {
  readonly sharedNetworks: readonly SharedNetworkSpec[];
  /**
   * The zones and Caddy settings. The rules that need them (hosts and their zones, the Caddyfile
   * the labels make, the monitors) run when they are given, as the program always gives them;
   * unit tests of the other rules may leave them out.
   */
  readonly ingress?: IngressSettings;
  /** The image lock, and whether a tag-only image missing from it is refused. @default not checked */
  readonly images?: ImagePinCheck;
  /** Whether this stack of the program runs the Cloudflare tunnel (and so makes its token). @default true */
  readonly cloudflare?: boolean;
  /** @default lab/removed.ts */
  readonly removed?: readonly Removal[];
}

/** Checks the whole lab; throws a LabError listing every problem. */
export function validateLab(stacks: readonly StackSpec[], rules: LabRules): void {
  const problems: string[] = [];
  checkStacks(stacks, rules.sharedNetworks, problems);
  checkProgramSecrets(stacks, rules.cloudflare ?? true, problems);
  if (rules.ingress) {
    checkSites(stacks, rules.ingress, problems);
    checkCaddyLabels(stacks, rules.ingress, problems);
    checkMonitors(stacks, rules.ingress, problems);
  }
  checkImagePins(stacks, rules.images, problems);
  checkQuantities(stacks, problems);
  problems.push(...exposureProblems(stacks, rules.removed ?? REMOVED));
  if (problems.length > 0) throw new LabError(problems);
}
