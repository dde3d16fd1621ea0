import { parseConfig } from "../config";
import { Auth, type ServiceSpec, type StackSpec } from "../lab/model";
import { ingressControllers, planIngress, TUNNEL_CATCH_ALL } from "../evaluation/ingress";
import { resolveLabSites } from "../evaluation/sites";
import { LabError } from "../evaluation/validation";
import { checkSites } from "../evaluation/validation/sites";
import { INTERNAL_DNS_TYPES } from "../lib/resource-types";
import { FAKE_TUNNEL_TOKEN_KEY } from "../offline/fake-secrets";
import type * as cloudflare from "@pulumi/cloudflare";
import type * as docker from "@pulumi/docker";
import { PUBLIC_INGRESS_TYPES } from "../lib/resource-types";
import { SWARM_TYPES } from "../lib/resource-types";
import type { UnifiDnsRecordArgs } from "../providers/unifi/dns-record";
import { inputsOf as registeredInputs, isSecretWrapper, ofType } from "../lib/registered";
import { type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { deployLab } from "../program";
import { service, services, sitePrefixes } from "./helpers";

/**
 * Ingress from one declaration: the pure derivation on small hand-made labs, then the whole prod
 * render, where Caddy's sites, the internal records, the public records and the tunnel rules must
 * be one set of hosts.
 */

const ZONES = { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas" };

function svc(name: string, sites: ServiceSpec["sites"], extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return { name, image: "nginx:1.27", networks: ["proxy_network"], sites, ...extra };
}
function stack(name: string, services: readonly ServiceSpec[]): StackSpec {
  return { name, tier: "application", description: name, services };
}
const caddy = svc("caddy", [{ host: "*", auth: Auth.none("catch-all"), directives: { respond: "404" } }], { role: "ingress-controller" });

/** The ingress plan of a (valid) hand-made lab, as the evaluation makes it. */
function plan(stacks: readonly StackSpec[]) {
  return planIngress(resolveLabSites(stacks, ZONES), ZONES, ingressControllers(stacks)[0]?.name);
}

/** What lab validation says about where the sites of a hand-made lab live. */
function siteProblems(stacks: readonly StackSpec[]): string[] {
  const problems: string[] = [];
  checkSites(stacks, ZONES, problems);
  return problems;
}

describe("planIngress", () => {
  const lab = [
    stack("edge", [caddy, svc("nas-ui", [{ host: "nas", upstream: "host.docker.internal:81", auth: Auth.own("NAS login") }])]),
    stack("apps", [
      svc("sonarr", [{ host: "sonarr", port: 8989 }]),
      svc("kuma", [
        { host: "status", port: 3001, auth: Auth.own("login") },
        { host: "status", public: true, port: 3001, auth: Auth.none("badges") },
      ]),
      svc("blog", [{ host: "blog.example.com", public: true, port: 80, auth: Auth.none("public blog") }]),
    ]),
  ];

  test("internal records for every concrete internal host, pointing at the storage node", () => {
    expect(plan(lab).internalRecords).toEqual([
      { name: "sonarr.in.example.com", target: "nas.in.example.com", owner: "apps/sonarr" },
      { name: "status.in.example.com", target: "nas.in.example.com", owner: "apps/kuma" },
    ]);
  });

  test("the wildcard catch-all and the node's own name get no record", () => {
    const names = plan(lab).internalRecords.map((record) => record.name);
    expect(names).not.toContain("*.in.example.com");
    expect(names).not.toContain("nas.in.example.com");
  });

  test("each public host gets a record and a rule to Caddy over HTTPS, and the catch-all comes last", () => {
    const ingress = plan(lab);
    expect(ingress.publicRecords).toEqual([
      { name: "status.example.com", owner: "apps/kuma" },
      { name: "blog.example.com", owner: "apps/blog" },
    ]);
    const origin = { service: "https://caddy:443", originRequest: { noTlsVerify: true, originServerName: "tunnel.in.example.com" } };
    expect(ingress.tunnelRules).toEqual([{ hostname: "status.example.com", ...origin }, { hostname: "blog.example.com", ...origin }, TUNNEL_CATCH_ALL]);
    expect(ingress.tunnelRules.at(-1)).toEqual({ service: "http_status:404" });
  });

  test("with nothing public the tunnel has only the catch-all", () => {
    expect(plan([stack("edge", [caddy]), stack("apps", [svc("sonarr", [{ host: "sonarr", port: 8989 }])])]).tunnelRules).toEqual([TUNNEL_CATCH_ALL]);
  });

  test("the lab as given validates: the control for the cases below", () => {
    expect(siteProblems(lab)).toEqual([]);
  });

  test("a host declared twice is an error naming both services, also when one writes the full name", () => {
    const problems = siteProblems([stack("a", [svc("one", [{ host: "web", port: 80 }])]), stack("b", [svc("two", [{ host: "web.in.example.com", port: 80 }])])]);
    expect(problems).toEqual(['b/two: sites[0].host: host "web.in.example.com" is declared by both a/one and b/two']);
  });

  test("a public host outside the public zone is an error", () => {
    const problems = siteProblems([
      stack("edge", [caddy]),
      stack("a", [
        svc("one", [{ host: "shop.example.org", public: true, port: 80, auth: Auth.none("shop") }]),
        svc("two", [{ host: "x.in.example.com", public: true, port: 80, auth: Auth.none("x") }]),
      ]),
    ]);
    expect(problems).toEqual([
      'a/one: sites[0].host: public host "shop.example.org" is outside the public zone example.com (or inside the internal zone in.example.com)',
      'a/two: sites[0].host: public host "x.in.example.com" is outside the public zone example.com (or inside the internal zone in.example.com)',
    ]);
  });

  test("an internal host outside the internal zone, and a public wildcard, are errors", () => {
    const problems = siteProblems([
      stack("edge", [caddy]),
      stack("a", [svc("one", [{ host: "web.example.com", port: 80 }]), svc("two", [{ host: "*", public: true, auth: Auth.none("all"), directives: { respond: "hi" } }])]),
    ]);
    expect(problems).toEqual([
      'a/one: sites[0].host: internal host "web.example.com" is outside the internal zone in.example.com; mark the site public or use a name in that zone',
      "a/two: sites[0].host: a public wildcard would put every name of example.com on the tunnel; declare each public host",
    ]);
  });

  test("a public site without the ingress controller in the program is an error", () => {
    const problems = siteProblems([stack("apps", [svc("blog", [{ host: "blog", public: true, port: 80, auth: Auth.none("blog") }])])]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('apps/blog: a public site needs the ingress controller (the Caddy service, role "ingress-controller")');
  });
});

/** The registered inputs of every resource of a type, typed by its arguments. */
const inputsOf = <Args>(run: OfflineRun, type: string) => ofType(run.resources, type).map((resource) => registeredInputs<Args>(resource));
const unwrap = (value: unknown): unknown => (isSecretWrapper(value) ? value.value : value);

describe("the prod render: one set of hosts everywhere", () => {
  let run: OfflineRun;
  const prod = readStackConfig("prod");
  const storageHost = `${prod["homelab:storageNode"]}.${prod["homelab:internalDomain"]}`;
  beforeAll(async () => {
    run = await runOffline({ stack: "prod" });
  });

  const caddySites = () => services(run).flatMap((svc) => sitePrefixes(svc).map((prefix) => svc.labels[prefix]!));
  const internalRecords = () => inputsOf<UnifiDnsRecordArgs>(run, INTERNAL_DNS_TYPES.record);
  const publicRecords = () => inputsOf<cloudflare.DnsRecordArgs>(run, PUBLIC_INGRESS_TYPES.record);
  const tunnelRules = () => inputsOf<cloudflare.ZeroTrustTunnelCloudflaredConfigArgs>(run, PUBLIC_INGRESS_TYPES.tunnelConfig)[0]!.config?.ingresses ?? [];

  test("Caddy's sites are exactly the internal records plus the public records (less the catch-all and the node's own name)", () => {
    const concrete = caddySites().filter((host) => !host.startsWith("*.") && host !== storageHost);
    const records = [...internalRecords().map((record) => record.name), ...publicRecords().map((record) => record.name)];
    expect(records.sort()).toEqual(concrete.sort());
    expect(concrete.length).toBeGreaterThan(0);
  });

  test("every internal record is a CNAME to the storage node", () => {
    expect(internalRecords().length).toBeGreaterThan(0);
    for (const record of internalRecords()) expect(record.target).toBe(storageHost);
  });

  test("the public records are exactly the tunnel's hostnames, and each resolves to the tunnel, proxied, with an explicit TTL", () => {
    const tunnel = run.resources.find((resource) => resource.type === "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared")!;
    const tunnelId = run.outputs.ingress.tunnelId;
    expect(tunnelId).toBeDefined();
    const hostnames = tunnelRules().flatMap((rule) => (rule.hostname ? [rule.hostname] : []));
    expect(publicRecords().map((record) => record.name).sort()).toEqual(hostnames.sort());
    expect(hostnames.length).toBeGreaterThan(0);
    for (const record of publicRecords()) {
      expect(record).toMatchObject({ type: "CNAME", proxied: true, ttl: 1 });
      expect(record.content).toMatch(/^[0-9a-f-]{36}\.cfargotunnel\.com$/);
    }
    expect(registeredInputs<cloudflare.ZeroTrustTunnelCloudflaredArgs>(tunnel).configSrc).toBe("cloudflare");
  });

  test("the tunnel sends public hosts to Caddy as the running lab does, and the catch-all is last", () => {
    const rules = tunnelRules();
    expect(rules.at(-1)).toEqual({ service: "http_status:404" });
    expect(rules.slice(0, -1).every((rule) => rule.hostname !== undefined)).toBe(true);
    for (const rule of rules.slice(0, -1)) {
      expect(rule).toEqual({ hostname: rule.hostname, service: "https://caddy:443", originRequest: { noTlsVerify: true, originServerName: `tunnel.${prod["homelab:internalDomain"]}` } });
    }
  });

  test("the tunnel secret, the API tokens and the UniFi key are Pulumi secrets", () => {
    const tunnel = inputsOf<cloudflare.ZeroTrustTunnelCloudflaredArgs>(run, PUBLIC_INGRESS_TYPES.tunnel)[0]!;
    expect(isSecretWrapper(tunnel.tunnelSecret)).toBe(true);
    expect(Buffer.from(String(unwrap(tunnel.tunnelSecret)), "base64").length).toBeGreaterThanOrEqual(32);
    const provider = inputsOf<cloudflare.ProviderArgs>(run, PUBLIC_INGRESS_TYPES.provider)[0]!;
    expect(isSecretWrapper(provider.apiToken)).toBe(true);
    for (const record of internalRecords()) expect(isSecretWrapper(record.apiKey)).toBe(true);
  });

  test("cloudflared gets the token from a swarm secret through TUNNEL_TOKEN_FILE, never in env or args, and has a readiness check", () => {
    const cloudflared = service(run, "caddy_cloudflared");
    const token = run.fakeSecrets.get(FAKE_TUNNEL_TOKEN_KEY)!;
    expect(token).toMatch(/^FAKE-TUNNEL-TOKEN-/);
    const mount = (cloudflared.container.secrets ?? []).find((secret) => secret.fileName === cloudflared.container.env?.TUNNEL_TOKEN_FILE)!;
    expect(mount).toBeDefined();
    expect(cloudflared.container.env?.TUNNEL_TOKEN).toBeUndefined();
    expect(JSON.stringify([cloudflared.container.env, cloudflared.container.args, cloudflared.container.commands])).not.toContain(token);
    expect(cloudflared.container.healthcheck?.tests).toEqual(["CMD", "cloudflared", "tunnel", "--metrics", "localhost:2000", "ready"]);

    const secret = inputsOf<docker.SecretArgs>(run, SWARM_TYPES.secret).find((candidate) => candidate.name === mount.secretName)!;
    expect(isSecretWrapper(secret.data)).toBe(true);
    expect(Buffer.from(String(unwrap(secret.data)), "base64").toString("utf8")).toBe(token);
    expect(secret.name).not.toContain(token);
  });

  test("the token appears nowhere in plain text: not in any registered input outside a secret, not in the outputs", () => {
    const token = run.fakeSecrets.get(FAKE_TUNNEL_TOKEN_KEY)!;
    const scrub = (value: unknown): unknown => {
      if (isSecretWrapper(value)) return "[secret]";
      if (Array.isArray(value)) return value.map(scrub);
      if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrub(inner)]));
      return value;
    };
    for (const resource of run.resources) expect(JSON.stringify(scrub(resource.inputs))).not.toContain(token);
    expect(JSON.stringify(run.outputs)).not.toContain(token);
  });
});

