import type { StackSpec } from "../../lab/model";
import { resolveLabSites, type Zones } from "../sites";
import { FORWARD_AUTH_SERVICE } from "./exposure";

/**
 * A public site behind forward auth sends every outside visitor to Authentik's sign-in, at the
 * host Authentik's own site declares. When that host is internal-only (`auth.<internalDomain>`,
 * as the lab's is, with its cookie domain on the internal zone), no outside user can ever reach
 * it: the site is on the internet and unusable there. The lab must say how outside users sign in
 * (a public site of Authentik itself: the public auth host), or the site opts out of forward auth
 * with its reason (`Auth.own`, `Auth.none`).
 */
export function checkPublicSignIn(stacks: readonly StackSpec[], zones: Zones, problems: string[]): void {
  const sites = resolveLabSites(stacks, zones);
  const signIn = sites.filter((site) => site.service === FORWARD_AUTH_SERVICE);
  if (signIn.some((site) => site.public)) return;
  const where = signIn.length > 0 ? `only at ${signIn.map((site) => site.host).join(", ")}, internal-only` : "at no site of its own";
  for (const site of sites.filter((candidate) => candidate.public && candidate.protected)) {
    problems.push(
      `${site.owner}: sites[${site.index}]: the public site ${site.host} is behind Authentik forward auth, but Authentik signs users in ${where}: ` +
        `outside users could never sign in; give ${FORWARD_AUTH_SERVICE} a public site (a public auth host) or declare this site's auth with Auth.own or Auth.none and a reason`,
    );
  }
}
