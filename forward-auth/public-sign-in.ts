import { FORWARD_AUTH_SERVICE } from ".";

/**
 * A public site behind forward auth sends every outside visitor to Authentik's sign-in, at the
 * host Authentik's own site declares. When that host is internal-only (`auth.<internalDomain>`,
 * as the lab's is, with its cookie domain on the internal zone), no outside user can ever reach
 * it: the site is on the internet and unusable there. The lab must say how outside users sign in
 * (a public site of Authentik itself: the public auth host), or the site opts out of forward auth
 * with its reason (`Auth.own`, `Auth.none`).
 */

/** What the rule reads of each resolved site (evaluation/sites.ts resolves them). */
export interface SignInSite {
  readonly owner: string;
  readonly service: string;
  readonly index: number;
  readonly host: string;
  readonly public: boolean;
  readonly protected: boolean;
}

export function publicSignInProblems(sites: readonly SignInSite[]): string[] {
  const signIn = sites.filter((site) => site.service === FORWARD_AUTH_SERVICE);
  if (signIn.some((site) => site.public)) return [];
  const where = signIn.length > 0 ? `only at ${signIn.map((site) => site.host).join(", ")}, internal-only` : "at no site of its own";
  return sites
    .filter((site) => site.public && site.protected)
    .map(
      (site) =>
        `${site.owner}: sites[${site.index}]: the public site ${site.host} is behind Authentik forward auth, but Authentik signs users in ${where}: ` +
        `outside users could never sign in; give ${FORWARD_AUTH_SERVICE} a public site (a public auth host) or declare this site's auth with Auth.own or Auth.none and a reason`,
    );
}
