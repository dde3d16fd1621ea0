import { Auth, type ServiceSpec, type StackSpec } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import type { IngressSettings } from "../evaluation/labels";
import { LabError, validateLab } from "../evaluation/validation";
import { checkPublicSignIn } from "../evaluation/validation/public-auth";

/**
 * A public site behind an internal-only Authentik is refused: outside users could never sign in.
 * Declaring a public auth host (a public site of Authentik itself), or the site's own auth with a
 * reason, is the way out. Small hand-made labs, each with its exact problems.
 */

const INGRESS: IngressSettings = { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas", tls: "internal", acmeEmail: "ops@example.com" };
const CADDY: ServiceSpec = { name: "caddy", image: "caddy:2", role: "ingress-controller", networks: ["proxy_network"] };
const authentik = (sites: ServiceSpec["sites"]): ServiceSpec => ({ name: "authentik-server", image: "ghcr.io/goauthentik/server:2025.12.4", networks: ["proxy_network"], sites });
const INTERNAL_AUTH = authentik([{ host: "auth", port: 9000, auth: Auth.own("the identity provider") }]);
const PUBLIC_AUTH = authentik([
  { host: "auth", port: 9000, auth: Auth.own("the identity provider") },
  { host: "auth.example.com", public: true, port: 9000, auth: Auth.own("the identity provider, for outside users") },
]);
const blog = (site: Partial<NonNullable<ServiceSpec["sites"]>[number]> = {}): ServiceSpec => ({
  name: "blog",
  image: "nginx:1.27-alpine",
  networks: ["proxy_network"],
  sites: [{ host: "blog.example.com", public: true, port: 80, ...site }],
});
const lab = (...services: ServiceSpec[]): StackSpec[] => [{ name: "app", tier: "application", description: "app (test)", services }];

const REFUSED =
  "app/blog: sites[0]: the public site blog.example.com is behind Authentik forward auth, but Authentik signs users in only at auth.in.example.com, internal-only: " +
  "outside users could never sign in; give authentik-server a public site (a public auth host) or declare this site's auth with Auth.own or Auth.none and a reason";

test.each<[string, StackSpec[], string[]]>([
  ["a public site behind an internal-only Authentik is refused", lab(CADDY, INTERNAL_AUTH, blog()), [REFUSED]],
  ["the same with forward auth asked for explicitly", lab(CADDY, INTERNAL_AUTH, blog({ auth: Auth.authentik })), [REFUSED]],
  ["a public auth host declared: accepted", lab(CADDY, PUBLIC_AUTH, blog()), []],
  ["the site opts out of forward auth with a reason: accepted", lab(CADDY, INTERNAL_AUTH, blog({ auth: Auth.own("its own login") })), []],
  ["an internal site behind the internal Authentik: accepted", lab(CADDY, INTERNAL_AUTH, blog({ host: "blog", public: false })), []],
])("%s", (_title, stacks, problems) => {
  const found: string[] = [];
  checkPublicSignIn(stacks, INGRESS, found);
  expect(found).toEqual(problems);
});

test("lab validation runs the rule, and names the problem with the others", () => {
  expect(() => validateLab(lab(CADDY, INTERNAL_AUTH, blog()), { sharedNetworks: SHARED_NETWORKS, ingress: INGRESS })).toThrow(LabError);
  try {
    validateLab(lab(CADDY, INTERNAL_AUTH, blog()), { sharedNetworks: SHARED_NETWORKS, ingress: INGRESS });
  } catch (error) {
    expect((error as LabError).problems).toContain(REFUSED);
  }
});
