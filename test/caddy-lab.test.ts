import { judgeCaddyfile, misreadBlocks } from "../caddy/check";
import { processBlocks } from "../caddy/generate";
import { isProtected } from "../forward-auth";
import { type OfflineRun, runOffline } from "../offline/run";
import { acmeIssuers, handlerChain, isForwardAuth, isOutpostProxy, routesByHost } from "./support/caddy-json";
import { declaredSites, type LabForRealCaddy, labForRealCaddy } from "./support/caddy";
import { describeWith } from "../servers/tools";

/**
 * The prod and dev labels, as caddy-docker-proxy turns them into a Caddyfile, judged by the real
 * Caddy: no block dropped, `caddy adapt --validate` accepts the whole, and what Caddy will do
 * (read from its adapted JSON, not from label strings) is what each site declares.
 */

interface Case extends LabForRealCaddy {
  readonly run: OfflineRun;
}

const cases = new Map<string, Case>();

async function load(stack: string): Promise<Case> {
  const run = await runOffline({ stack });
  return { run, ...labForRealCaddy(run, { validate: true }) };
}

describeWith(["caddy"]).each(["prod", "dev"])("the %s labels, judged by the real Caddy (dns.providers.cloudflare replaced by `issuer acme`, a module Debian's Caddy lacks)", (stack) => {
  let c: Case;
  beforeAll(async () => {
    if (!cases.has(stack)) cases.set(stack, await load(stack));
    c = cases.get(stack)!;
  });

  test("every service's Caddy labels are read (no template error), and every value reads back as written", () => {
    expect(c.caddyfile.skipped).toEqual([]);
    expect(misreadBlocks(c.caddyfile.blocks).map((b) => b.keys)).toEqual([]);
  });

  test("only the DNS provider was replaced: one per site on Cloudflare DNS-01, none with the internal CA", () => {
    const dnsLabels = c.run.resources.flatMap((resource) => ((resource.inputs.labels ?? []) as { label: string }[]).filter((label) => label.label.endsWith(".tls.dns")));
    expect(c.replaced).toBe(dnsLabels.length);
    if (stack === "dev") expect(c.replaced).toBe(0);
  });

  test("caddy-docker-proxy drops no block, and `caddy adapt --validate` accepts the whole Caddyfile", () => {
    expect(c.dropped).toEqual([]);
    expect(c.adapted.error).toBeUndefined();
  });

  test("every declared site is served", () => {
    const served = routesByHost(c.adapted.json!);
    expect(declaredSites(c.run).map((site) => site.host).filter((host) => !served.has(host))).toEqual([]);
  });

  test("the ACME e-mail is a global option, on every ACME issuer (dev uses Caddy's internal CA: no ACME account)", () => {
    const issuers = acmeIssuers(c.adapted.json!);
    if (stack === "dev") expect(issuers).toEqual([]);
    else {
      expect(issuers.length).toBeGreaterThan(0);
      for (const issuer of issuers) expect(issuer.email).toBe(c.run.lab.context.acmeEmail);
    }
  });

  test("a protected site runs the outpost paths, then forward_auth, then its own upstream, in that order", () => {
    const served = routesByHost(c.adapted.json!);
    const protectedSites = declaredSites(c.run).filter(({ site }) => isProtected(site));
    // Dev runs no Authentik and turns forward auth off (homelab:forwardAuth): it has none.
    if (stack === "dev") expect(protectedSites).toEqual([]);
    else expect(protectedSites.length).toBeGreaterThan(0);
    for (const { host, swarmName, site } of protectedSites) {
      const chain = handlerChain(served.get(host)!);
      const outpost = chain.findIndex(isOutpostProxy);
      const check = chain.findIndex(isForwardAuth);
      const upstream = chain.findIndex((h) => h.handler === "reverse_proxy" && h.dials.some((dial) => dial.endsWith(`:${site.port}`)) && !isForwardAuth(h) && !isOutpostProxy(h));
      expect({ host, order: [outpost >= 0, check > outpost, upstream > check] }).toEqual({ host, order: [true, true, true] });
      expect({ host, dials: chain[upstream]!.dials }).toEqual({ host, dials: c.caddyfile.taskAddresses.get(swarmName)!.map((address) => `${address}:${site.port}`) });
    }
  });

  test("own-auth and open sites reach their upstream directly, without Authentik", () => {
    const served = routesByHost(c.adapted.json!);
    for (const { host, site, swarmName } of declaredSites(c.run).filter(({ site }) => !isProtected(site))) {
      const chain = handlerChain(served.get(host)!);
      expect({ host, forwardAuth: chain.some(isForwardAuth) }).toEqual({ host, forwardAuth: false });
      const dials = chain.filter((h) => h.handler === "reverse_proxy").flatMap((h) => h.dials);
      const expected = site.port !== undefined ? c.caddyfile.taskAddresses.get(swarmName)!.map((address) => `${address}:${site.port}`) : site.upstream !== undefined ? [site.upstream] : [];
      const own = site.directives && Object.values(site.directives).find((value) => value.includes("{{upstreams"));
      const port = own ? /\{\{upstreams (\d+)\}\}/.exec(own)?.[1] : undefined;
      const fromDirectives = port ? c.caddyfile.taskAddresses.get(swarmName)!.map((address) => `${address}:${port}`) : [];
      expect({ host, dials }).toEqual({ host, dials: [...expected, ...fromDirectives] });
    }
  });
});

describeWith(["caddy"])("the running lab's own defect, as the real Caddy sees it", () => {
  test("`caddy.email` on the Caddy service lands in its first site: caddy-docker-proxy drops that site, and the pure check says what Caddy says", async () => {
    const run = await runOffline({ stack: "prod" });
    const real = labForRealCaddy(run, {
      labels: (svc) => (svc.name === "caddy_caddy" ? { ...svc.labels, "caddy.email": "admin@hypyr.space" } : svc.labels),
    });
    expect(real.dropped.map((drop) => [drop.block.keys, drop.message])).toEqual([[["barbary.in.hypyr.space"], "unrecognized directive: email"]]);
    const modelled = processBlocks(real.caddyfile.blocks, judgeCaddyfile);
    expect(modelled.dropped.map((drop) => [drop.block.keys, drop.message, drop.at?.sources])).toEqual([
      [["barbary.in.hypyr.space"], "unrecognized directive: email", [{ service: "caddy_caddy", label: "caddy.email" }]],
    ]);
  });
});
