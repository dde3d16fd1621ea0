/**
 * Reading the integration API's answers into the few fields the provider uses, tolerating what
 * other versions add. Each parser returns undefined for an answer of the wrong shape; the client
 * turns that into a `malformed` error naming the operation.
 */

export interface UnifiSite {
  readonly id: string;
  readonly name: string;
  readonly internalReference?: string;
}

/** A DNS policy as the API answers it; only the fields the provider reads are named. */
export interface DnsPolicy {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly domain?: string;
  readonly targetDomain?: string;
  readonly ttlSeconds?: number;
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly metadata?: { readonly origin?: string };
}

export interface Page {
  readonly data: unknown[];
  readonly totalCount?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, one-line rendering of an answer for a message. */
export function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length === 0 ? "(empty)" : JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

/** The documented error body's `code` and `message`, when the body is one. */
export function parseApiError(body: string): { code?: string; message?: string } {
  try {
    const json: unknown = JSON.parse(body);
    if (!isRecord(json)) return {};
    // Messages stay on one line and short, whatever the server sends.
    const oneLine = (value: unknown) => (typeof value === "string" ? value.replace(/\s+/g, " ").trim().slice(0, 300) : undefined);
    return { code: oneLine(json.code), message: oneLine(json.message) };
  } catch {
    return {};
  }
}

export function parsePage(json: unknown): Page | undefined {
  if (!isRecord(json) || !Array.isArray(json.data)) return undefined;
  return { data: json.data, totalCount: typeof json.totalCount === "number" ? json.totalCount : undefined };
}

export function parseSite(json: unknown): UnifiSite | undefined {
  if (!isRecord(json) || typeof json.id !== "string" || typeof json.name !== "string") return undefined;
  return { id: json.id, name: json.name, internalReference: typeof json.internalReference === "string" ? json.internalReference : undefined };
}

export function parseInfo(json: unknown): { applicationVersion: string } | undefined {
  return isRecord(json) && typeof json.applicationVersion === "string" ? { applicationVersion: json.applicationVersion } : undefined;
}

export function parsePolicy(json: unknown): DnsPolicy | undefined {
  if (!isRecord(json) || typeof json.id !== "string" || json.id === "" || typeof json.type !== "string") return undefined;
  const text = (key: string) => (typeof json[key] === "string" ? (json[key] as string) : undefined);
  const metadata = isRecord(json.metadata) && typeof json.metadata.origin === "string" ? { origin: json.metadata.origin } : undefined;
  return {
    id: json.id,
    type: json.type,
    enabled: json.enabled !== false,
    domain: text("domain"),
    targetDomain: text("targetDomain"),
    ttlSeconds: typeof json.ttlSeconds === "number" ? json.ttlSeconds : undefined,
    ipv4Address: text("ipv4Address"),
    ipv6Address: text("ipv6Address"),
    metadata,
  };
}
