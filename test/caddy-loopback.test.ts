import { randomUUID } from "node:crypto";
import { AUTHENTIK_FORWARD_AUTH, isProtected } from "../forward-auth";
import { INGRESS_HEALTH, type Site } from "../lab/model";
import type { LabCaddyfile, RegisteredLabels } from "../caddy/lab-caddyfile";
import { type OfflineRun, runOffline } from "../offline/run";
import { declaredSites, forLoopback, labForRealCaddy, type RunningCaddy, startCaddy } from "./support/caddy";
import { get, SESSION, startAuthentikStub, startEchoStub, type Stub } from "./support/http-stubs";
import { describeWith } from "../servers/tools";

/**
 * The prod labels' Caddyfile, served by the real Caddy on loopback: plain HTTP on free 127.0.0.1
 * ports (automatic HTTPS off), every upstream replaced by a stub that says which upstream it
 * stands for, and a stub Authentik outpost. What a browser gets is what each site declares.
 */

type Labels = (svc: RegisteredLabels) => Record<string, string>;

interface Lab {
  readonly caddyfile: LabCaddyfile;
  readonly caddy: RunningCaddy;
  readonly stubs: Map<string, Stub>;
  /** The port of the sites (Caddy's :443 server) and of Caddy's own health answer. */
  readonly sitesPort: number;
  readonly healthPort: number;
  stop(): Promise<void>;
}

const AUTHENTIK = new URL(AUTHENTIK_FORWARD_AUTH.upstream).host;

async function serveOnLoopback(run: OfflineRun, labels?: Labels): Promise<Lab> {
  const { caddyfile, adapted } = labForRealCaddy(run, { labels });
  const { json, error } = adapted;
  if (!json) throw new Error(`caddy adapt: ${error}`);
  const dials = new Set<string>();
  JSON.stringify(json, (key, value) => (key === "dial" && typeof value === "string" && dials.add(value), value));
  const stubs = new Map<string, Stub>();
  for (const dial of dials) stubs.set(dial, dial === AUTHENTIK ? await startAuthentikStub(dial) : await startEchoStub(dial));
  const { config, ports } = await forLoopback(json, (dial) => stubs.get(dial)!.address);
  const caddy = await startCaddy(config, [...ports.values()]);
  return {
    caddyfile,
    caddy,
    stubs,
    sitesPort: ports.get(":443")!,
    healthPort: ports.get(`:${INGRESS_HEALTH.port}`)!,
    stop: async () => {
      await caddy.stop();
      await Promise.all([...stubs.values()].map((stub) => stub.close()));
    },
  };
}

interface StubbedSite {
  readonly host: string;
  readonly site: Site;
  /** The stub the site's own upstream is (its service's task at the declared port, or its literal upstream). */
  readonly upstream: string;
}

/** The declared sites that have an upstream of their own, with the stub that stands for it. */
function stubbedSites(run: OfflineRun, caddyfile: LabCaddyfile): StubbedSite[] {
  return declaredSites(run)
    .map(({ host, site, swarmName }) => {
      const task = caddyfile.taskAddresses.get(swarmName)?.[0];
      return { host, site, upstream: site.port !== undefined ? `${task}:${site.port}` : (site.upstream ?? "") };
    })
    .filter((declared) => declared.upstream !== "");
}

/** Everything that must hold for a protected site; an empty list when it does. */
async function protectedSiteProblems(lab: Lab, { host, upstream }: StubbedSite): Promise<string[]> {
  const problems: string[] = [];
  const seen = (stub: string, id: string) => lab.stubs.get(stub)!.received.filter((r) => r.headers["x-test-id"] === id);

  const anonymous = randomUUID();
  const denied = await get(lab.sitesPort, host, "/", { "X-Test-Id": anonymous, "X-Forwarded-For": "203.0.113.7" });
  if (denied.status !== 302 || !String(denied.headers.location).includes("/outpost.goauthentik.io/start")) problems.push(`${host}: without a session got ${denied.status}, not Authentik's redirect`);
  if (seen(upstream, anonymous).length > 0) problems.push(`${host}: a request without a session reached the upstream`);
  const checks = seen(AUTHENTIK, anonymous);
  if (checks.length !== 1) problems.push(`${host}: ${checks.length} forward-auth checks for one request`);
  else if (checks[0]!.headers["x-forwarded-for"] !== "127.0.0.1") problems.push(`${host}: Authentik was told the client is "${checks[0]!.headers["x-forwarded-for"]}", not the address Caddy saw`);

  const signedIn = randomUUID();
  const forged = { "X-Authentik-Username": "mallory", "X-Authentik-Entitlements": "admin" };
  const allowed = await get(lab.sitesPort, host, "/page", { "X-Test-Id": signedIn, Cookie: SESSION.cookie, ...forged });
  const reached = seen(upstream, signedIn);
  if (allowed.status !== 200 || reached.length !== 1) problems.push(`${host}: with a session got ${allowed.status}, upstream ${upstream} saw ${reached.length} requests`);
  else {
    const headers = reached[0]!.headers;
    if (headers["x-authentik-username"] !== SESSION.username) problems.push(`${host}: the upstream got X-Authentik-Username "${headers["x-authentik-username"]}"`);
    if (headers["x-authentik-entitlements"] === forged["X-Authentik-Entitlements"]) problems.push(`${host}: a client's own X-Authentik-Entitlements reached the upstream`);
  }

  const callback = randomUUID();
  const outpost = await get(lab.sitesPort, host, "/outpost.goauthentik.io/callback?code=1", { "X-Test-Id": callback });
  if (outpost.status !== 200 || !JSON.parse(outpost.body || "{}").outpost) problems.push(`${host}: the outpost's own path did not reach Authentik (${outpost.status})`);
  if (seen(upstream, callback).length > 0) problems.push(`${host}: the outpost's own path reached the app`);
  return problems;
}

