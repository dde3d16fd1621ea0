/**
 * What the UniFi Network integration API's own OpenAPI document fixes for DNS policies (Ubiquiti's
 * export, kept for the tests in test/contracts/unifi-network-<version>.json), as plain constants.
 * The two config validation shares (the TTL's bounds, the id's form) are stated in config/dns-ttl.ts.
 */
import { POLICY_ID_PATTERN, TTL_SECONDS } from "../../config/dns-ttl";


/** Where the integration API sits on a console (the document's server is `/integration`). */
export const INTEGRATION_API_PREFIX = "/proxy/network/integration/v1";

/** DNS policies (`/v1/sites/{siteId}/dns/policies`) first appear in Network 10.1.68; 10.0.x has none. */
export const MIN_NETWORK_VERSION = "10.1.68";

/**
 * A CNAME policy's `ttlSeconds` (0..604800 in every version) and the default, from the one rule in
 * config/dns-ttl.ts. Plain numbers here: Pulumi's closure serializer cannot capture a property
 * named `default`.
 */
export const MIN_TTL_SECONDS: number = TTL_SECONDS.min;
export const MAX_TTL_SECONDS: number = TTL_SECONDS.max;
export const DEFAULT_TTL_SECONDS: number = TTL_SECONDS.default;

/** `domain` and `targetDomain`: 1..127 characters. */
export const MAX_DOMAIN_LENGTH = 127;

/** Path ids (`siteId`, `dnsPolicyId`) are `format: uuid` (the rule lives beside the config schema). */
export const UUID_PATTERN = POLICY_ID_PATTERN;

/** `offset`/`limit` paging: `limit` at most 200. */
export const MAX_PAGE_SIZE = 200;

/** Whether Network `version` (`10.1.68`, `10.1.68-beta.2`) is at least `minimum`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (text: string) => (/^(\d+)\.(\d+)\.(\d+)/.exec(text) ?? []).slice(1).map(Number);
  const have = parts(version);
  const need = parts(minimum);
  if (have.length !== 3) return false;
  for (let index = 0; index < 3; index++) {
    if (have[index]! !== need[index]!) return have[index]! > need[index]!;
  }
  return true;
}
