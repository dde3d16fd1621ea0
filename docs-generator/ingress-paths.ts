import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import { AUTHENTIK_FORWARD_AUTH } from "../forward-auth";
import { contentValues, type ServicePlan } from "../evaluation/service-plan";
import type { ResolvedSite } from "../evaluation/sites";
import { allPlans, owner, plural } from "./document";
import { mermaidBlock, titled } from "./mermaid";

/**
 * How a request reaches an app, drawn from the lab: the public path (client, Cloudflare's edge,
 * the tunnel, cloudflared, Caddy) and the internal one (client, the internal DNS record, the
 * storage node's published ports, Caddy), then forward auth or not, with the lab's own hosts on
 * each step. The node count is fixed whatever the lab's size: hosts are listed inside the boxes.
 */

/** The service that serves Authentik's forward-auth endpoint: the host of its upstream, as an alias. */
const FORWARD_AUTH_ALIAS = new URL(AUTHENTIK_FORWARD_AUTH.upstream).hostname;

const findPlan = (lab: EvaluatedLab, match: (plan: ServicePlan) => boolean) => allPlans(lab).find(match);

/** A site's host as a reader scans a list: internal hosts without their zone, public ones whole. */
function shortHost(lab: EvaluatedLab, site: ResolvedSite): string {
  const suffix = `.${lab.ingress.internalDomain}`;
  return !site.public && site.host.endsWith(suffix) ? site.host.slice(0, -suffix.length) : site.host;
}

/** The published ports of the ingress controller, e.g. `80, 443 (swarm ingress mesh)`. */
function portsText(plan: ServicePlan | undefined): string {
  if (!plan || plan.ports.length === 0) return "no published ports";
  const modes = [...new Set(plan.ports.map((port) => (port.publishMode === "ingress" ? "swarm ingress mesh" : "host mode")))];
  return `ports ${plan.ports.map((port) => port.publishedPort).join(", ")} (${modes.join(", ")})`;
}

/** The Mermaid block of the two paths and what follows Caddy. */
export function ingressPathsDiagram(lab: EvaluatedLab, options: { internalDns?: string }): string[] {
  const routes = lab.ingressPlan.routes;
  const controller = findPlan(lab, (plan) => plan.role === "ingress-controller");
  const tunnelClient = findPlan(lab, (plan) => plan.secrets.some((mount) => contentValues(mount.content).some((value) => value.kind === "program" && value.name === "cloudflare-tunnel-token")));
  const forwardAuth = findPlan(lab, (plan) => plan.networks.some((attachment) => attachment.aliases.includes(FORWARD_AUTH_ALIAS)));
  const hosts = (predicate: (site: ResolvedSite) => boolean) => routes.filter(predicate).map((site) => shortHost(lab, site));
  const publicHosts = routes.filter((site) => site.public).map((site) => site.host);
  const internalRecords = lab.ingressPlan.internalRecords.length;
  const target = lab.ingressPlan.internalTarget;
  const storageNode = target.split(".")[0]!;

  const lines = ["flowchart TB"];
  if (publicHosts.length > 0 && tunnelClient) {
    const rule = lab.ingressPlan.tunnelRules.find((candidate) => candidate.hostname !== undefined);
    lines.push(
      '    subgraph internet["From the internet"]',
      '        netClient["Client on the internet"]',
      `        edge["${titled("Cloudflare edge", `${plural(publicHosts.length, "proxied record")} to the tunnel: ${publicHosts.join(", ")}; any other name: 404`)}"]`,
      `        tunnel["${titled("cloudflared", `${owner(tunnelClient)} holds the tunnel open and forwards to ${rule?.service ?? "Caddy"}`)}"]`,
      "    end",
    );
  }
  lines.push(
    '    subgraph lan["From the LAN"]',
    '        lanClient["Client on the LAN"]',
    `        dns["${titled(options.internalDns ? `DNS on ${options.internalDns}` : "Internal DNS (not managed here)", `${plural(internalRecords, "CNAME")} *.${lab.ingress.internalDomain} → ${target}`)}"]`,
    `        node["${titled(storageNode, portsText(controller))}"]`,
    "    end",
    `    caddy["${titled("Caddy", `${controller ? owner(controller) : "the ingress controller"}: one site per host, TLS`)}"]`,
  );
  const protectedHosts = hosts((site) => site.protected);
  const own = hosts((site) => site.auth.kind === "own");
  const open = hosts((site) => site.auth.kind === "none");
  if (protectedHosts.length > 0) {
    lines.push(
      `    auth["${titled("Authentik forward auth", forwardAuth ? `${owner(forwardAuth)} checks the session first` : "checks the session first")}"]`,
      `    guarded["${titled(`${plural(protectedHosts.length, "site")} behind Authentik`, protectedHosts.join(", "))}"]`,
    );
  }
  if (own.length > 0) lines.push(`    own["${titled(`${plural(own.length, "site")} with their own login`, own.join(", "))}"]`);
  if (open.length > 0) lines.push(`    open["${titled(`${plural(open.length, "site")} open to anyone`, open.join(", "))}"]`);

  if (publicHosts.length > 0 && tunnelClient) lines.push("    netClient --> edge", "    edge --> tunnel", "    tunnel --> caddy");
  lines.push("    lanClient --> dns", "    dns --> node", "    node --> caddy");
  if (protectedHosts.length > 0) lines.push("    caddy --> auth", "    auth --> guarded");
  if (own.length > 0) lines.push('    caddy -->|"no forward auth"| own');
  if (open.length > 0) lines.push('    caddy -->|"no forward auth"| open');
  return mermaidBlock(lines);
}

/** The sites that skip forward auth, with the reason each declares, for a list under the picture. */
export function skippedSites(lab: EvaluatedLab): { host: string; owner: string; kind: "own" | "none"; reason: string }[] {
  return lab.ingressPlan.routes.flatMap((site) => (site.auth.kind === "authentik" ? [] : [{ host: site.host, owner: site.owner, kind: site.auth.kind, reason: site.auth.reason }]));
}

