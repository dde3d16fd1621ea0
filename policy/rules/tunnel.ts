import { type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { DnsRecord, list, PUBLIC_INGRESS_TYPE, TunnelConfig } from "./resources";

/** The Cloudflare tunnel: its records are proxied CNAMEs to it, its rules end with a catch-all. */

const TUNNEL_TARGET = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.cfargotunnel\.com\.?$/i;

/** The type of a URN's resource: `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
function urnType(urn: string | undefined): string | undefined {
  const qualified = urn?.split("::")[2];
  return qualified?.split("$").pop();
}

export const tunnelDnsRecordsAreProxiedCnames: ResourceValidationPolicy = {
  name: "tunnel-dns-records-are-proxied-cnames",
  description:
    "Every DNS record of the public ingress (parented to it, or pointing at cfargotunnel.com) is a proxied CNAME to <tunnel-id>.cfargotunnel.com.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DnsRecord, (record, args, reportViolation) => {
    const underIngress = urnType(args.opts.parent) === PUBLIC_INGRESS_TYPE;
    // Type and proxied are always known; content is unknown in a preview that creates the tunnel,
    // so it is read last (reading it then makes the SDK report "can't run during preview").
    if (!underIngress && !(typeof record.content === "string" && /cfargotunnel\.com\.?$/i.test(record.content))) return;
    const name = typeof record.name === "string" ? record.name : args.name;
    if (record.type !== "CNAME") reportViolation(`tunnel record ${name} is of type ${String(record.type)}: it must be a CNAME to the tunnel.`);
    if (record.proxied !== true) reportViolation(`tunnel record ${name} is not proxied: set proxied: true, or the tunnel's host is published unproxied.`);
    if (typeof record.content !== "string" || !TUNNEL_TARGET.test(record.content)) {
      reportViolation(`tunnel record ${name} points at ${String(record.content)}: it must point at <tunnel-id>.cfargotunnel.com.`);
    }
  }),
};

export const tunnelConfigEndsWithCatchAll: ResourceValidationPolicy = {
  name: "tunnel-config-ends-with-catch-all",
  description:
    "The tunnel's ingress rules end with one catch-all rule (no hostname, no path), and only the last rule is a catch-all.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(TunnelConfig, (tunnel, args, reportViolation) => {
    const rules = list(tunnel.config?.ingresses);
    const last = rules[rules.length - 1];
    if (last === undefined) {
      reportViolation(`${args.name} has no ingress rules: it needs at least the catch-all, e.g. { service: "http_status:404" }.`);
      return;
    }
    for (const [index, rule] of rules.entries()) {
      const catchAll = !rule?.hostname && !rule?.path;
      if (index === rules.length - 1 && !catchAll) {
        reportViolation(`${args.name}: the last ingress rule (${rule?.hostname ?? rule?.path}) is not a catch-all: end with a rule without hostname, e.g. { service: "http_status:404" }.`);
      } else if (index < rules.length - 1 && catchAll) {
        reportViolation(`${args.name}: ingress rule ${index} has no hostname, so it catches everything and hides the rules after it; only the last rule may.`);
      }
    }
  }),
};
