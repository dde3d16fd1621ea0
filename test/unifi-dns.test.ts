import { type ChildProcess, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { UnifiApiError, UnifiClient, type UnifiConnectionOptions } from "../providers/unifi/client";
import { type DnsRecordInputs, type DnsRecordOutputs, DuplicateDnsRecordError, UnifiDnsRecordProvider, unifiDnsRecordProvider } from "../providers/unifi/dns-record";
import { checkInputs } from "../providers/unifi/inputs";
import { providerCode, UnifiDnsRecord } from "../providers/unifi/record";
import { FakeUnifi, type LoggedRequest } from "./support/fake-unifi";
import { CONTRACT_VERSIONS, loadContract } from "./support/unifi-contract";

const API_KEY = "k3y-7d1e0b5a9c24f6e8";
const NAME = "sonarr.in.hypyr.space";
const TARGET = "barbary.in.hypyr.space";
/** Short enough to keep the timeout cases fast, long enough for an idle loopback answer. */
const SHORT_TIMEOUT_MS = 300;

let fake: FakeUnifi;
let plainFake: FakeUnifi;

beforeAll(async () => {
  fake = await FakeUnifi.start({ apiKey: API_KEY, protocol: "https" });
  plainFake = await FakeUnifi.start({ apiKey: API_KEY, protocol: "http" });
});

afterAll(async () => {
  await fake.close();
  await plainFake.close();
});

/** Paths a test sends to on purpose although the document has no such operation (a wrong apiUrl). */
let offContract: string[] = [];

beforeEach(() => {
  fake.reset();
  plainFake.reset();
  offContract = [];
});

/**
 * After every test: each request the provider sent is one Ubiquiti's document describes, and each
 * answer the fake gave by its own rules (not an injected fault) is one the document allows, in
 * the first Network version with DNS policies and in a recent one.
 */
afterEach(() => {
  const exchanges: LoggedRequest[] = [...fake.requests, ...plainFake.requests].filter((exchange) => !offContract.includes(exchange.path));
  const problems = CONTRACT_VERSIONS.flatMap((version) => {
    const contract = loadContract(version);
    return exchanges.flatMap((exchange) => [
      ...contract.requestProblems(exchange).map((problem) => `${version} request ${exchange.method} ${exchange.path}: ${problem}`),
      ...(exchange.injected || exchange.status === undefined || exchange.status >= 300 ? [] : contract.responseProblems(exchange, exchange.status, exchange.answer)).map(
        (problem) => `${version} answer ${exchange.status} to ${exchange.method} ${exchange.path}: ${problem}`,
      ),
    ]);
  });
  expect(problems).toEqual([]);
});

function connection(overrides: Partial<UnifiConnectionOptions> = {}): UnifiConnectionOptions {
  return { apiUrl: fake.url, apiKey: API_KEY, caCert: fake.caCertPem, timeoutMs: 2000, ...overrides };
}

function rawInputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiUrl: fake.url, site: "Default", apiKey: API_KEY, caCert: fake.caCertPem, timeoutMs: 2000, name: NAME, target: TARGET, ...overrides };
}

/**
 * Inputs as the engine hands them to create/update: after check's validation. (The provider's
 * `check` also asks the console about new names; the tests of that are under "check".)
 */
