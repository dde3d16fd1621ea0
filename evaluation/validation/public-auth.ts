import type { StackSpec } from "../../lab/model";
import { publicSignInProblems } from "../../forward-auth/public-sign-in";
import { resolveLabSites, type Zones } from "../sites";

/** The forward-auth home's rule on public sign-in (forward-auth/public-sign-in.ts), over the lab's resolved sites. */
export function checkPublicSignIn(stacks: readonly StackSpec[], zones: Zones, problems: string[]): void {
  problems.push(...publicSignInProblems(resolveLabSites(stacks, zones)));
}
