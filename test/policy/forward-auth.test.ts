import { FORWARD_AUTH_SNIPPET } from "../../forward-auth";
import { ROLE_LABEL } from "../../lib/naming";
import { FORWARD_AUTH_EXCEPTIONS } from "../../policy/lab-lists";
import { type PackConfig, service, type TestResource, violations } from "../support/policy-analyzer";

/** policy/rules/forward-auth.ts: Caddy sites behind Authentik, one service per case. */

const POLICY = "caddy-sites-use-forward-auth";

/** A site as evaluation/labels.ts writes a protected one. */
const protectedSite = (prefix: string, host: string, port: number) => ({
  [prefix]: host,
  [`${prefix}.route.0_import`]: FORWARD_AUTH_SNIPPET,
  [`${prefix}.route.1_reverse_proxy`]: `{{upstreams ${port}}}`,
});
const openSite = { caddy: "plex.in.example.com", "caddy.reverse_proxy": "{{upstreams 32400}}" };
const controllerLabels = {
  [ROLE_LABEL]: "ingress-controller",
  caddy: `(${FORWARD_AUTH_SNIPPET})`,
  "caddy.0_reverse_proxy": "/outpost.goauthentik.io/* http://authentik-server:9000",
  "caddy.1_forward_auth": "http://authentik-server:9000",
  "caddy.1_forward_auth.uri": "/outpost.goauthentik.io/auth/caddy",
};

const unprotected = (service: string, address: string) =>
  `${POLICY}: ${service}: site "${address}" (label caddy) is served without Authentik forward auth. ` +
  `Import the snippet before its handlers ("caddy.route.0_import: authentik_forward_auth", the lab's default Auth.authentik), ` +
  `or, if the application must stay open, declare the site Auth.own/Auth.none with its reason and run npm run docs, which lists ${service} in policy/lab-lists.ts.`;

/** Whichever service the pack's own list exempts first, so the case holds for any lab's list. */
const [listed] = Object.keys(FORWARD_AUTH_EXCEPTIONS);
const LISTED_CASES: readonly [string, TestResource, readonly string[]][] =
  listed === undefined ? [] : [["an open site of a service in policy/lab-lists.ts", service(listed, { labels: openSite }), []]];

