import { RESOURCE_TYPES } from "../../policy/rules/resources";
import { analyze, INGRESS_PARENT, POLICY_PACK, PREVIEW_UNKNOWNS, reported, type TestResource, TUNNEL_ID, tunnelRecord as record, violations } from "../support/policy-analyzer";

/** policy/rules/tunnel.ts: the tunnel's records and rules. */

const RECORDS = "tunnel-dns-records-are-proxied-cnames";
const RULES = "tunnel-config-ends-with-catch-all";
const STACK_PARENT = "urn:pulumi:prod::homelab::pulumi:pulumi:Stack::homelab-prod";

const rules = (ingresses: readonly Record<string, unknown>[]): TestResource => ({
  type: RESOURCE_TYPES.tunnelConfig,
  name: "public-ingress-rules",
  parent: INGRESS_PARENT,
  inputs: { accountId: "fae9c0a7019dd832bcebf1beeeb1a2c2", tunnelId: TUNNEL_ID, config: { ingresses } },
});
const origin = { service: "https://caddy:443", originRequest: { noTlsVerify: true } };
const CATCH_ALL = { service: "http_status:404" };

const CASES: readonly [string, TestResource, readonly string[]][] = [
  ["a proxied CNAME to the tunnel", record("status.example.com", {}), []],
  ["a record outside the public ingress", record("mail.example.com", { type: "MX", content: "mx.example.net", proxied: false }, STACK_PARENT), []],
  [
    "an A record of the public ingress",
    record("a.example.com", { type: "A", content: "203.0.113.7" }),
    [
      `${RECORDS}: tunnel record a.example.com is of type A: it must be a CNAME to the tunnel.`,
      `${RECORDS}: tunnel record a.example.com points at 203.0.113.7: it must point at <tunnel-id>.cfargotunnel.com.`,
    ],
  ],
  [
    "an unproxied record",
    record("b.example.com", { proxied: false }),
    [`${RECORDS}: tunnel record b.example.com is not proxied: set proxied: true, or the tunnel's host is published unproxied.`],
  ],
  [
    "a record elsewhere that points at cfargotunnel.com, but at no tunnel id",
    record("c.example.com", { content: "homelab.cfargotunnel.com" }, STACK_PARENT),
    [`${RECORDS}: tunnel record c.example.com points at homelab.cfargotunnel.com: it must point at <tunnel-id>.cfargotunnel.com.`],
  ],
  ["rules that end with the catch-all", rules([{ hostname: "status.example.com", ...origin }, CATCH_ALL]), []],
  [
    "rules without a catch-all",
    rules([{ hostname: "status.example.com", ...origin }]),
    [`${RULES}: public-ingress-rules: the last ingress rule (status.example.com) is not a catch-all: end with a rule without hostname, e.g. { service: "http_status:404" }.`],
  ],
  [
    "a catch-all before other rules",
    rules([CATCH_ALL, { hostname: "status.example.com", ...origin }, CATCH_ALL]),
    [`${RULES}: public-ingress-rules: ingress rule 0 has no hostname, so it catches everything and hides the rules after it; only the last rule may.`],
  ],
  ["no rules at all", rules([]), [`${RULES}: public-ingress-rules has no ingress rules: it needs at least the catch-all, e.g. { service: "http_status:404" }.`]],
];

describe("tunnel-dns-records-are-proxied-cnames and tunnel-config-ends-with-catch-all", () => {
  it.each(CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations([RECORDS, RULES], resource)).toEqual(expected);
  });

  it("checks type and proxied while the tunnel id is unknown, then reports the content as not checkable", async () => {
    const findings = await analyze([PREVIEW_UNKNOWNS.tunnelTarget]);
    expect(findings.filter((finding) => finding.policy === RECORDS).map((finding) => ({ level: finding.level, message: reported(finding) }))).toEqual([
      { level: "mandatory", message: "tunnel record d.example.com is not proxied: set proxied: true, or the tunnel's host is published unproxied." },
      // The SDK's own words, without the description it puts before a violation (pack.test.ts holds this to the real pack).
      { level: "advisory", message: `can't run policy '${RECORDS}' from policy pack '${POLICY_PACK}' during preview: string value at .content can't be known during preview` },
    ]);
  });
});
