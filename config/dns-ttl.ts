/**
 * The one TTL rule for the internal DNS records: the UniFi API's bounds for a DNS policy's
 * `ttlSeconds`, and the default. Config validation (schema.ts) and the UniFi provider both read it
 * here, so the schema never loads the provider (nor the Pulumi SDK with it).
 */
export const TTL_SECONDS = { min: 0, max: 604_800, default: 300 } as const;

/**
 * A DNS policy's id, as the UniFi API's document types it (`format: uuid`): what
 * `homelab:unifi.adopt` takes, and the provider checks. Here for the same reason as the TTL.
 */
export const POLICY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
