/**
 * A small client for the UniFi Network integration API (the console's official local API), limited
 * to what the DNS record provider needs: the application's version, site lookup and DNS policy CRUD.
 *
 * The contract is Ubiquiti's own OpenAPI document, which a Network application exports (collected
 * verbatim, one file per version, in github.com/beezly/unifi-apis; the parts used here are kept in
 * test/contracts/unifi-network-{10.1.68,10.5.66}.json, and every request and answer of the tests is
 * judged against them). From it:
 * - The document's server is `/integration`, under `/proxy/network` on a console; the key goes in
 *   `X-API-KEY` (the document names no security scheme; Ubiquiti's developer pages do).
 * - `GET /v1/info` answers `{applicationVersion}`. DNS policies exist from Network 10.1.68.
 * - `GET /v1/sites` lists `{id (uuid), internalReference, name}`; `name` and `internalReference`
 *   filter with `eq`. Lists take `offset` and `limit` (at most 200) and answer `{offset, limit,
 *   count, totalCount, data}`.
 * - `GET|POST /v1/sites/{siteId}/dns/policies`, `GET|PUT|DELETE .../{dnsPolicyId}`, ids `format:
 *   uuid`. POST answers 201, PUT and DELETE 200. A CNAME body is `{type: "CNAME_RECORD", enabled,
 *   domain, targetDomain, ttlSeconds}`, all required; names 1..127, `ttlSeconds` 0..604800.
 * - Only success answers are documented: no 401, 403, 404 or 409, and no operation references the
 *   error body schema (`statusCode, statusName, code, message, ...`). So a 404 alone proves nothing
 *   (a wrong `apiUrl`, a reverse proxy or an old Network version answer 404 too): the provider
 *   counts a policy gone only when its site answers a list without it (./policies.ts).
 *
 * Assumed, as nothing documents it: how a console answers a second policy for one domain. The
 * older `static-dns` API accepted duplicate CNAMEs, which then stopped dnsmasq and with it the
 * gateway's DNS and DHCP (home-operations/external-dns-unifi-webhook#104), so the provider checks
 * itself and also treats 409, or a 400 that speaks of a duplicate, as "duplicate". The API rejects
 * unknown body properties (400 `api.request.unknown-property`, DNSControl/dnscontrol#4201), so
 * bodies carry exactly the five fields.
 */
import { MAX_PAGE_SIZE, MIN_NETWORK_VERSION, UUID_PATTERN, versionAtLeast } from "./contract";
import { isUnifiError, UnifiApiError } from "./errors";
import { type DnsPolicy, parseInfo, parsePage, parsePolicy, parseSite, type UnifiSite } from "./parse";
import { type RequestSpec, UnifiTransport, type UnifiConnectionOptions } from "./transport";

export { DEFAULT_TIMEOUT_MS, isLoopbackHost, type UnifiConnectionOptions } from "./transport";
export { UnifiApiError, type UnifiErrorKind } from "./errors";
export type { DnsPolicy, UnifiSite } from "./parse";

/** Stops a misbehaving server from making pagination loop forever. */
const MAX_PAGES = 500;

export interface CnamePolicyBody {
  readonly type: "CNAME_RECORD";
  readonly enabled: boolean;
  readonly domain: string;
  readonly targetDomain: string;
  readonly ttlSeconds: number;
}

export class UnifiClient {
  private readonly transport: UnifiTransport;

  constructor(options: UnifiConnectionOptions) {
    this.transport = new UnifiTransport(options);
  }

  get origin(): string {
    return this.transport.base.origin;
  }

  /** The Network application's version; refuses one without DNS policies (before 10.1.68). */
  async networkVersion(): Promise<string> {
    const spec: RequestSpec = { operation: "read the Network application's version", method: "GET", path: "/info" };
    let version: string;
    try {
      version = this.transport.parseAnswer(spec, await this.transport.send(spec), parseInfo).applicationVersion;
    } catch (error) {
      if (!isUnifiError(error, "not-found")) throw error;
      throw new UnifiApiError(`${error.message}; no Network integration API answers at ${this.origin} (is apiUrl the console's base URL, and its Network application ${MIN_NETWORK_VERSION} or later?)`, error);
    }
    if (!versionAtLeast(version, MIN_NETWORK_VERSION)) {
      throw new UnifiApiError(`UniFi API: the console at ${this.origin} runs Network ${version}, whose integration API has no DNS policies (they appear in ${MIN_NETWORK_VERSION}); update its Network application`, {
        kind: "version",
        operation: spec.operation,
        method: "GET",
        path: this.transport.fullPath(spec.path),
        ambiguous: false,
      });
    }
    return version;
  }

