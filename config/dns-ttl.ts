/**
 * The one TTL rule for the internal DNS records: the UniFi API's bounds for a DNS policy's
 * `ttlSeconds`, and the default. Config validation (schema.ts) and the UniFi provider both read it
 * here, so the schema never loads the provider (nor the Pulumi SDK with it).
 */
export const TTL_SECONDS = { min: 0, max: 604_800, default: 300 } as const;