const sonarr = (svc: RegisteredLabels) => svc.name === "application_media_core_sonarr";

describeWith(["caddy"])("the prod labels served by the real Caddy on loopback (dns.providers.cloudflare replaced by `issuer acme`; plain HTTP)", () => {
  let run: OfflineRun;
  let lab: Lab;
  let sites: StubbedSite[];
  beforeAll(async () => {
    run = await runOffline({ stack: "prod" });
    lab = await serveOnLoopback(run);
    sites = stubbedSites(run, lab.caddyfile);
  });
  afterAll(async () => lab?.stop());

  test("a protected site: Authentik's redirect without a session, its own upstream with one (identity copied, forgeries dropped), outpost paths to Authentik, and Authentik told only the address Caddy saw", async () => {
    const guarded = sites.filter(({ site }) => isProtected(site));
    expect(guarded.length).toBeGreaterThan(0);
    const problems = (await Promise.all(guarded.map((declared) => protectedSiteProblems(lab, declared)))).flat();
    expect(problems).toEqual([]);
  });

  test("own-auth and open sites reach their own upstream without Authentik", async () => {
    for (const { host, upstream } of sites.filter(({ site }) => !isProtected(site) && site.port !== undefined)) {
      const id = randomUUID();
      const reply = await get(lab.sitesPort, host, "/", { "X-Test-Id": id });
      expect({ host, status: reply.status, stub: JSON.parse(reply.body).stub }).toEqual({ host, status: 200, stub: upstream });
      expect({ host, checks: lab.stubs.get(AUTHENTIK)!.received.filter((r) => r.headers["x-test-id"] === id).length }).toEqual({ host, checks: 0 });
    }
  });

  test("the public status host serves only the badges; the catch-all answers 404 for names nobody declared", async () => {
    const kuma = lab.caddyfile.taskAddresses.get("platform_observability_uptime-kuma")![0]!;
    expect(JSON.parse((await get(lab.sitesPort, "status.hypyr.space", "/api/badge/1/status")).body).stub).toBe(`${kuma}:3001`);
    expect((await get(lab.sitesPort, "status.hypyr.space", "/dashboard")).status).toBe(403);
    expect(await get(lab.sitesPort, "nobody.in.hypyr.space", "/")).toMatchObject({ status: 404, body: "not-found" });
  });

  test("Caddy answers its own health check, touching no upstream", async () => {
    const before = [...lab.stubs.values()].reduce((sum, stub) => sum + stub.received.length, 0);
    expect((await get(lab.healthPort, "caddy", INGRESS_HEALTH.path)).status).toBe(200);
    expect([...lab.stubs.values()].reduce((sum, stub) => sum + stub.received.length, 0)).toBe(before);
  });
});

describeWith(["caddy"])("the loopback check fails when the protection it checks is taken away", () => {
  let run: OfflineRun;
  beforeAll(async () => {
    run = await runOffline({ stack: "prod" });
  });

  test.each<[string, Labels, string]>([
    [
      "forward auth removed from sonarr's site",
      (svc) => (sonarr(svc) ? Object.fromEntries(Object.entries(svc.labels).filter(([key]) => key !== "caddy.route.0_import")) : svc.labels),
      "sonarr.in.hypyr.space: a request without a session reached the upstream",
    ],
    [
      "the old snippet, which trusted private ranges (every client of the ingress mesh)",
      (svc) => (svc.name === "caddy_caddy" ? { ...svc.labels, "caddy_2.2_forward_auth.trusted_proxies": "private_ranges" } : svc.labels),
      'sonarr.in.hypyr.space: Authentik was told the client is "203.0.113.7, 127.0.0.1", not the address Caddy saw',
    ],
  ])("%s", async (_case, labels, expected) => {
    const lab = await serveOnLoopback(run, labels);
    try {
      const site = stubbedSites(run, lab.caddyfile).find(({ host }) => host === "sonarr.in.hypyr.space")!;
      expect(await protectedSiteProblems(lab, site)).toContain(expected);
    } finally {
      await lab.stop();
    }
  });
});
