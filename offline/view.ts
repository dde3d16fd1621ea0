import type { EvaluatedLab } from "../lib/evaluate-lab";
import { FORWARD_AUTH_SNIPPET, siteLabelPrefix } from "../lib/labels";

/** The type token the UniFi dynamic provider registers its records under. */
export const UNIFI_DNS_RECORD = "pulumi-nodejs:dynamic/unifi:DnsRecord";
import { STACK_NAMESPACE_LABEL } from "../lib/naming";
import { labelMap, type RegisteredResource } from "./run";

/**
 * The desired state for review, read back from what the program registered (so it shows what
 * Pulumi would be asked to create), annotated with the declaration's intent (auth reasons).
 * Secret values are never part of it: secrets appear by swarm name and mount path only.
 */

export interface ServiceView {
  readonly name: string;
  readonly swarmName: string;
  readonly image: string;
  readonly replicas: number | "global";
  readonly networks: readonly { readonly name: string; readonly aliases: readonly string[] }[];
  readonly sites: readonly { readonly host: string; readonly public: boolean; readonly auth: string }[];
  readonly placement: readonly string[];
  readonly secrets: readonly { readonly name: string; readonly target: string }[];
  readonly configs: readonly { readonly name: string; readonly target: string }[];
  readonly ports: readonly string[];
}

export interface StackView {
  readonly name: string;
  readonly tier: string;
  readonly description: string;
  readonly networks: readonly string[];
  readonly dependsOn: readonly string[];
  readonly services: readonly ServiceView[];
}

/** One routed host and everything registered for it, read back from the registered resources. */
export interface RouteView {
  readonly host: string;
  readonly owner: string;
  readonly public: boolean;
  readonly auth: string;
  /** The Caddy label that declares the site, as registered on the service. */
  readonly caddySite: string | undefined;
  /** The internal record's target, when one was registered. */
  readonly internalRecord: string | undefined;
  /** Why a host has no internal record by design (the catch-all, the node's own name). */
  readonly noRecordBecause: string | undefined;
  /** Where the tunnel sends this host, when it has a rule. */
  readonly tunnelRule: string | undefined;
  /** The public record's content, when one was registered. */
  readonly cloudflareRecord: string | undefined;
}

export interface IngressView {
  readonly internalDns: string;
  readonly tunnel: string | undefined;
  readonly routes: readonly RouteView[];
  /** The tunnel's rules in order, as registered (the catch-all last). */
  readonly tunnelRules: readonly string[];
}

export interface LabView {
  readonly stack: string;
  readonly secretSource: string;
  readonly sharedNetworks: readonly { readonly name: string; readonly purpose: string }[];
  readonly stacks: readonly StackView[];
  readonly ingress: IngressView;
  readonly counts: Readonly<Record<string, number>>;
}

type Loose = Record<string, any>;

const labelsOf = (inputs: Loose) => labelMap(inputs.labels);

