import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import type { ResolvedSite } from "../evaluation/sites";
import { code, compare, type DocsOptions, document, markdownText, NONE, plural, table } from "./document";
import { ingressPathsDiagram, skippedSites } from "./ingress-paths";

/** How a request reaches an app (a picture), then every routed host: who serves it, who authenticates its visitors, its DNS record and tunnel rule. */

function authText(site: ResolvedSite): string {
  return site.auth.kind === "authentik" ? "authentik" : `${site.auth.kind}: ${markdownText(site.auth.reason)}`;
}

function ruleText(rule: { service: string; originRequest?: { noTlsVerify: boolean; originServerName: string } }): string {
  const origin = rule.originRequest;
  return `${code(rule.service)}${origin ? ` (SNI ${code(origin.originServerName)}${origin.noTlsVerify ? ", TLS not verified" : ""})` : ""}`;
}

/** Why a host has no record, in the docs' words (evaluation/sites.ts decides which). */
const NO_RECORD_BECAUSE = { "catch-all": "catch-all site", "node-name": "the node's own name" } as const;

/** Hosts sorted for lookup: by name, with each zone's wildcard after its concrete names. */
function byHost(a: ResolvedSite, b: ResolvedSite): number {
  if (a.wildcard !== b.wildcard) return a.wildcard ? 1 : -1;
  return compare(a.host, b.host) || compare(a.owner, b.owner) || a.index - b.index;
}

/** docs/ingress.md: every routed host, who authenticates it, its DNS record and its tunnel rule. */
export function renderIngressDoc(lab: EvaluatedLab, options: DocsOptions): string {
  const plan = lab.ingressPlan;
  const routes = [...plan.routes].sort(byHost);
  const rows = routes.map((route) => {
    const rule = plan.tunnelRules.find((candidate) => candidate.hostname === route.host);
    const { record } = route;
    const dns =
      record.kind === "internal"
        ? `CNAME ${code(record.target)}`
        : record.kind === "public"
          ? `${NONE} (public: proxied Cloudflare CNAME to the tunnel)`
          : `${NONE} (${NO_RECORD_BECAUSE[record.because]})`;
    return [
      code(route.host),
      code(route.owner),
      authText(route),
      route.public ? "public" : route.wildcard ? "internal (catch-all)" : "internal",
      dns,
      rule ? ruleText(rule) : NONE,
    ];
  });
  const count = (predicate: (route: ResolvedSite) => boolean) => plan.routes.filter(predicate).length;
  const intro = [
    `${plural(plan.routes.length, "route")}: ${count((r) => r.auth.kind === "authentik")} behind Authentik forward auth, ${count((r) => r.auth.kind === "own")} with the application's own auth, ${count((r) => r.auth.kind === "none")} open; ${count((r) => r.public)} public.`,
    "",
    `Public hosts live in ${code(lab.ingress.domain)} and reach Caddy through the Cloudflare tunnel; internal hosts live in ${code(lab.ingress.internalDomain)}, where each gets a CNAME to ${code(plan.internalTarget)}${options.internalDns ? ` (kept on ${options.internalDns})` : " (not managed by this program)"}. Caddy's certificates: ${lab.ingress.tls === "cloudflare-dns" ? "DNS-01 through Cloudflare" : "Caddy's internal CA"}.`,
  ];
  const skipped = skippedSites(lab);
  const body = [
    "## How a Request Reaches an App",
    "",
    ...ingressPathsDiagram(lab, options),
    ...(skipped.length > 0
      ? [
          "",
          "### Sites Without Forward Auth, and Why",
          "",
          ...skipped.map((site) => `- ${code(site.host)} (${code(site.owner)}), ${site.kind === "own" ? "its own login" : "open"}: ${markdownText(site.reason)}`),
        ]
      : []),
    "",
    "## Routes",
    "",
    ...table(["Host", "Service", "Auth", "Exposure", "Internal DNS record", "Tunnel rule"], rows),
    "",
    "## Tunnel Rules",
    "",
    "In the order the tunnel evaluates them:",
    "",
    ...plan.tunnelRules.map((rule, index) => `${index + 1}. ${rule.hostname !== undefined ? code(rule.hostname) : "anything else"} → ${ruleText(rule)}`),
  ];
  return document("Ingress", intro, body, options);
}
