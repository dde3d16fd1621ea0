import type { EnforcementLevel } from "@pulumi/policy";
import { POLICIES } from "../../policy/policies";

/** The pack as a whole: its policies. */

const PACK: readonly [string, EnforcementLevel, readonly string[]][] = [
  ["docker-socket-only-in-socket-proxy", "mandatory", []],
  ["docker-socket-ancestor-not-mounted", "advisory", []],
  ["caddy-sites-use-forward-auth", "mandatory", ["exceptions"]],
  ["env-holds-no-secret-values", "mandatory", ["allowedNames"]],
  ["swarm-secret-data-is-secret", "mandatory", []],
  ["node-local-state-is-pinned", "mandatory", ["sharedStorageRoots"]],
  ["databases-not-floating-on-shared-storage", "advisory", ["sharedStorageRoots", "databaseImages"]],
  ["host-ports-only-where-declared", "mandatory", ["allowed"]],
  ["tunnel-dns-records-are-proxied-cnames", "mandatory", []],
  ["tunnel-config-ends-with-catch-all", "mandatory", []],
  ["images-have-tag-or-digest", "mandatory", []],
  ["images-avoid-latest", "advisory", []],
];

describe("the pack", () => {
  it("lists each policy once, in this order, with its enforcement level and its config", () => {
    expect(POLICIES.map((policy) => [policy.name, policy.enforcementLevel, Object.keys(policy.configSchema?.properties ?? {})])).toEqual(PACK);
  });

  it("describes each policy", () => {
    for (const policy of POLICIES) expect({ policy: policy.name, described: policy.description.length > 20 }).toEqual({ policy: policy.name, described: true });
  });
});
