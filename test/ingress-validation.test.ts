import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { Auth, httpMonitor, type LabContext, type ServiceSpec, type StackSpec } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import { evaluateLab } from "../evaluation/evaluate-lab";
import type { IngressSettings } from "../evaluation/labels";
import { LabError, validateLab } from "../evaluation/validation";
import { readStackConfig } from "../config/stack-file";

/**
 * Lab validation of what the labels make: the Caddyfile caddy-docker-proxy would build (a label
 * that makes it skip a service, misread a value, drop a block, or serve a site that answers
 * nothing) and the Uptime Kuma monitors. Small fixture labs, each broken one way, with the exact
 * problems they must report.
 */

const INGRESS: IngressSettings = { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas", tls: "internal", acmeEmail: "ops@example.com" };

function web(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return { name: "web", image: "nginx:1.27-alpine", networks: ["proxy_network"], sites: [{ host: "web", port: 80 }], ...overrides };
}

/** The service protected sites forward to; without it in the selection they are refused (test/exposure-rules.test.ts). */
const AUTHENTIK: ServiceSpec = { name: "authentik-server", image: "ghcr.io/goauthentik/server:2025.12.4", networks: ["proxy_network"] };

function app(services: readonly ServiceSpec[]): StackSpec[] {
  return [
    { name: "app", tier: "application", description: "app (test)", services },
    { name: "platform_authentik", tier: "platform", description: "authentik (test)", services: [AUTHENTIK] },
  ];
}

function problemsOf(stacks: readonly StackSpec[], ingress: IngressSettings | undefined): readonly string[] {
  try {
    validateLab(stacks, { sharedNetworks: SHARED_NETWORKS, ...(ingress ? { ingress } : {}) });
  } catch (error) {
    if (error instanceof LabError) return error.problems;
    throw error;
  }
  return [];
}

const own = Auth.own("has its own login");

describe("Caddy labels, judged as caddy-docker-proxy and Caddy would", () => {
  test.each<[string, readonly ServiceSpec[], readonly string[]]>([
    ["a protected site, an own-auth site with directives and a monitor of the app itself validate cleanly", [web({ monitors: [httpMonitor("web", "Web", "http://web:80/health")] }), web({ name: "docs", sites: [{ host: "docs", port: 80, auth: own, directives: { encode: "gzip" } }] })], []],
    [
      "a global option written as a label of a service with a site lands in that site",
      [web({ labels: { "caddy.email": "ops@example.com" } })],
      ['app/web: labels: "caddy.email": caddy-docker-proxy would drop the site web.in.example.com (Caddy: unrecognized directive: email)'],
    ],
    [
      "an unknown directive",
      [web({ sites: [{ host: "web", port: 80, auth: own, directives: { bogus: "x" } }] })],
      ['app/web: labels: "caddy.bogus": caddy-docker-proxy would drop the site web.in.example.com (Caddy: unrecognized directive: bogus)'],
    ],
    [
      "a directive outside any site, under a prefix that names no site",
      [web({ labels: { "caddy_5.reverse_proxy": "web:80" } })],
      ['app/web: labels: "caddy_5.reverse_proxy": caddy-docker-proxy would drop the global options block (Caddy: unrecognized global option: reverse_proxy)'],
    ],
    [
      "a subdirective Caddy does not know, on the upstream of a protected site",
      [web({ sites: [{ host: "web", port: 80, directives: { "reverse_proxy.flush_intervall": "-1" } }] })],
      ['app/web: labels: "caddy.route.1_reverse_proxy.flush_intervall": caddy-docker-proxy would drop the site web.in.example.com (Caddy: unrecognized subdirective flush_intervall)'],
    ],
    [
      "a site without reverse_proxy or any handler that answers",
      [web({ labels: { caddy_3: "extra.in.example.com", "caddy_3.encode": "gzip" } })],
      ['app/web: labels: "caddy_3": the site extra.in.example.com has no handler that answers (reverse_proxy, respond, redir, file_server, ...); Caddy would answer every request with an empty 200'],
    ],
    [
      "a template caddy-docker-proxy cannot evaluate",
      [web({ sites: [{ host: "web", port: 80, directives: { "reverse_proxy.to": "{{upstream 80}}" } }] })],
      ['app/web: labels: caddy-docker-proxy skips every Caddy label of this service (template: :1: function "upstream" is not modelled by this program (it knows upstreams, http, https and h2c))'],
    ],
    [
      "a value whose \"#\" starts a comment, which caddy-docker-proxy drops",
      [web({ sites: [{ host: "web", port: 80, auth: own, directives: { "header.X-Tag": "#blue" } }] })],
      ['app/web: labels: "caddy.header.X-Tag": a "#" in the value starts a comment for caddy-docker-proxy, which drops the rest of it; quote the value'],
    ],
    [
      "a value Caddy reads differently from how it is written (a lone {)",
      [web({ sites: [{ host: "web", port: 80, auth: own, directives: { respond: "{ 200" } }] })],
      ['app/web: labels: "caddy.respond": written as ["respond","{","200"], Caddy reads it as something else (a "{" or "}", a leading "#", a tab or an empty argument in a value)'],
    ],
    [
      "one address in two sites: caddy-docker-proxy keeps the first in its order and drops the other",
      [web(), web({ name: "other", sites: [], labels: { caddy: "other.in.example.com web.in.example.com", "caddy.respond": "200" } })],
      ['app/web: labels: "caddy": caddy-docker-proxy would drop the site web.in.example.com (Caddy: ambiguous site definition: web.in.example.com; first declared by app/other "caddy")'],
    ],
  ])("%s", (_case, services, expected) => {
    expect(problemsOf(app(services), INGRESS)).toEqual(expected);
  });

  test("the rules that need the zones run only when validation is given them", () => {
    expect(problemsOf(app([web({ labels: { "caddy.email": "ops@example.com" } })]), undefined)).toEqual([]);
  });
});

describe("monitors", () => {
  const monitored = (monitor: ServiceSpec["monitors"], site = web().sites) => app([web({ sites: site, monitors: monitor })]);

  test.each<[string, StackSpec[], readonly string[]]>([
    [
      "a monitor through a site behind forward auth",
      monitored([httpMonitor("web", "Web", "https://web.in.example.com/health")]),
      ["app/web: monitors.web.settings.url: https://web.in.example.com/health goes through Authentik's forward auth, so the monitor sees the sign-in redirect, not the app; check the app itself on the overlay network (http://web:80/<health path>)"],
    ],
    ["a monitor through a site with its own login is the app answering", monitored([httpMonitor("web", "Web", "https://web.in.example.com/health")], [{ host: "web", port: 80, auth: own }]), []],
    [
      "accepted status codes as JSON in a string",
      monitored([{ id: "web", type: "http", settings: { name: "Web", url: "http://web:80", accepted_statuscodes: '["200-299"]' } }]),
      ['app/web: monitors.web.settings.accepted_statuscodes: give the codes as a list, acceptedStatusCodes: ["200-299"], not JSON in a string'],
    ],
    ["a status code that is not one", monitored([httpMonitor("web", "Web", "http://web:80", { accepted: ["2xx"] })]), ['app/web: monitors.web.acceptedStatusCodes: expected a status code or range such as "200-299", got "2xx"']],
    ["a URL that is not one", monitored([httpMonitor("web", "Web", "http//web")]), ['app/web: monitors.web.settings.url: expected a URL, got "http//web"']],
  ])("%s", (_case, stacks, expected) => {
    expect(problemsOf(stacks, INGRESS)).toEqual(expected);
  });
});

describe("the running lab's own defect", () => {
  test("its raw caddy.email label on the Caddy service is refused before anything is registered, naming the site Caddy would lose", () => {
    const config = parseConfig({ ...readStackConfig("prod"), "onepassword:serviceAccountToken": "fake-token-for-tests" }).homelab;
    const withRawEmail = STACKS.map((define) => (lab: LabContext) => {
      const stack = define(lab);
      if (stack.name !== "caddy") return stack;
      return { ...stack, services: stack.services.map((svc) => (svc.name === "caddy" ? { ...svc, labels: { "caddy.email": lab.acmeEmail } } : svc)) };
    });
    expect(() => evaluateLab(config, withRawEmail)).toThrow(
      new LabError(['caddy/caddy: labels: "caddy.email": caddy-docker-proxy would drop the site barbary.in.hypyr.space (Caddy: unrecognized directive: email)']),
    );
  });
});