async function checked(_provider: UnifiDnsRecordProvider, overrides: Record<string, unknown> = {}): Promise<DnsRecordInputs> {
  const result = checkInputs(rawInputs(overrides));
  expect(result.failures).toEqual([]);
  return result.inputs;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`);
  }
  throw new Error("expected a failure, but it succeeded");
}

function expectOneLineWithoutKey(error: Error): void {
  expect(error.message).not.toContain("\n");
  expect(error.message).not.toContain(API_KEY);
}

describe("UnifiClient", () => {
  test("looks sites up by name, then by internal reference, with the documented filter", async () => {
    const client = new UnifiClient(connection());
    await expect(client.findSiteId("Default")).resolves.toBe(fake.defaultSite.id);
    await expect(client.findSiteId("x7k2lab")).resolves.toBe(fake.sites[1]?.id);
    expect(fake.requestsTo("sites")[0]?.query.filter).toBe("or(name.eq('Default'),internalReference.eq('Default'))");

    const error = await failureOf(client.findSiteId("Garage"));
    expect(error).toBeInstanceOf(UnifiApiError);
    expect(error.message).toContain('look up site "Garage"');
    expect(error.message).toContain('"Default" (default)');
    expectOneLineWithoutKey(error);
  });

  test("lists every page of DNS policies (offset/limit up to the documented 200)", async () => {
    for (let i = 0; i < 450; i++) fake.seed({ type: "CNAME_RECORD", enabled: true, domain: `host${i}.in.hypyr.space`, targetDomain: TARGET, ttlSeconds: 60 });
    const policies = await new UnifiClient(connection()).listDnsPolicies(fake.defaultSite.id);
    expect(policies).toHaveLength(450);
    expect(new Set(policies.map((policy) => policy.id)).size).toBe(450);
    expect(fake.requestsTo("list").map((request) => [request.query.offset, request.query.limit])).toEqual([
      ["0", "200"],
      ["200", "200"],
      ["400", "200"],
    ]);
  });

  test("a 404 for a policy is reported as such, never as a deletion done", async () => {
    const client = new UnifiClient(connection());
    await expect(client.getDnsPolicy(fake.defaultSite.id, "0d9e7c3a-1111-4111-8111-000000000000")).resolves.toBeUndefined();
    await expect(client.deleteDnsPolicy(fake.defaultSite.id, "0d9e7c3a-1111-4111-8111-000000000000")).resolves.toBe("not-found");
  });

  test("the Network version: 10.1.68 and later pass; an older one, or no integration API at the URL, is a clear error", async () => {
    await expect(new UnifiClient(connection()).networkVersion()).resolves.toBe("10.5.66");
    fake.applicationVersion = "10.1.68";
    await expect(new UnifiClient(connection()).networkVersion()).resolves.toBe("10.1.68");
    fake.applicationVersion = "10.0.162";
    const old = await failureOf(new UnifiClient(connection()).networkVersion());
    expect(old).toMatchObject({ kind: "version" });
    expect(old.message).toBe(`UniFi API: the console at ${fake.url} runs Network 10.0.162, whose integration API has no DNS policies (they appear in 10.1.68); update its Network application`);
    offContract = ["/elsewhere/proxy/network/integration/v1/info"];
    const wrongUrl = await failureOf(new UnifiClient(connection({ apiUrl: `${fake.url}/elsewhere` })).networkVersion());
    expect(wrongUrl.message).toContain(`no Network integration API answers at ${fake.url}`);
    expectOneLineWithoutKey(wrongUrl);
  });

  test("401: the key was rejected, with the API's own message, the path and no key", async () => {
    const error = await failureOf(new UnifiClient(connection({ apiKey: "wrong-key-123" })).findSiteId("Default"));
    expect(error).toMatchObject({ kind: "auth", status: 401 });
    expect(error.message).toContain("API key rejected");
    expect(error.message).toContain("HTTP 401 on GET /proxy/network/integration/v1/sites");
    expect(error.message).toContain('"Invalid API key"');
    expect(error.message).not.toContain("wrong-key-123");
    expectOneLineWithoutKey(error);
  });

  test("5xx: names the status and the API's message", async () => {
    fake.failNext("list", { kind: "status", status: 503, message: "Network application is starting" });
    const error = await failureOf(new UnifiClient(connection()).listDnsPolicies(fake.defaultSite.id));
    expect(error).toMatchObject({ kind: "server", status: 503, ambiguous: false });
    expect(error.message).toContain(`HTTP 503 on GET /proxy/network/integration/v1/sites/${fake.defaultSite.id}/dns/policies`);
    expect(error.message).toContain('"Network application is starting"');
    expectOneLineWithoutKey(error);
  });

  test("a server echoing the key never gets it into a message", async () => {
    fake.failNext("sites", { kind: "status", status: 500, message: `bad key ${API_KEY}` });
    const error = await failureOf(new UnifiClient(connection()).findSiteId("Default"));
    expect(error.message).toContain("bad key ***");
    expectOneLineWithoutKey(error);
  });

  test("timeout: no answer within the limit", async () => {
    fake.failNext("sites", { kind: "hang" });
    const started = Date.now();
    const error = await failureOf(new UnifiClient(connection({ timeoutMs: SHORT_TIMEOUT_MS })).findSiteId("Default"));
    expect(Date.now() - started).toBeLessThan(SHORT_TIMEOUT_MS + 1500);
    expect(error).toMatchObject({ kind: "timeout" });
    expect(error.message).toContain(`no answer within ${SHORT_TIMEOUT_MS} ms to GET /proxy/network/integration/v1/sites`);
    expectOneLineWithoutKey(error);
  });

  test("malformed JSON: says the answer is not JSON", async () => {
    fake.failNext("get", { kind: "malformed" });
    const error = await failureOf(new UnifiClient(connection()).getDnsPolicy(fake.defaultSite.id, "0d9e7c3a-1111-4111-8111-000000000000"));
    expect(error).toMatchObject({ kind: "malformed", status: 200 });
    expect(error.message).toContain("not valid JSON");
    expectOneLineWithoutKey(error);
  });

  test("connection refused: says so and names the address", async () => {
    const closed = await FakeUnifi.start({ apiKey: API_KEY, protocol: "http" });
    const url = closed.url;
    await closed.close();
    const error = await failureOf(new UnifiClient(connection({ apiUrl: url, caCert: undefined })).findSiteId("Default"));
    expect(error).toMatchObject({ kind: "connection" });
    expect(error.message).toContain(`connection refused by ${new URL(url).host}`);
    expectOneLineWithoutKey(error);
  });

  test("TLS: a certificate made for another name gets the hint to use that name, not to change the CA", async () => {
    const named = await FakeUnifi.start({ apiKey: API_KEY, protocol: "https", certificateName: "unifi.example.internal" });
    try {
      const error = await failureOf(new UnifiClient(connection({ apiUrl: named.url, caCert: named.caCertPem })).findSiteId("Default"));
      expect(error).toMatchObject({ kind: "tls" });
      expect(error.message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(error.message).toContain("made for another name: put a name the certificate lists into apiUrl (not 127.0.0.1)");
      expect(error.message).not.toContain("set caCert");
      expectOneLineWithoutKey(error);
    } finally {
      await named.close();
    }
  });

  test("TLS: the console's CA verifies; no CA fails clearly; the explicit opt-out works", async () => {
    await expect(new UnifiClient(connection()).findSiteId("Default")).resolves.toBe(fake.defaultSite.id);

    const error = await failureOf(new UnifiClient(connection({ caCert: undefined })).findSiteId("Default"));
    expect(error).toMatchObject({ kind: "tls" });
    expect(error.message).toContain(`TLS verification of ${fake.url} failed`);
    expect(error.message).toContain("set caCert");
    expect(error.message).toContain("insecureSkipVerify: true");
    expectOneLineWithoutKey(error);

    await expect(new UnifiClient(connection({ caCert: undefined, insecureSkipVerify: true })).findSiteId("Default")).resolves.toBe(fake.defaultSite.id);
  });

  test("plain http only for this machine: loopback works, anything else is refused before any traffic", async () => {
    await expect(new UnifiClient(connection({ apiUrl: plainFake.url, caCert: undefined })).findSiteId("Default")).resolves.toBe(plainFake.defaultSite.id);
    expect(() => new UnifiClient(connection({ apiUrl: "http://unifi.example.invalid" }))).toThrow(/plain http, which would send the API key unencrypted/);
  });
});

describe("UnifiDnsRecordProvider against the fake console", () => {
  const provider = unifiDnsRecordProvider;

  test("create, read, update, delete", async () => {
    const inputs = await checked(provider);
    const created = await provider.create(inputs);
    const stored = fake.recordsFor(NAME);
    expect(stored).toEqual([expect.objectContaining({ id: created.id, type: "CNAME_RECORD", domain: NAME, targetDomain: TARGET, ttlSeconds: 300, enabled: true })]);
    expect(created.outs).toMatchObject({ siteId: fake.defaultSite.id, policyId: created.id, apiKey: API_KEY, apiUrl: fake.url, site: "Default", name: NAME, target: TARGET, ttlSeconds: 300, enabled: true });

    const read = await provider.read(created.id, created.outs);
    expect(read).toEqual({ id: created.id, props: created.outs });

    const news = await checked(provider, { target: "tanegashima.in.hypyr.space", ttlSeconds: 60 });
    const diff = await provider.diff(created.id, created.outs as DnsRecordOutputs, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await provider.update(created.id, created.outs as DnsRecordOutputs, news);
    expect(updated.outs).toMatchObject({ target: "tanegashima.in.hypyr.space", ttlSeconds: 60, policyId: created.id });
    expect(fake.recordsFor(NAME)).toEqual([expect.objectContaining({ id: created.id, targetDomain: "tanegashima.in.hypyr.space", ttlSeconds: 60 })]);

    await provider.delete(created.id, updated.outs as DnsRecordOutputs);
    expect(fake.records()).toEqual([]);
    // Deleting what is already gone is fine (a retried delete, or a record removed by hand).
    await expect(provider.delete(created.id, updated.outs as DnsRecordOutputs)).resolves.toBeUndefined();
  });

  test("read reports a record deleted behind our back as gone", async () => {
    const created = await provider.create(await checked(provider));
    fake.removeBehindBack(created.id);
    await expect(provider.read(created.id, created.outs)).resolves.toEqual({ id: "", props: {} });
  });

  test("drift: a record changed behind our back comes back live, and diff against the program shows it", async () => {
    const inputs = await checked(provider);
    const created = await provider.create(inputs);
    fake.changeBehindBack(created.id, { targetDomain: "elsewhere.in.hypyr.space", ttlSeconds: 3600, enabled: false });

    const read = await provider.read(created.id, created.outs);
    expect(read.props).toMatchObject({ target: "elsewhere.in.hypyr.space", ttlSeconds: 3600, enabled: false });
    const diff = await provider.diff(created.id, read.props as DnsRecordOutputs, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });

    const repaired = await provider.update(created.id, read.props as DnsRecordOutputs, inputs);
    expect(repaired.outs).toMatchObject({ target: TARGET, ttlSeconds: 300, enabled: true });
    expect(fake.recordsFor(NAME)).toEqual([expect.objectContaining({ targetDomain: TARGET, ttlSeconds: 300, enabled: true })]);
    await expect(provider.diff(created.id, repaired.outs as DnsRecordOutputs, inputs)).resolves.toMatchObject({ changes: false });
  });

  test("read by id with the program's inputs (import-style): resolves the site and returns state and inputs", async () => {
    const existing = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: TARGET, ttlSeconds: 300 });
    const programInputs = await checked(provider);
    const read = await provider.read(existing.id, programInputs as DnsRecordOutputs);
    expect(read.id).toBe(existing.id);
    expect(read.props).toMatchObject({ siteId: fake.defaultSite.id, policyId: existing.id, name: NAME, target: TARGET, apiKey: API_KEY });
    expect(read.inputs).toMatchObject({ name: NAME, target: TARGET, site: "Default" });
    await expect(provider.diff(existing.id, read.props as DnsRecordOutputs, programInputs)).resolves.toMatchObject({ changes: false });
  });

  test("adoptPolicyId takes over an existing CNAME instead of creating a second one", async () => {
    const existing = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: "old.in.hypyr.space", ttlSeconds: 60 });
    const created = await provider.create(await checked(provider, { adoptPolicyId: existing.id }));
    expect(created.id).toBe(existing.id);
    expect(fake.records()).toEqual([expect.objectContaining({ id: existing.id, targetDomain: TARGET, ttlSeconds: 300 })]);

    const wrong = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: "radarr.in.hypyr.space", targetDomain: TARGET, ttlSeconds: 60 });
    const error = await failureOf(provider.create(await checked(provider, { name: "lidarr.in.hypyr.space", adoptPolicyId: wrong.id })));
    expect(error.message).toContain(`cannot adopt DNS policy ${wrong.id}: it is for radarr.in.hypyr.space, not lidarr.in.hypyr.space`);
  });

  test("refuses a duplicate found before creating (any type, any case, trailing dot), and says how to adopt", async () => {
    const a = fake.seed({ type: "A_RECORD", enabled: true, domain: "Sonarr.In.Hypyr.Space.", ipv4Address: "10.0.0.5", ttlSeconds: 300 });
    const error = await failureOf(provider.create(await checked(provider)));
    expect(error).toBeInstanceOf(DuplicateDnsRecordError);
    expect(error.message).toContain(`a record for ${NAME} already exists (policy ${a.id}, A_RECORD → 10.0.0.5)`);
    expect(error.message).toContain("delete it in the UniFi console");
    expectOneLineWithoutKey(error);
    expect(fake.records()).toHaveLength(1);

    fake.reset();
    const cname = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: "other.in.hypyr.space", ttlSeconds: 300 });
    const cnameError = await failureOf(provider.create(await checked(provider)));
    expect(cnameError.message).toContain(`(policy ${cname.id}, CNAME_RECORD → other.in.hypyr.space)`);
    expect(cnameError.message).toContain(`set adoptPolicyId: "${cname.id}"`);
    expect(fake.requestsTo("create")).toHaveLength(0);
    expect(fake.records()).toHaveLength(1);
  });

  test.each(["409", "400"] as const)("maps the API's own duplicate answer (%s) to the same error", async (answer) => {
    fake.duplicateAnswer = answer;
    // Another writer gets in between our check and our create.
    let rival = "";
    fake.onNextCreate(() => {
      rival = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: "rival.in.hypyr.space", ttlSeconds: 300 }).id;
    });
    const error = await failureOf(provider.create(await checked(provider)));
    expect(error).toBeInstanceOf(DuplicateDnsRecordError);
    expect(error.message).toContain(`the console refused the create: UniFi API: create DNS policy for ${NAME}: the console refused a duplicate (HTTP ${answer}`);
    expect(error.message).toContain(`policy ${rival}, CNAME_RECORD → rival.in.hypyr.space`);
    expect(fake.records().map((policy) => policy.id)).toEqual([rival]);
  });

  test("a console that accepts the duplicate: ours is deleted again, the other one stays", async () => {
    fake.duplicateAnswer = "accept";
    let rival = "";
    fake.onNextCreate(() => {
      rival = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: "rival.in.hypyr.space", ttlSeconds: 300 }).id;
    });
    const error = await failureOf(provider.create(await checked(provider)));
    expect(error).toBeInstanceOf(DuplicateDnsRecordError);
    expect(error.message).toMatch(/it appeared while this one was being created, so the new record [0-9a-f-]+ was deleted again/);
    expect(fake.records().map((policy) => policy.id)).toEqual([rival]);
  });

  test.each([
    ["answer 500 after creating", { kind: "apply-then-status", status: 500 }, /HTTP 500 on POST .*cleaned up: deleted the half-made record [0-9a-f-]+/],
    ["answer that is not JSON after creating", { kind: "apply-then-malformed" }, /not valid JSON.*cleaned up: deleted the half-made record/],
    ["no answer after creating", { kind: "apply-then-hang" }, new RegExp(`no answer within ${SHORT_TIMEOUT_MS} ms to POST .*cleaned up: deleted the half-made record`)],
    ["connection dropped after creating", { kind: "apply-then-reset" }, /the connection failed during POST .*cleaned up: deleted the half-made record/],
    ["503 without creating", { kind: "status", status: 503 }, /HTTP 503 on POST .*cleaned up: checked, no record had been made/],
  ] as const)("an ambiguous create failure (%s) leaves no half-made record", async (_label, fault, message) => {
    fake.failNext("create", fault);
    const error = await failureOf(provider.create(await checked(provider, { timeoutMs: SHORT_TIMEOUT_MS })));
    expect(error).toBeInstanceOf(UnifiApiError);
    expect(error.message).toMatch(message);
    expectOneLineWithoutKey(error);
    expect(fake.records()).toEqual([]);
  });

  test("a clean 4xx rejection needs no cleanup", async () => {
    fake.failNext("create", { kind: "status", status: 400, code: "api.request.invalid", message: "'$.targetDomain' is invalid" });
    const error = await failureOf(provider.create(await checked(provider)));
    expect(error).toMatchObject({ kind: "rejected", status: 400 });
    expect(error.message).toContain(`the console rejected the request (HTTP 400 on POST /proxy/network/integration/v1/sites/${fake.defaultSite.id}/dns/policies): "'$.targetDomain' is invalid"`);
    // One list before the create, none after it.
    expect(fake.requestsTo("list")).toHaveLength(1);
    expect(fake.records()).toEqual([]);
  });

  test("401 on create: a clear error, nothing made", async () => {
    const error = await failureOf(provider.create(await checked(provider, { apiKey: "not-the-key" })));
    expect(error).toMatchObject({ kind: "auth" });
    expect(error.message).toContain("API key rejected");
    expect(error.message).not.toContain("not-the-key");
    expect(fake.records()).toEqual([]);
  });

  test("TLS through the provider: no CA is a clear error; the explicit opt-out works", async () => {
    const error = await failureOf(provider.create(await checked(provider, { caCert: undefined })));
    expect(error).toMatchObject({ kind: "tls" });
    expect(error.message).toContain("set caCert");
    expect(fake.records()).toEqual([]);

    const created = await provider.create(await checked(provider, { caCert: undefined, insecureSkipVerify: true }));
    expect(fake.records().map((policy) => policy.id)).toEqual([created.id]);
  });

  test("writes are serialised: one at a time, in order, and a failed write does not block the next", async () => {
    fake.writeDelayMs = 25;
    const names = ["a", "b", "c", "d", "e"].map((label) => `${label}.in.hypyr.space`);
    const inputs = await Promise.all(names.map((name) => checked(provider, { name })));
    fake.failNext("create", { kind: "status", status: 400, message: "Injected rejection" });
    const results = await Promise.allSettled(inputs.map((input) => provider.create(input)));

    expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    expect(fake.maxInFlightWrites).toBe(1);
    expect(fake.records().map((policy) => policy.domain)).toEqual(names.slice(1));
    expect(fake.requestsTo("create")).toHaveLength(5);
  });

  test("update with only connection settings changed makes no API write", async () => {
    const created = await provider.create(await checked(provider));
    const news = await checked(provider, { apiKey: API_KEY, timeoutMs: 5000 });
    await expect(provider.diff(created.id, created.outs as DnsRecordOutputs, news)).resolves.toMatchObject({ changes: true, replaces: [] });
    const updated = await provider.update(created.id, created.outs as DnsRecordOutputs, news);
    expect(updated.outs).toMatchObject({ timeoutMs: 5000, target: TARGET });
    expect(fake.requestsTo("update")).toHaveLength(0);
  });

  test("update of a record deleted behind our back says to refresh", async () => {
    const created = await provider.create(await checked(provider));
    fake.removeBehindBack(created.id);
    const error = await failureOf(provider.update(created.id, created.outs as DnsRecordOutputs, await checked(provider, { ttlSeconds: 60 })));
    expect(error.message).toContain(`the record for ${NAME} (policy ${created.id}) no longer exists on the console; run \`pulumi refresh\``);
  });
});