export function buildView(stackName: string, secretSource: string, lab: EvaluatedLab, resources: readonly RegisteredResource[]): LabView {
  const byType = (type: string) => resources.filter((resource) => resource.type === type);
  const services = byType("docker:index/service:Service");
  const counts: Record<string, number> = {};
  for (const resource of resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;

  const stacks: StackView[] = lab.stacks.map((stack) => {
    const plans = lab.plans.get(stack.name) ?? [];
    const order = (resource: RegisteredResource) => plans.findIndex((plan) => plan.swarmName === resource.inputs.name);
    const registered = services
      .filter((service) => labelsOf(service.inputs)[STACK_NAMESPACE_LABEL] === stack.name)
      .sort((a, b) => order(a) - order(b));
    return {
      name: stack.name,
      tier: stack.tier,
      description: stack.description,
      networks: (stack.networks ?? []).map((network) => `${stack.name}_${network.key}`),
      dependsOn: stack.dependsOn ?? [],
      services: registered.map((resource): ServiceView => {
        const inputs = resource.inputs as Loose;
        const labels = labelsOf(inputs);
        const plan = plans.find((candidate) => candidate.swarmName === inputs.name);
        const container = (inputs.taskSpec?.containerSpec ?? {}) as Loose;
        const mode = inputs.mode as Loose;
        return {
          name: plan?.name ?? String(inputs.name),
          swarmName: String(inputs.name),
          image: String(container.image),
          replicas: mode?.global ? "global" : Number(mode?.replicated?.replicas ?? 1),
          networks: ((inputs.taskSpec?.networksAdvanceds ?? []) as Loose[]).map((network) => ({ name: String(network.id), aliases: network.aliases ?? [] })),
          sites: (plan?.sites ?? []).map((site, index) => {
            const prefix = siteLabelPrefix(index);
            const guarded = labels[`${prefix}.route.0_import`] === FORWARD_AUTH_SNIPPET;
            return {
              host: labels[prefix] ?? site.host,
              public: site.public,
              auth: guarded ? "authentik" : site.auth.kind === "authentik" ? "MISSING" : `${site.auth.kind}: ${site.auth.reason}`,
            };
          }),
          placement: (inputs.taskSpec?.placement?.constraints ?? []) as string[],
          secrets: ((container.secrets ?? []) as Loose[]).map((secret) => ({ name: String(secret.secretName), target: String(secret.fileName) })),
          configs: ((container.configs ?? []) as Loose[]).map((config) => ({ name: String(config.configName), target: String(config.fileName) })),
          ports: ((inputs.endpointSpec?.ports ?? []) as Loose[]).map((port) => `${port.publishedPort}:${port.targetPort}/${port.protocol ?? "tcp"} (${port.publishMode})`),
        };
      }),
    };
  });

  return {
    stack: stackName,
    secretSource,
    sharedNetworks: lab.sharedNetworks.map((network) => ({ name: network.name, purpose: network.purpose })),
    stacks,
    ingress: buildIngressView(lab, resources),
    counts,
  };
}

/** Display form of a value that may be a Pulumi secret wrapper or unknown. */
function shown(value: unknown): string {
  return typeof value === "string" ? value : "(computed)";
}

function buildIngressView(lab: EvaluatedLab, resources: readonly RegisteredResource[]): IngressView {
  const byType = (type: string) => resources.filter((resource) => resource.type === type).map((resource) => resource.inputs as Loose);
  const swarmServices = byType("docker:index/service:Service");
  const records = byType(UNIFI_DNS_RECORD);
  const cloudflareRecords = byType("cloudflare:index/dnsRecord:DnsRecord");
  const tunnels = byType("cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared");
  const ingresses = (byType("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig")[0]?.config?.ingresses ?? []) as Loose[];
  const describeRule = (rule: Loose) =>
    `${rule.service}${rule.originRequest?.originServerName ? ` (SNI ${rule.originRequest.originServerName}${rule.originRequest.noTlsVerify ? ", no verify" : ""})` : ""}`;

  const routes = lab.ingressPlan.routes.map((route): RouteView => {
    const swarmName = (lab.plans.get(route.stack) ?? []).find((plan) => plan.name === route.service)?.swarmName;
    const labels = labelsOf(swarmServices.find((inputs) => inputs.name === swarmName) ?? {});
    const prefix = siteLabelPrefix(route.index);
    const rule = ingresses.find((candidate) => candidate.hostname === route.host);
    const cname = cloudflareRecords.find((record) => record.name === route.host);
    return {
      host: route.host,
      owner: route.owner,
      public: route.public,
      auth: route.auth,
      caddySite: labels[prefix] === route.host ? prefix : undefined,
      internalRecord: records.find((record) => record.name === route.host)?.target,
      noRecordBecause: route.wildcard ? "catch-all" : route.host === lab.ingressPlan.internalTarget ? "the node's own address" : route.public ? "public" : undefined,
      tunnelRule: rule ? describeRule(rule) : undefined,
      cloudflareRecord: cname ? `${cname.type} ${shown(cname.content)}${cname.proxied ? " (proxied)" : ""}` : undefined,
    };
  });
  return {
    internalDns: records.length > 0 ? `UniFi, CNAME to ${lab.ingressPlan.internalTarget}` : "not managed (no homelab:unifi)",
    tunnel: tunnels[0] ? `${tunnels[0].name} (remotely managed, ${tunnels[0].configSrc})` : undefined,
    routes,
    tunnelRules: ingresses.map((rule) => `${rule.hostname ?? "(anything else)"} -> ${describeRule(rule)}`),
  };
}
