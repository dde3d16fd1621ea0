/**
 * The type tokens of everything the program registers, and of the provider functions it calls, by
 * the component that registers them. One home for the components themselves, the offline review
 * and the tests that read registrations back, and the policy pack that checks them: the pack runs
 * in a process of its own that must not load the provider SDKs, so the tokens cannot live in the
 * component modules. The provider's tokens are the SDKs' own (test/swarm-stack.test.ts holds the
 * docker ones to the SDK). Constants only: importing this loads nothing.
 */

/** SwarmStack and SharedNetworks: the stacks' networks, secrets, configs and services. */
export const SWARM_TYPES = {
  stack: "homelab:swarm:Stack",
  sharedNetworks: "homelab:swarm:SharedNetworks",
  network: "docker:index/network:Network",
  service: "docker:index/service:Service",
  secret: "docker:index/secret:Secret",
  config: "docker:index/serviceConfig:ServiceConfig",
} as const;

/** PublicIngress: the Cloudflare tunnel, its rules and records, and what it looks up. */
export const PUBLIC_INGRESS_TYPES = {
  component: "homelab:cloudflare:PublicIngress",
  provider: "pulumi:providers:cloudflare",
  tunnel: "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
  tunnelConfig: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
  record: "cloudflare:index/dnsRecord:DnsRecord",
  getZone: "cloudflare:index/getZone:getZone",
  getTunnelToken: "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken",
} as const;

/** InternalDns and its records: what `pulumi.dynamic.Resource` would register a `unifi:DnsRecord` as. */
export const INTERNAL_DNS_TYPES = {
  component: "homelab:unifi:InternalDns",
  record: "pulumi-nodejs:dynamic/unifi:DnsRecord",
} as const;

/** The 1Password source's reads. */
export const ONEPASSWORD_CALLS = { getVault: "onepassword:index/getVault:getVault", getItem: "onepassword:index/getItem:getItem" } as const;

/** The read-only reference to the stack itself (the last deployment's inventory). */
export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";