describe("only the console's proof removes a record from state (refresh, delete)", () => {
  const OTHER_SITE = "6f1c1c4e-0000-4000-8000-0000000000ff";
  type Setup = (created: { id: string; outs: DnsRecordOutputs }) => DnsRecordOutputs | void;
  const cases: [string, Setup, RegExp][] = [
    [
      "404 with an HTML page for the policy and for the list (a wrong apiUrl path, a reverse proxy)",
      () => {
        fake.failNext("get", { kind: "html", status: 404 });
        fake.failNext("list", { kind: "html", status: 404 });
      },
      /could not be listed to confirm that it is gone, so it is kept: .*HTTP 404 on GET .*not the API's error body/,
    ],
    [
      "404 with the API's JSON error on the list",
      () => {
        fake.failNext("get", { kind: "status", status: 404, code: "api.dns-policy.not-found" });
        fake.failNext("list", { kind: "status", status: 404, code: "api.site.not-found", message: "Site not found" });
      },
      /could not be listed to confirm that it is gone, so it is kept: .*"Site not found"/,
    ],
    ["a site that no longer exists", (created) => ({ ...created.outs, siteId: OTHER_SITE }), new RegExp(`its site ${OTHER_SITE} could not be listed`)],
    [
      "404 for the policy while the site still lists it",
      () => fake.failNext("get", { kind: "status", status: 404 }),
      /answered 404 for the record for sonarr.in.hypyr.space \(policy [0-9a-f-]+\) but still lists it/,
    ],
  ];

  test.each(cases)("refresh: %s: an error, the record stays in state and on the console", async (_label, setup, message) => {
    const provider = new UnifiDnsRecordProvider();
    const created = await provider.create(await checked(provider));
    const outs = (setup(created as { id: string; outs: DnsRecordOutputs }) ?? created.outs) as DnsRecordOutputs;
    const error = await failureOf(provider.read(created.id, outs));
    expect(error.message).toMatch(message);
    expectOneLineWithoutKey(error);
    expect(fake.records().map((policy) => policy.id)).toEqual([created.id]);
  });

  test.each(cases)("delete: %s: an error, the record stays", async (_label, setup) => {
    const provider = new UnifiDnsRecordProvider();
    const created = await provider.create(await checked(provider));
    const outs = (setup(created as { id: string; outs: DnsRecordOutputs }) ?? created.outs) as DnsRecordOutputs;
    // The delete itself is refused the same way the read was; then the confirmation fails.
    fake.failNext("delete", { kind: "status", status: 404 });
    await expect(provider.delete(created.id, outs)).rejects.toThrow(/UniFi DNS: .*(kept|could not confirm)/);
    expect(fake.records().map((policy) => policy.id)).toEqual([created.id]);
  });

  test("a 404 page for the policy when the site lists no such policy: gone, as it should be", async () => {
    const provider = new UnifiDnsRecordProvider();
    const created = await provider.create(await checked(provider));
    fake.removeBehindBack(created.id);
    fake.failNext("get", { kind: "html", status: 404 });
    await expect(provider.read(created.id, created.outs)).resolves.toEqual({ id: "", props: {} });
  });

  test("a Network version without DNS policies: every operation fails with the version named, nothing changes", async () => {
    const provider = new UnifiDnsRecordProvider();
    const created = await provider.create(await checked(provider));
    const old = new UnifiDnsRecordProvider();
    fake.applicationVersion = "10.0.162";
    for (const attempt of [old.read(created.id, created.outs!), old.delete(created.id, created.outs!), old.create(await checked(old, { name: "radarr.in.hypyr.space" }))]) {
      await expect(attempt).rejects.toThrow("runs Network 10.0.162, whose integration API has no DNS policies (they appear in 10.1.68)");
    }
    expect(fake.records().map((policy) => policy.id)).toEqual([created.id]);
  });

  test("the version is read once per console and process, whatever the number of records", async () => {
    const provider = new UnifiDnsRecordProvider();
    for (const label of ["a", "b", "c"]) await provider.create(await checked(provider, { name: `${label}.in.hypyr.space` }));
    expect(fake.requestsTo("info")).toHaveLength(1);
  });

  test("delete confirms: the policy is absent from its site's list afterwards", async () => {
    const provider = new UnifiDnsRecordProvider();
    const created = await provider.create(await checked(provider));
    fake.requests.length = 0;
    await provider.delete(created.id, created.outs!);
    expect(fake.requests.map((request) => `${request.method} ${request.path.replace(/.*\/v1/, "")}`)).toEqual([
      `DELETE /sites/${fake.defaultSite.id}/dns/policies/${created.id}`,
      `GET /sites/${fake.defaultSite.id}/dns/policies`,
    ]);
  });
});