const CASES: readonly [string, TestResource, readonly string[]][] = [
  ["two protected sites", service("app_sonarr", { labels: { ...protectedSite("caddy", "sonarr.in.example.com", 8989), ...protectedSite("caddy_1", "tv.in.example.com", 8989) } }), []],
  ["a site-level import", service("app_radarr", { labels: { caddy: "radarr.in.example.com", "caddy.import": FORWARD_AUTH_SNIPPET, "caddy.reverse_proxy": "{{upstreams 7878}}" } }), []],
  // Caddy's lexer drops the quotes: the snippet's name is the quoted text.
  ["a quoted snippet name", service("app_quoted", { labels: { ...protectedSite("caddy", "quoted.in.example.com", 80), "caddy.route.0_import": `"${FORWARD_AUTH_SNIPPET}"` } }), []],
  ["a quoted site-level import", service("app_quoted_site", { labels: { caddy: "q.in.example.com", "caddy.import": `"${FORWARD_AUTH_SNIPPET}"`, "caddy.reverse_proxy": "{{upstreams 80}}" } }), []],
  // Caddy orders forward_auth, which a site-level import brings, before handle.
  [
    "a site-level import beside a handle",
    service("app_top", { labels: { caddy: "top.in.example.com", "caddy.import": FORWARD_AUTH_SNIPPET, "caddy.handle_0": "/api/*", "caddy.handle_0.reverse_proxy": "{{upstreams 81}}" } }),
    [],
  ],
  // `0_route` is the site's route all the same; its order prefix only places it among the site's directives.
  ["an ordered route", service("app_ordered", { labels: { caddy: "ordered.in.example.com", "caddy.0_route.0_import": FORWARD_AUTH_SNIPPET, "caddy.0_route.1_reverse_proxy": "{{upstreams 80}}" } }), []],
  ["a service without sites", service("app_worker", { labels: { "homepage.name": "Worker" } }), []],
  ["the ingress controller defines the snippet", service("caddy_caddy", { labels: controllerLabels }), []],
  [
    "an open site beside a protected one",
    service("app_open", { labels: { caddy: "open.in.example.com", "caddy.reverse_proxy": "{{upstreams 80}}", ...protectedSite("caddy_1", "ok.in.example.com", 80) } }),
    [unprotected("app_open", "open.in.example.com")],
  ],
  [
    "an import that runs after the upstream",
    service("app_late", { labels: { caddy: "late.in.example.com", "caddy.route.0_reverse_proxy": "{{upstreams 80}}", "caddy.route.1_import": FORWARD_AUTH_SNIPPET } }),
    [unprotected("app_late", "late.in.example.com")],
  ],
  [
    "an import behind a route matcher",
    service("app_partial", { labels: { ...protectedSite("caddy", "partial.in.example.com", 80), "caddy.route": "/admin/*" } }),
    [unprotected("app_partial", "partial.in.example.com")],
  ],
  [
    "another snippet",
    service("app_other_snippet", { labels: { caddy: "x.in.example.com", "caddy.route.0_import": "basic_auth_users", "caddy.route.1_reverse_proxy": "{{upstreams 80}}" } }),
    [unprotected("app_other_snippet", "x.in.example.com")],
  ],
  [
    // Caddy runs `handle` before `route`: /api/* would be answered before the check.
    "a handle that answers before the route",
    service("app_handle", { labels: { ...protectedSite("caddy", "api.in.example.com", 80), "caddy.handle_0": "/api/*", "caddy.handle_0.reverse_proxy": "{{upstreams 81}}" } }),
    [unprotected("app_handle", "api.in.example.com")],
  ],
  [
    // A second route without matcher runs after the first, so the first decides.
    "a route that proxies before the route that imports",
    service("app_two_routes", { labels: { caddy: "two.in.example.com", "caddy.0_route.0_reverse_proxy": "{{upstreams 80}}", "caddy.1_route.0_import": FORWARD_AUTH_SNIPPET } }),
    [unprotected("app_two_routes", "two.in.example.com")],
  ],
  [
    // caddy-docker-proxy skips every Caddy label of a service whose template fails, and this program does not guess at what it cannot evaluate.
    "a template this program cannot evaluate",
    service("app_sprig", { labels: { ...protectedSite("caddy", "sprig.in.example.com", 80), "caddy.route.1_reverse_proxy": "{{ upstreams 80 | join \" \" }}" } }),
    [
      `${POLICY}: app_sprig: caddy-docker-proxy skips every Caddy label of this service (template: :1: pipelines, variables and parentheses are not modelled by this program: {{ upstreams 80 | join " " }}), ` +
        "so neither its sites nor its snippets can be checked for forward auth.",
    ],
  ],
  ...LISTED_CASES,
  ["an open site of a service no list names", service("app_kiosk", { labels: openSite }), [unprotected("app_kiosk", "plex.in.example.com")]],
  [
    "an ingress controller without the snippet",
    service("caddy_caddy", { labels: { [ROLE_LABEL]: "ingress-controller", caddy: "(other)", "caddy.respond": "ok" } }),
    [`${POLICY}: caddy_caddy is the ingress controller but defines no (authentik_forward_auth) snippet with a forward_auth directive; every protected site imports it.`],
  ],
];

/** Exceptions added per run through policy config. */
const CONFIG_CASES: readonly [string, PackConfig, readonly string[]][] = [
  ["a service excepted with its reason", { [POLICY]: { exceptions: { app_kiosk: "a wall display without a keyboard" } } }, []],
  // An exception without a reason is no exception.
  ["an exception without a reason", { [POLICY]: { exceptions: { app_kiosk: " " } } }, [unprotected("app_kiosk", "plex.in.example.com")]],
];

describe(POLICY, () => {
  it.each(CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations([POLICY], resource)).toEqual(expected);
  });

  it.each(CONFIG_CASES)("an open site and config: %s", async (_sentence, config, expected) => {
    expect(await violations([POLICY], service("app_kiosk", { labels: openSite }), config)).toEqual(expected);
  });
});
