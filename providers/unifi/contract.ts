/**
 * What the UniFi Network integration API's own OpenAPI document fixes for DNS policies (Ubiquiti's
 * export, kept for the tests in test/contracts/unifi-network-<version>.json): plain constants with
 * no imports, so config validation can share them without loading the provider or Pulumi.
 */

/** Where the integration API sits on a console (the document's server is `/integration`). */
export const INTEGRATION_API_PREFIX = "/proxy/network/integration/v1";

/** DNS policies (`/v1/sites/{siteId}/dns/policies`) first appear in Network 10.1.68; 10.0.x has none. */
export const MIN_NETWORK_VERSION = "10.1.68";

/** A CNAME policy's `ttlSeconds`: 0..604800 in every version. */
export const MIN_TTL_SECONDS = 0;
export const MAX_TTL_SECONDS = 604_800;
/** The provider's default TTL. */
export const DEFAULT_TTL_SECONDS = 300;
/**
 * The same, as one object for config validation. (The provider's code reads the plain constants:
 * Pulumi's closure serializer cannot capture a property named `default`.)
 */
export const TTL_SECONDS = { min: MIN_TTL_SECONDS, max: MAX_TTL_SECONDS, default: DEFAULT_TTL_SECONDS } as const;

/** `domain` and `targetDomain`: 1..127 characters. */
export const MAX_DOMAIN_LENGTH = 127;

/** Path ids (`siteId`, `dnsPolicyId`) are `format: uuid`. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
