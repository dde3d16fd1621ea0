import { parseConfig, type UnifiConfig } from "../config";
import { type ConsoleRecord, type DeclaredRecord } from "./unifi-adoption";
import { INTERNAL_DNS_TYPES } from "../lib/resource-types";
import { UnifiClient } from "../providers/unifi/client";
import type { OfflineRun } from "../offline/run";

/**
 * Reads a UniFi console for `adopt`, read-only: its Network version, the site, and every DNS
 * policy there. The API key and the console's CA are the ones the program reads from 1Password;
 * offline, `adopt` has neither, so they are passed in (`UNIFI_API_KEY`, `--unifi-ca-cert`).
 */

export interface UnifiCredentials {
  readonly apiKey: string;
  /** PEM of the console's certificate or CA. @default the system's trust store */
  readonly caCert?: string;
  readonly timeoutMs?: number;
}

export interface UnifiScan {
  readonly console: string;
  readonly site: string;
  readonly version: string;
  readonly records: readonly ConsoleRecord[];
  /** The stack's `homelab:unifi` settings as written. */
  readonly configured: Readonly<Record<string, unknown>>;
  readonly adoptConfigured: Readonly<Record<string, string>>;
}

/** The stack's UniFi settings, or undefined when it manages no internal records. */
export function unifiSettings(rawConfig: Readonly<Record<string, string>>): { parsed: UnifiConfig; written: Record<string, unknown> } | undefined {
  const parsed = parseConfig(rawConfig, { purpose: "evaluate" }).homelab.unifi;
  const text = rawConfig["homelab:unifi"];
  return parsed && text !== undefined ? { parsed, written: JSON.parse(text) as Record<string, unknown> } : undefined;
}

/** The internal records the program registered in the offline run. */
export function declaredRecords(run: Pick<OfflineRun, "resources">): DeclaredRecord[] {
  return run.resources.filter((resource) => resource.type === INTERNAL_DNS_TYPES.record).map((resource) => ({ name: String(resource.inputs.name), target: String(resource.inputs.target) }));
}

export async function scanUnifi(settings: UnifiConfig, written: Readonly<Record<string, unknown>>, credentials: UnifiCredentials): Promise<UnifiScan> {
  const client = new UnifiClient({
    apiUrl: settings.apiUrl,
    apiKey: credentials.apiKey,
    ...(credentials.caCert !== undefined ? { caCert: credentials.caCert } : {}),
    insecureSkipVerify: settings.insecureSkipVerify,
    ...(credentials.timeoutMs !== undefined ? { timeoutMs: credentials.timeoutMs } : {}),
  });
  const version = await client.networkVersion();
  const siteId = await client.findSiteId(settings.site);
  const policies = await client.listDnsPolicies(siteId);
  return {
    console: client.origin,
    site: settings.site,
    version,
    records: policies.map((policy) => ({
      id: policy.id,
      type: policy.type,
      domain: policy.domain ?? "",
      ...((policy.targetDomain ?? policy.ipv4Address ?? policy.ipv6Address) !== undefined ? { value: policy.targetDomain ?? policy.ipv4Address ?? policy.ipv6Address } : {}),
      enabled: policy.enabled,
    })),
    configured: written,
    adoptConfigured: settings.adopt ?? {},
  };
}