describe("ingress in the dev stack", () => {
  test("Cloudflare off and no UniFi: no tunnel, no records, no cloudflared, and the sites still carry internal TLS", async () => {
    const run = await runOffline({ stack: "dev" });
    expect(run.resources.filter((resource) => resource.type.startsWith("cloudflare:") || resource.type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);
    expect(services(run).map((svc) => svc.name)).not.toContain("caddy_cloudflared");
    expect(run.outputs.ingress.internalDns).toBe("not managed");
    const sites = services(run).flatMap((svc) => sitePrefixes(svc).map((prefix) => svc.labels[`${prefix}.tls`]));
    expect(sites.length).toBeGreaterThan(0);
    expect(new Set(sites)).toEqual(new Set(["internal"]));
  });
});

describe("the program's own 1Password fields are checked before anything is registered", () => {
  const values = (overrides: Record<string, string>) => ({
    description: "test values",
    read: async (refs: readonly { item: string; field: string }[]) =>
      new Map(refs.map((ref) => [`${ref.item}/${ref.field}`, overrides[`${ref.item}/${ref.field}`] ?? "x"])),
  });

  test("a short tunnel secret and a malformed account id name their fields, never their values", async () => {
    const config = parseConfig({ ...readStackConfig("prod"), "onepassword:serviceAccountToken": "test" });
    const failure = await deployLab({
      config,
      // About the secret fields only: the image lock's own check must not answer first.
      images: { unlocked: "allow" },
      secretSource: values({ "cloudflare-tunnel/tunnel_secret": Buffer.from("too short").toString("base64"), "cloudflare/account_id": "not-an-id" }),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LabError);
    expect((failure as LabError).problems).toEqual([
      "1Password field cloudflare-tunnel/tunnel_secret: expected base64 of at least 32 random bytes (e.g. `openssl rand -base64 32`), got 9 bytes",
      "1Password field cloudflare/account_id: expected the 32-character hex Cloudflare account id",
    ]);
    expect((failure as Error).message).not.toContain("not-an-id");
  });
});
