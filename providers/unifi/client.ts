/**
 * A small client for the UniFi Network integration API (the console's official local API), limited
 * to what the DNS record provider needs: site lookup and DNS policy CRUD.
 *
 * Confirmed in public material (the OpenAPI spec the consoles publish, as extracted in
 * github.com/beezly/unifi-apis `unifi-network/10.6.102.json`, and Ubiquiti's developer pages at
 * developer.ui.com/network/v10.1.68/{getsiteoverviewpage,getdnspolicypage,creatednspolicy,
 * deletednspolicy,filtering,error-handling}):
 * - The API lives under `/proxy/network/integration/v1` on the console and takes the key in the
 *   `X-API-KEY` header. Responses are JSON.
 * - `GET /v1/sites` lists sites as `{id (uuid), internalReference, name}`; `name` and
 *   `internalReference` are filterable with `eq`. Other calls need the site's id.
 * - Lists take `offset` (default 0) and `limit` (default 25, maximum 200) and answer
 *   `{offset, limit, count, totalCount, data: [...]}`.
 * - `filter` syntax: `name.eq('x')`, `or(a, b)`; strings in single quotes, `'` doubled to escape.
 * - DNS policies: `GET|POST /v1/sites/{siteId}/dns/policies`, `GET|PUT|DELETE
 *   /v1/sites/{siteId}/dns/policies/{dnsPolicyId}`. POST answers 201, PUT and DELETE 200.
 * - A CNAME policy is `{type: "CNAME_RECORD", enabled, domain, targetDomain, ttlSeconds}`, all
 *   required on create/update; `domain` and `targetDomain` 1..127 characters, `ttlSeconds`
 *   0..604800. Answers add `id` and a read-only `metadata: {origin}`; the API rejects unknown body
 *   properties (400 `api.request.unknown-property`, seen on a real console in
 *   DNSControl/dnscontrol#4201), so bodies carry exactly those five fields.
 * - Errors answer `{statusCode, statusName, code, message, timestamp, requestPath, requestId}`.
 *
 * Assumed (not documented anywhere we could find):
 * - How the console answers a second policy for an existing domain. The spec lists no error
 *   answers at all, and the older `static-dns` API accepted duplicate CNAMEs, which then stopped
 *   dnsmasq and with it the gateway's DNS and DHCP (home-operations/external-dns-unifi-webhook#104).
 *   So the provider checks for duplicates itself, before and after a create, and treats 409, or a
 *   400 whose code or message speaks of a duplicate/conflict/existing record, as "duplicate".
 * - 401 and 403 both mean the key was refused; 404 on a policy id means it is gone.
 * - A GET of a deleted policy answers 404 (rather than 400 for an unknown id).
 */
import * as http from "http";
import * as https from "https";

export const INTEGRATION_API_PREFIX = "/proxy/network/integration/v1";
/** The largest page the API serves (documented maximum of `limit`). */
const PAGE_SIZE = 200;
/** Stops a misbehaving server from making pagination loop forever. */
const MAX_PAGES = 500;
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface UnifiConnectionOptions {
  /** Console base URL, e.g. `https://192.168.1.1`; the integration API prefix is appended. */
  readonly apiUrl: string;
  readonly apiKey: string;
  /** PEM certificate(s) to trust for this console (its self-signed certificate or its CA). */
  readonly caCert?: string;
  /** Skip TLS verification. Only an explicit `true` does this. */
  readonly insecureSkipVerify?: boolean;
  readonly timeoutMs?: number;
}

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

export interface CnamePolicyBody {
  readonly type: "CNAME_RECORD";
  readonly enabled: boolean;
  readonly domain: string;
  readonly targetDomain: string;
  readonly ttlSeconds: number;
}

/**
 * - `auth`: key refused; `not-found`; `conflict`: the API says the record already exists;
 * - `rejected`: any other 4xx; `server`: 5xx; `timeout`; `connection`: refused, reset, DNS;
 * - `tls`: certificate verification; `malformed`: an answer that is not the JSON we expect;
 * - `config`: the connection settings themselves are unusable.
 */
export type UnifiErrorKind = "auth" | "not-found" | "conflict" | "rejected" | "server" | "timeout" | "connection" | "tls" | "malformed" | "config";

export interface UnifiApiErrorDetails {
  readonly kind: UnifiErrorKind;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly apiCode?: string;
  readonly apiMessage?: string;
  /**
   * True when the request may have been carried out although no usable answer came back
   * (timeout, 5xx, unreadable answer, connection lost after the request was sent): a create that
   * fails this way may have left a record behind.
   */
  readonly ambiguous: boolean;
}

export class UnifiApiError extends Error {
  readonly kind: UnifiErrorKind;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly apiCode: string | undefined;
  readonly apiMessage: string | undefined;
  readonly ambiguous: boolean;