describe("check: a name the console already has is refused at preview, before any create", () => {
  test("a new record whose name exists: a failure on name with the adoption hint, and no write", async () => {
    const provider = new UnifiDnsRecordProvider();
    const existing = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: TARGET, ttlSeconds: 300 });
    const result = await provider.check({} as DnsRecordInputs, rawInputs() as unknown as DnsRecordInputs);
    expect(result.failures).toEqual([
      {
        property: "name",
        reason: expect.stringContaining(`a record for ${NAME} already exists on the console (policy ${existing.id}, CNAME_RECORD → ${TARGET}), and the program neither created it nor was told to adopt it; nothing was created.`),
      },
    ]);
    expect(result.failures?.[0]?.reason).toContain(`homelab:unifi.adopt, key ${NAME}, which \`npm run adopt\` writes`);
    expect(fake.requests.filter((request) => request.method !== "GET")).toEqual([]);
  });

  test("declared for adoption, or already the program's own, or absent from the console: no failure", async () => {
    const provider = new UnifiDnsRecordProvider();
    const existing = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: TARGET, ttlSeconds: 300 });
    await expect(provider.check({} as DnsRecordInputs, rawInputs({ adoptPolicyId: existing.id }) as unknown as DnsRecordInputs)).resolves.toMatchObject({ failures: [] });
    const own = rawInputs() as unknown as DnsRecordInputs;
    await expect(provider.check(own, own)).resolves.toMatchObject({ failures: [] });
    await expect(provider.check({} as DnsRecordInputs, rawInputs({ name: "lidarr.in.hypyr.space" }) as unknown as DnsRecordInputs)).resolves.toMatchObject({ failures: [] });
  });

  test("a console that cannot be asked: a failure that says so, not a create that fails later", async () => {
    const provider = new UnifiDnsRecordProvider();
    fake.failNext("info", { kind: "status", status: 503 });
    const result = await provider.check({} as DnsRecordInputs, rawInputs() as unknown as DnsRecordInputs);
    expect(result.failures).toEqual([{ property: "name", reason: expect.stringMatching(/^cannot check the console for an existing record for sonarr.in.hypyr.space before creating it: .*HTTP 503/) }]);
  });

  test("an adopt id that is not a UUID is refused before it reaches the console", async () => {
    const result = await new UnifiDnsRecordProvider().check({} as DnsRecordInputs, rawInputs({ adoptPolicyId: "6650d3f2a8e1b34c0a1d2e3f" }) as unknown as DnsRecordInputs);
    expect(result.failures).toEqual([{ property: "adoptPolicyId", reason: 'adoptPolicyId must be the UUID of an existing DNS policy, such as 6f1c1c4e-2b7a-4c1e-9d3f-0a1b2c3d4e5f (got "6650d3f2a8e1b34c0a1d2e3f")' }]);
    expect(fake.requests).toEqual([]);
  });
});