  /** Resolves a site by its name, falling back to its internal reference (e.g. "default"). */
  async findSiteId(siteName: string): Promise<string> {
    const operation = `look up site "${siteName}"`;
    const quoted = filterString(siteName);
    const matches = await this.listAll<UnifiSite>(operation, "/sites", `or(name.eq(${quoted}),internalReference.eq(${quoted}))`, parseSite);
    const byName = matches.filter((site) => site.name === siteName);
    const found = byName.length > 0 ? byName : matches.filter((site) => site.internalReference === siteName);
    const fail = (kind: "rejected" | "not-found", message: string) =>
      new UnifiApiError(`UniFi API: ${operation}: ${message}`, { kind, operation, method: "GET", path: this.transport.fullPath("/sites"), ambiguous: false });
    if (found.length === 1 && found[0]) {
      if (!UUID_PATTERN.test(found[0].id)) throw this.transport.malformed({ operation, method: "GET", path: "/sites" }, 200, `site id "${found[0].id}" is not a UUID`);
      return found[0].id;
    }
    if (found.length > 1) throw fail("rejected", `${found.length} sites match (${found.map((site) => site.id).join(", ")}); rename one of them in the console`);
    const all = await this.listAll<UnifiSite>(operation, "/sites", undefined, parseSite);
    const known = all.map((site) => (site.internalReference && site.internalReference !== site.name ? `"${site.name}" (${site.internalReference})` : `"${site.name}"`));
    throw fail("not-found", `no such site on ${this.origin}; sites there: ${known.join(", ") || "none"}`);
  }

  /** Every DNS policy of the site, all pages. Any failure, a 404 included, is an error. */
  async listDnsPolicies(siteId: string): Promise<DnsPolicy[]> {
    return this.listAll(`list DNS policies of site ${siteId}`, `/sites/${encodeURIComponent(siteId)}/dns/policies`, undefined, parsePolicy);
  }

  /** The policy, or undefined when the console answers 404 for it (which alone proves nothing). */
  async getDnsPolicy(siteId: string, policyId: string): Promise<DnsPolicy | undefined> {
    const spec: RequestSpec = { operation: `read DNS policy ${policyId}`, method: "GET", path: policyPath(siteId, policyId) };
    try {
      return this.transport.parseAnswer(spec, await this.transport.send(spec), parsePolicy);
    } catch (error) {
      if (isUnifiError(error, "not-found")) return undefined;
      throw error;
    }
  }

  async createDnsPolicy(siteId: string, body: CnamePolicyBody): Promise<DnsPolicy> {
    const spec: RequestSpec = { operation: `create DNS policy for ${body.domain}`, method: "POST", path: `/sites/${encodeURIComponent(siteId)}/dns/policies`, body };
    return this.transport.parseAnswer(spec, await this.transport.send(spec), parsePolicy);
  }

  async updateDnsPolicy(siteId: string, policyId: string, body: CnamePolicyBody): Promise<DnsPolicy> {
    const spec: RequestSpec = { operation: `update DNS policy ${policyId} (${body.domain})`, method: "PUT", path: policyPath(siteId, policyId), body };
    return this.transport.parseAnswer(spec, await this.transport.send(spec), parsePolicy);
  }

  /** Sends the delete: `deleted` on success, `not-found` on a 404 (which the caller must confirm). */
  async deleteDnsPolicy(siteId: string, policyId: string): Promise<"deleted" | "not-found"> {
    try {
      await this.transport.send({ operation: `delete DNS policy ${policyId}`, method: "DELETE", path: policyPath(siteId, policyId) });
      return "deleted";
    } catch (error) {
      if (isUnifiError(error, "not-found")) return "not-found";
      throw error;
    }
  }

  private async listAll<T>(operation: string, path: string, filter: string | undefined, parseItem: (value: unknown) => T | undefined): Promise<T[]> {
    const items: T[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ offset: String(items.length), limit: String(MAX_PAGE_SIZE) });
      if (filter !== undefined) query.set("filter", filter);
      const spec: RequestSpec = { operation, method: "GET", path: `${path}?${query.toString()}` };
      const answer = await this.transport.send(spec);
      const parsed = this.transport.parseAnswer(spec, answer, parsePage);
      for (const raw of parsed.data) {
        const item = parseItem(raw);
        if (item === undefined) throw this.transport.malformed(spec, answer.status, `an entry of "data" lacks the expected fields: ${JSON.stringify(raw).slice(0, 120)}`);
        items.push(item);
      }
      // totalCount is required by the document; the short-page test also ends the loop if a server omits it.
      const total = parsed.totalCount;
      if (parsed.data.length === 0 || (total !== undefined ? items.length >= total : parsed.data.length < MAX_PAGE_SIZE)) return items;
    }
    throw this.transport.malformed({ operation, method: "GET", path }, 200, `pagination did not end after ${MAX_PAGES} pages`);
  }
}

function policyPath(siteId: string, policyId: string): string {
  return `/sites/${encodeURIComponent(siteId)}/dns/policies/${encodeURIComponent(policyId)}`;
}

/** A filter string literal: single quotes, a quote doubled to escape it. */
function filterString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