  constructor(message: string, details: UnifiApiErrorDetails) {
    super(message);
    // Set again by hand: serialized into a dynamic provider, \`super(message)\` becomes
    // \`Error.call(this, message)\`, which leaves \`this\` without a message.
    this.message = message;
    this.name = "UnifiApiError";
    this.kind = details.kind;
    this.operation = details.operation;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.apiMessage = details.apiMessage;
    this.ambiguous = details.ambiguous;
  }
}

// Module-level constants are plain arrays and strings: Pulumi's closure serializer copies a Set or
// Map as a bare object, whose methods then fail inside the dynamic provider host.
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]", "::1"];

/** Plain HTTP would send the API key in clear, so it is only allowed to this machine (tests). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const TLS_ERROR_CODES = [
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
];

const DUPLICATE_WORDS = /duplicate|already exist|conflict|unique/i;

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

interface RequestSpec {
  readonly operation: string;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the integration API prefix, with any query string. */
  readonly path: string;
  readonly body?: unknown;
}

export class UnifiClient {
  private readonly base: URL;
  /** Any path the console sits under, without a trailing slash ("" for the usual root). */
  private readonly basePath: string;
  private readonly apiKey: string;
  private readonly caCert: string | undefined;
  private readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;

  constructor(options: UnifiConnectionOptions) {
    let url: URL;
    try {
      url = new URL(options.apiUrl);
    } catch {
      throw configError(`apiUrl "${options.apiUrl}" is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw configError(`apiUrl must use https:// (got ${url.protocol}//)`);
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
      throw configError(`apiUrl ${url.origin} uses plain http, which would send the API key unencrypted; use https:// (http:// is only accepted for this machine, for tests)`);
    }
    if (url.username || url.password) throw configError("apiUrl must not carry credentials; the API key goes in apiKey");
    if (!options.apiKey) throw configError("apiKey is empty");
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw configError(`timeoutMs must be a positive integer (got ${String(options.timeoutMs)})`);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.base = url;
    this.apiKey = options.apiKey;
    this.caCert = options.caCert;
    this.insecureSkipVerify = options.insecureSkipVerify === true;
    this.timeoutMs = timeoutMs;
  }

  /** Resolves a site by its name, falling back to its internal reference (e.g. "default"). */
  async findSiteId(siteName: string): Promise<string> {
    const operation = `look up site "${siteName}"`;
    const quoted = filterString(siteName);
    const matches = await this.listAll<UnifiSite>(operation, "/sites", `or(name.eq(${quoted}),internalReference.eq(${quoted}))`, parseSite);
    const byName = matches.filter((site) => site.name === siteName);
    const found = byName.length > 0 ? byName : matches.filter((site) => site.internalReference === siteName);
    if (found.length === 1 && found[0]) return found[0].id;
    if (found.length > 1) {
      throw new UnifiApiError(`UniFi API: ${operation}: ${found.length} sites match (${found.map((site) => site.id).join(", ")}); rename one of them in the console`, {
        kind: "rejected",
        operation,
        method: "GET",
        path: this.fullPath("/sites"),
        ambiguous: false,
      });
    }
    const all = await this.listAll<UnifiSite>(operation, "/sites", undefined, parseSite);
    const known = all.map((site) => (site.internalReference && site.internalReference !== site.name ? `"${site.name}" (${site.internalReference})` : `"${site.name}"`));
    throw new UnifiApiError(`UniFi API: ${operation}: no such site on ${this.base.origin}; sites there: ${known.join(", ") || "none"}`, {
      kind: "not-found",
      operation,
      method: "GET",
      path: this.fullPath("/sites"),
      ambiguous: false,
    });
  }

  /** Every DNS policy of the site, all pages. */
  async listDnsPolicies(siteId: string): Promise<DnsPolicy[]> {
    return this.listAll(`list DNS policies of site ${siteId}`, `/sites/${encodeURIComponent(siteId)}/dns/policies`, undefined, parsePolicy);
  }

  /** The policy, or undefined when the console no longer has it. */
  async getDnsPolicy(siteId: string, policyId: string): Promise<DnsPolicy | undefined> {
    try {
      const answer = await this.send({ operation: `read DNS policy ${policyId}`, method: "GET", path: policyPath(siteId, policyId) });
      return this.parseAnswer(`read DNS policy ${policyId}`, "GET", policyPath(siteId, policyId), answer, parsePolicy);
    } catch (error) {
      if (error instanceof UnifiApiError && error.kind === "not-found") return undefined;
      throw error;
    }
  }

  async createDnsPolicy(siteId: string, body: CnamePolicyBody): Promise<DnsPolicy> {
    const operation = `create DNS policy for ${body.domain}`;
    const path = `/sites/${encodeURIComponent(siteId)}/dns/policies`;
    const answer = await this.send({ operation, method: "POST", path, body });
    return this.parseAnswer(operation, "POST", path, answer, parsePolicy);
  }

  async updateDnsPolicy(siteId: string, policyId: string, body: CnamePolicyBody): Promise<DnsPolicy> {
    const operation = `update DNS policy ${policyId} (${body.domain})`;
    const answer = await this.send({ operation, method: "PUT", path: policyPath(siteId, policyId), body });
    return this.parseAnswer(operation, "PUT", policyPath(siteId, policyId), answer, parsePolicy);
  }

  /** Deletes the policy; one that is already gone counts as deleted. */
  async deleteDnsPolicy(siteId: string, policyId: string): Promise<void> {
    try {
      await this.send({ operation: `delete DNS policy ${policyId}`, method: "DELETE", path: policyPath(siteId, policyId) });
    } catch (error) {
      if (error instanceof UnifiApiError && error.kind === "not-found") return;
      throw error;
    }
  }

  private async listAll<T>(operation: string, path: string, filter: string | undefined, parseItem: (value: unknown) => T | undefined): Promise<T[]> {
    const items: T[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ offset: String(items.length), limit: String(PAGE_SIZE) });
      if (filter !== undefined) query.set("filter", filter);
      const pagePath = `${path}?${query.toString()}`;
      const answer = await this.send({ operation, method: "GET", path: pagePath });
      const parsed = this.parseAnswer(operation, "GET", pagePath, answer, parsePage);
      for (const raw of parsed.data) {
        const item = parseItem(raw);
        if (item === undefined) throw this.malformed(operation, "GET", pagePath, answer.status, `an entry of "data" lacks the expected fields: ${preview(JSON.stringify(raw))}`);
        items.push(item);
      }
      // totalCount is required by the spec; the short-page test also ends the loop if a server omits it.
      const total = parsed.totalCount;
      if (parsed.data.length === 0 || (total !== undefined ? items.length >= total : parsed.data.length < PAGE_SIZE)) return items;
    }
    throw this.malformed(operation, "GET", path, 200, `pagination did not end after ${MAX_PAGES} pages`);
  }

  private parseAnswer<T>(operation: string, method: string, path: string, answer: HttpAnswer, parse: (value: unknown) => T | undefined): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      throw this.malformed(operation, method, path, answer.status, `the answer is not valid JSON: ${preview(answer.body)}`);
    }
    const value = parse(json);
    if (value === undefined) throw this.malformed(operation, method, path, answer.status, `the answer lacks the expected fields: ${preview(answer.body)}`);
    return value;
  }

  private malformed(operation: string, method: string, path: string, status: number, what: string): UnifiApiError {
    const fullPath = this.fullPath(path);
    return new UnifiApiError(this.redact(`UniFi API: ${operation}: ${what} (HTTP ${status} on ${method} ${fullPath}); the change may or may not have been applied`), {
      kind: "malformed",
      operation,
      method,
      path: fullPath,
      status,
      // A write whose answer cannot be read may still have been carried out.
      ambiguous: method !== "GET",
    });
  }

  private fullPath(path: string): string {
    return `${this.basePath}${INTEGRATION_API_PREFIX}${path}`;
  }

  /** The key must never reach a message, whatever a server echoes back. */
  private redact(text: string): string {
    return this.apiKey.length >= 4 ? text.split(this.apiKey).join("***") : text;
  }

  private send(spec: RequestSpec): Promise<HttpAnswer> {
    const fullPath = this.fullPath(spec.path);
    const isHttps = this.base.protocol === "https:";
    const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), "utf8");
    const headers: Record<string, string | number> = { "X-API-KEY": this.apiKey, Accept: "application/json" };
    if (payload) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = payload.length;
    }
    const options: https.RequestOptions = {
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: this.base.port || (isHttps ? 443 : 80),
      method: spec.method,
      path: fullPath,
      headers,
      // One connection per request: nothing lingers to keep a process (or a test run) alive.
      agent: false,
    };
    if (isHttps) {
      options.rejectUnauthorized = !this.insecureSkipVerify;
      if (this.caCert) options.ca = this.caCert;
    }
    const fail = (kind: UnifiErrorKind, message: string, extra: Partial<UnifiApiErrorDetails> = {}) =>
      new UnifiApiError(this.redact(`UniFi API: ${spec.operation}: ${message}`), {
        kind,
        operation: spec.operation,
        method: spec.method,
        path: fullPath,
        ambiguous: false,
        ...extra,
      });
    const where = `${spec.method} ${fullPath} on ${this.base.origin}`;

    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      let requestSent = false;
      let timedOut = false;
      let answered = false;
      // Declared before its first use: Pulumi's closure serializer loses variables used before declaration.
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const mayHaveApplied = () => requestSent && spec.method !== "GET";
      const maybeApplied = () => (mayHaveApplied() ? "; the change may or may not have been applied" : "");
      const onFailure = (error: NodeJS.ErrnoException) => {
        const code = error.code ?? "";
        if (timedOut) {
          settle(() => reject(fail("timeout", `no answer within ${this.timeoutMs} ms to ${where}${maybeApplied()}`, { ambiguous: mayHaveApplied() })));
        } else if (TLS_ERROR_CODES.includes(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_")) {
          const hint = "set caCert to the console's certificate or its CA (PEM), or set insecureSkipVerify: true to skip verification explicitly";
          settle(() => reject(fail("tls", `TLS verification of ${this.base.origin} failed (${code}: ${error.message}); ${hint}`)));
        } else if (code === "ECONNREFUSED") {
          settle(() => reject(fail("connection", `connection refused by ${this.base.host} (${where}); is apiUrl right and the console reachable?`)));
        } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
          settle(() => reject(fail("connection", `cannot resolve ${this.base.hostname} (${where})`)));
        } else {
          settle(() => reject(fail("connection", `the connection failed during ${where}: ${code || error.message}${maybeApplied()}`, { ambiguous: mayHaveApplied() })));
        }
      };
      const request = (isHttps ? https : http).request(options, (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", onFailure);
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString("utf8");
          settle(() => (status >= 200 && status < 300 ? resolve({ status, body }) : reject(this.statusError(spec, fullPath, status, body))));
        });
        // A connection that closes mid-answer without an error event must not leave the caller waiting.
        response.on("close", () => onFailure(Object.assign(new Error("the connection closed before the answer was complete"), { code: "ECONNRESET" })));
      });
      timer = setTimeout(() => {
        timedOut = true;
        request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }));
      }, this.timeoutMs);
      request.on("finish", () => {
        requestSent = true;
      });
      request.on("error", onFailure);
      request.on("close", () => {
        if (!answered) onFailure(Object.assign(new Error("the connection closed before any answer"), { code: "ECONNRESET" }));
      });
      if (payload) request.write(payload);
      request.end();
    });
  }

  private statusError(spec: RequestSpec, fullPath: string, status: number, body: string): UnifiApiError {
    const apiError = parseApiError(body);
    const said = apiError.message ? `: "${apiError.message}"${apiError.code ? ` (${apiError.code})` : ""}` : apiError.code ? ` (${apiError.code})` : "";
    const at = `HTTP ${status} on ${spec.method} ${fullPath}`;
    const details = { operation: spec.operation, method: spec.method, path: fullPath, status, apiCode: apiError.code, apiMessage: apiError.message, ambiguous: false };
    const error = (kind: UnifiErrorKind, message: string, ambiguous = false) => new UnifiApiError(this.redact(`UniFi API: ${spec.operation}: ${message}`), { ...details, kind, ambiguous });
    if (status === 401 || status === 403) return error("auth", `API key rejected by the console (${at})${said}; check apiKey and that the key was made on this console`);
    if (status === 404) return error("not-found", `not found (${at})${said}`);
    const duplicateWording = `${apiError.code ?? ""} ${apiError.message ?? ""}`;
    if (status === 409 || (status === 400 && DUPLICATE_WORDS.test(duplicateWording))) return error("conflict", `the console refused a duplicate (${at})${said}`);
    if (status >= 500) return error("server", `the console failed (${at})${said}${spec.method === "GET" ? "" : "; the change may or may not have been applied"}`, spec.method !== "GET");
    return error("rejected", `the console rejected the request (${at})${said}`);
  }
}

function configError(message: string): UnifiApiError {
  return new UnifiApiError(`UniFi API: connection settings: ${message}`, { kind: "config", operation: "connect", method: "", path: "", ambiguous: false });
}

function policyPath(siteId: string, policyId: string): string {
  return `/sites/${encodeURIComponent(siteId)}/dns/policies/${encodeURIComponent(policyId)}`;
}

/** A filter string literal: single quotes, a quote doubled to escape it. */
function filterString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length === 0 ? "(empty)" : JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseApiError(body: string): { code?: string; message?: string } {
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

function parsePage(json: unknown): { data: unknown[]; totalCount?: number } | undefined {
  if (!isRecord(json) || !Array.isArray(json.data)) return undefined;
  return { data: json.data, totalCount: typeof json.totalCount === "number" ? json.totalCount : undefined };
}

function parseSite(json: unknown): UnifiSite | undefined {
  if (!isRecord(json) || typeof json.id !== "string" || typeof json.name !== "string") return undefined;
  return { id: json.id, name: json.name, internalReference: typeof json.internalReference === "string" ? json.internalReference : undefined };
}

function parsePolicy(json: unknown): DnsPolicy | undefined {
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