describe("diff", () => {
  const provider = new UnifiDnsRecordProvider();
  const id = "0d9e7c3a-1111-4111-8111-000000000000";
  async function olds(): Promise<DnsRecordOutputs> {
    return { ...(await checked(provider)), siteId: "site", policyId: id };
  }

  test.each([
    ["name", { name: "radarr.in.hypyr.space" }, ["name"], false],
    ["site", { site: "Lab" }, ["site"], true],
    ["apiUrl", { apiUrl: "https://10.0.0.1" }, ["apiUrl"], true],
  ] as const)("a new %s replaces the record", async (_key, change, replaces, deleteBeforeReplace) => {
    const result = await provider.diff(id, await olds(), await checked(provider, change));
    expect(result).toEqual({ changes: true, replaces, deleteBeforeReplace });
  });

  test.each([
    ["target", { target: "other.in.hypyr.space" }],
    ["ttlSeconds", { ttlSeconds: 3600 }],
    ["enabled", { enabled: false }],
    ["apiKey", { apiKey: "rotated-key" }],
    ["caCert", { caCert: undefined, insecureSkipVerify: true }],
    ["timeoutMs", { timeoutMs: 9000 }],
  ] as const)("a new %s updates in place", async (_key, change) => {
    const result = await provider.diff(id, await olds(), await checked(provider, change));
    expect(result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("no change, case-only or trailing-dot target differences, and an unknown value during preview", async () => {
    await expect(provider.diff(id, await olds(), await checked(provider))).resolves.toMatchObject({ changes: false, replaces: [] });
    const live = { ...(await olds()), target: "Barbary.In.Hypyr.Space." };
    await expect(provider.diff(id, live, await checked(provider))).resolves.toMatchObject({ changes: false });
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    await expect(provider.diff(id, await olds(), { ...(await checked(provider)), site: unknown })).resolves.toMatchObject({ changes: true, replaces: ["site"] });
  });
});

describe("check", () => {
  const provider = new UnifiDnsRecordProvider();
  async function failures(overrides: Record<string, unknown>) {
    const result = await provider.check({} as DnsRecordInputs, rawInputs(overrides) as unknown as DnsRecordInputs);
    return result.failures ?? [];
  }

  test("valid inputs pass and get defaults", async () => {
    const result = await provider.check({} as DnsRecordInputs, rawInputs({ target: "Barbary.In.Hypyr.Space.", timeoutMs: undefined }) as unknown as DnsRecordInputs);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ name: NAME, target: TARGET, ttlSeconds: 300, enabled: true });
    expect(result.inputs).not.toHaveProperty("timeoutMs");
  });

  test.each([
    ["name", { name: "Sonarr.in.hypyr.space" }, /name must be lower case/],
    ["name", { name: "sonarr" }, /name must be a fully qualified domain name/],
    ["name", { name: "*.in.hypyr.space" }, /invalid label "\*"/],
    ["name", { name: `${"a".repeat(120)}.hypyr.space` }, /at most 127 characters/],
    ["target", { target: "" }, /target must be a fully qualified domain name/],
    ["target", { target: NAME }, /target must differ from name/],
    ["ttlSeconds", { ttlSeconds: 1.5 }, /ttlSeconds must be a whole number of seconds from 0 to 604800/],
    ["ttlSeconds", { ttlSeconds: 700000 }, /ttlSeconds must be a whole number/],
    ["apiUrl", { apiUrl: "ftp://192.168.1.1" }, /apiUrl must be an http\(s\) URL/],
    ["apiUrl", { apiUrl: "not a url" }, /is not a URL/],
    ["apiUrl", { apiUrl: "http://192.168.1.1" }, /apiUrl must use https:\/\//],
    ["apiUrl", { apiUrl: "https://192.168.1.1/proxy/network/integration/v1" }, /without the API path/],
    ["site", { site: " " }, /site must be the site's name/],
    ["apiKey", { apiKey: "" }, /apiKey must be a non-empty/],
    ["caCert", { caCert: "not a certificate" }, /caCert must be a PEM certificate/],
    ["caCert", { insecureSkipVerify: true }, /either caCert .* or insecureSkipVerify: true .*, not both/],
    ["timeoutMs", { timeoutMs: 0 }, /timeoutMs must be a whole number of milliseconds/],
    ["enabled", { enabled: "yes" }, /enabled must be true or false/],
  ] as const)("%s: %j is refused with a reason naming the field", async (property, overrides, reason) => {
    const found = await failures(overrides);
    expect(found).toEqual([expect.objectContaining({ property, reason: expect.stringMatching(reason) })]);
  });

  test("values not known yet (preview) are not judged", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    await expect(failures({ apiKey: unknown, apiUrl: unknown, target: unknown })).resolves.toEqual([]);
  });
});

describe("serialization: the provider survives being stored in state", () => {
  test("serializeFunction succeeds with secrets refused, and the text holds no key, even after use", async () => {
    // The shared instance has done many writes above; none of their data may have stuck to it.
    const serialized = await pulumi.runtime.serializeFunction(() => unifiDnsRecordProvider, { allowSecrets: false });
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.text).toContain("exports.handler");
    expect(serialized.text).not.toContain(API_KEY);
    expect(serialized.text).not.toContain(fake.url);
  });

  test("the SDK's own dynamic resource path serializes the shared provider without the key", async () => {
    const registered: Record<string, unknown>[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args.inputs as Record<string, unknown>);
          return { id: "policy-id", state: { ...args.inputs, siteId: "site-id", policyId: "policy-id" } };
        },
        call: (args) => args.inputs,
      },
      "unifi-dns-test",
      "test",
      false,
    );
    // The engine is what encrypts additional secret outputs; check the request asks it to.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (request: { getAdditionalsecretoutputsList(): string[] }, callback: unknown) => unknown };
    const register = monitor.registerResource.bind(monitor);
    const secretOutputs: string[][] = [];
    monitor.registerResource = (request, callback) => {
      secretOutputs.push(request.getAdditionalsecretoutputsList());
      return register(request, callback);
    };
    const record = new UnifiDnsRecord("sonarr", { apiUrl: "https://192.168.1.1", site: "Default", apiKey: API_KEY, name: NAME, target: TARGET });
    const second = new UnifiDnsRecord("radarr", { apiUrl: "https://192.168.1.1", site: "Default", apiKey: API_KEY, name: "radarr.in.hypyr.space", target: TARGET });
    await Promise.all([record, second].map((each) => new Promise<void>((resolve) => each.policyId.apply(() => resolve()))));
    expect(secretOutputs).toEqual([["apiKey"], ["apiKey"]]);
    // One provider object, one serialized text: the host loads it once and keeps one write queue.
    expect(registered[1]?.__provider).toBe(registered[0]?.__provider);
    const inputs = registered[0] ?? {};
    expect(typeof inputs.__provider).toBe("string");
    expect(inputs.__provider).toContain("exports.handler");
    expect(inputs.__provider).not.toContain(API_KEY);
    expect(await new Promise((resolve) => record.siteId.apply(resolve))).toBe("site-id");
    // The key's output is a secret (the input is wrapped, and apiKey is an additional secret output).
    const apiKeyOutput = (record as unknown as { apiKey: pulumi.Output<string> }).apiKey;
    await expect(pulumi.isSecret(apiKeyOutput)).resolves.toBe(true);
  });

  describe("loaded by the SDK's dynamic provider host, driven over gRPC as the engine would", () => {
    let host: ChildProcess;
    let client: ResourceProviderClient;
    let providerText: string;
    const urn = "urn:pulumi:test::unifi-dns-test::pulumi-nodejs:dynamic/unifi:DnsRecord::sonarr";

    beforeAll(async () => {
      // The code exactly as UnifiDnsRecord registers it (providers/unifi/record.ts).
      providerText = await providerCode();
      // The host is the program the engine starts for dynamic providers; it serves gRPC on
      // 127.0.0.1 and prints its port. The engine address argument is required but unused.
      host = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/dynamic-provider"), "127.0.0.1:1"], { stdio: ["ignore", "pipe", "pipe"] });
      const port = await new Promise<string>((resolve, reject) => {
        let output = "";
        host.stdout?.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          const line = /^(\d+)\s*$/m.exec(output);
          if (line?.[1]) resolve(line[1]);
        });
        host.on("exit", (code) => reject(new Error(`dynamic provider host exited early (${String(code)})`)));
      });
      client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    afterAll(() => {
      client?.close();
      host?.kill();
    });

    const call = <Res>(invoke: (callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown) =>
      new Promise<Res>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));

    test("check, create, read and delete run in the host against the fake console", async () => {
      const checkRequest = new proto.CheckRequest().setUrn(urn).setOlds(Struct.fromJavaScript({})).setNews(Struct.fromJavaScript({ ...rawInputs(), __provider: providerText } as never));
      const checkedInputs = (await call<proto.CheckResponse>((done) => client.check(checkRequest, done))).getInputs()?.toJavaScript() ?? {};
      expect(checkedInputs).toMatchObject({ name: NAME, ttlSeconds: 300, __provider: providerText });

      const created = await call<proto.CreateResponse>((done) => client.create(new proto.CreateRequest().setUrn(urn).setProperties(Struct.fromJavaScript(checkedInputs)), done));
      const id = created.getId();
      const state = created.getProperties()?.toJavaScript() ?? {};
      expect(state).toMatchObject({ policyId: id, siteId: fake.defaultSite.id, apiKey: API_KEY, __provider: providerText });
      expect(fake.recordsFor(NAME)).toEqual([expect.objectContaining({ id, targetDomain: TARGET })]);

      fake.changeBehindBack(id, { targetDomain: "drifted.in.hypyr.space" });
      const read = await call<proto.ReadResponse>((done) => client.read(new proto.ReadRequest().setId(id).setUrn(urn).setProperties(Struct.fromJavaScript(state)), done));
      expect(read.getProperties()?.toJavaScript()).toMatchObject({ target: "drifted.in.hypyr.space" });

      await call((done) => client.delete(new proto.DeleteRequest().setId(id).setUrn(urn).setProperties(Struct.fromJavaScript(state)), done));
      expect(fake.records()).toEqual([]);
    });

    test("errors keep their messages in the host (duplicate, rejected key)", async () => {
      const create = (overrides: Record<string, unknown>) => {
        const properties = Struct.fromJavaScript({ ...rawInputs(overrides), ttlSeconds: 300, enabled: true, __provider: providerText } as never);
        return call<proto.CreateResponse>((done) => client.create(new proto.CreateRequest().setUrn(urn).setProperties(properties), done));
      };
      const existing = fake.seed({ type: "CNAME_RECORD", enabled: true, domain: NAME, targetDomain: "other.in.hypyr.space", ttlSeconds: 300 });
      await expect(create({})).rejects.toThrow(`a record for ${NAME} already exists (policy ${existing.id}, CNAME_RECORD → other.in.hypyr.space)`);
      await expect(create({ apiKey: "not-the-key" })).rejects.toThrow(/API key rejected by the console \(HTTP 401/);
      expect(fake.records()).toHaveLength(1);
    });

    test("why the import option cannot work: the engine's import read carries no state, so the host has no provider to load", async () => {
      // pulumi/pulumi pkg/resource/deploy/step.go (ImportStep.Apply) sends only the id; the host
      // then looks for __provider in empty properties (pulumi/pulumi#3550, #16175).
      const importRead = new proto.ReadRequest().setId("0d9e7c3a-1111-4111-8111-000000000000").setUrn(urn).setProperties(Struct.fromJavaScript({}));
      await expect(call<proto.ReadResponse>((done) => client.read(importRead, done))).rejects.toThrow(/code must be a string/);
    });
  });
});
