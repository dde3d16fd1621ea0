import { execFileSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

/**
 * A local stand-in for the slice of the UniFi Network integration API the DNS provider uses:
 * application info, site listing, and DNS policy list/get/create/update/delete, with the
 * documented pagination, filter syntax, error body and CNAME body rules. It listens on 127.0.0.1
 * only, over HTTPS with a throwaway CA made at start, or over plain HTTP.
 *
 * It is there for fault injection. Its success answers, and every request it gets, are logged
 * (`exchanges`) so that the tests hold both to Ubiquiti's OpenAPI document
 * (test/support/unifi-contract.ts): a fake that drifted from the document fails the suite.
 * Answers the document does not cover (errors: it documents none) follow the error body schema
 * it defines, as Ubiquiti's developer pages describe.
 */

export const API_PREFIX = "/proxy/network/integration/v1";

export type Route = "info" | "sites" | "list" | "get" | "create" | "update" | "delete";

/**
 * One-shot misbehaviours, consumed by the next request to a route:
 * - `status`: answer with that status and an API error body, doing nothing;
 * - `hang`: never answer (the connection stays open until the client gives up);
 * - `malformed`: answer 200/201 with a body that is not JSON, doing nothing;
 * - `reset`: drop the connection without answering, doing nothing;
 * - `apply-then-*`: carry the request out, then answer badly (500, not JSON, never, or drop).
 */
export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly code?: string; readonly message?: string }
  /** Answer with that status and a body that is not the API's (a proxy's or a web server's HTML page). */
  | { readonly kind: "html"; readonly status: number }
  | { readonly kind: "hang" | "malformed" | "reset" }
  | { readonly kind: "apply-then-status"; readonly status: number }
  | { readonly kind: "apply-then-malformed" | "apply-then-hang" | "apply-then-reset" };

/** How the fake answers a create for a domain that already has a policy. */
export type DuplicateAnswer = "409" | "400" | "accept";

export interface StoredPolicy {
  id: string;
  type: string;
  enabled: boolean;
  domain: string;
  targetDomain?: string;
  ipv4Address?: string;
  ttlSeconds?: number;
  metadata: { origin: string };
}

export interface FakeSite {
  readonly id: string;
  readonly name: string;
  readonly internalReference: string;
}

export interface FakeUnifiOptions {
  readonly apiKey: string;
  readonly protocol?: "https" | "http";
  readonly sites?: readonly FakeSite[];
  readonly duplicateAnswer?: DuplicateAnswer;
  /** Delay before every write is carried out, so overlapping writes would be seen. */
  readonly writeDelayMs?: number;
  /** `GET /v1/info`'s `applicationVersion`. @default "10.5.66" */
  readonly applicationVersion?: string;
  /** The one name the HTTPS certificate is made for. @default 127.0.0.1 and localhost */
  readonly certificateName?: string;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** The request body, parsed (undefined when none; the raw text when it is not JSON). */
  readonly body?: unknown;
  /** The status answered, once answered. */
  status?: number;
  /** The answer's body, parsed. */
  answer?: unknown;
  /** The answer came from an injected fault, not from the console's own rules. */
  injected?: boolean;
}

const DEFAULT_VERSION = "10.5.66";

const DEFAULT_SITES: readonly FakeSite[] = [
  { id: "6f1c1c4e-0000-4000-8000-000000000001", name: "Default", internalReference: "default" },
  { id: "6f1c1c4e-0000-4000-8000-000000000002", name: "Lab", internalReference: "x7k2lab" },
];

/** Body fields a CNAME create/update may carry; anything else is refused like the real API does. */
const CNAME_FIELDS = new Set(["type", "enabled", "domain", "targetDomain", "ttlSeconds"]);

export class FakeUnifi {
  readonly policies = new Map<string, StoredPolicy[]>();
  readonly requests: LoggedRequest[] = [];
  duplicateAnswer: DuplicateAnswer;
  writeDelayMs: number;
  applicationVersion: string;
  maxInFlightWrites = 0;
  private inFlightWrites = 0;
  private readonly faults = new Map<Route, Fault[]>();
  private beforeNextCreate: (() => void) | undefined;
  private readonly sockets = new Set<import("net").Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly caCertPem: string | undefined,
    readonly apiKey: string,
    readonly sites: readonly FakeSite[],
    options: FakeUnifiOptions,
  ) {
    this.duplicateAnswer = options.duplicateAnswer ?? "409";
    this.writeDelayMs = options.writeDelayMs ?? 0;
    this.applicationVersion = options.applicationVersion ?? DEFAULT_VERSION;
    for (const site of sites) this.policies.set(site.id, []);
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    server.on("secureConnection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(options: FakeUnifiOptions): Promise<FakeUnifi> {
    const protocol = options.protocol ?? "https";
    const sites = options.sites ?? DEFAULT_SITES;
    let fake: FakeUnifi | undefined;
    const handler: http.RequestListener = (request, response) => {
      if (!fake) throw new Error("fake UniFi got a request before it was ready");
      fake.handle(request, response);
    };
    let server: http.Server;
    let caCertPem: string | undefined;
    if (protocol === "https") {
      const material = makeTlsMaterial(options.certificateName);
      caCertPem = material.caCert;
      server = https.createServer({ key: material.serverKey, cert: material.serverCert }, handler);
    } else {
      server = http.createServer(handler);
    }
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeUnifi(server, `${protocol}://127.0.0.1:${port}`, caCertPem, options.apiKey, sites, options);
    return fake;
  }

  /** Back to an empty console with no faults pending, as between tests. */
  reset(): void {
    for (const site of this.sites) this.policies.set(site.id, []);
    this.requests.length = 0;
    this.faults.clear();
    this.beforeNextCreate = undefined;
    this.duplicateAnswer = "409";
    this.writeDelayMs = 0;
    this.maxInFlightWrites = 0;
    this.applicationVersion = DEFAULT_VERSION;
  }

  get defaultSite(): FakeSite {
    const site = this.sites[0];
    if (!site) throw new Error("the fake has no sites");
    return site;
  }

  /** Every policy of a site (copies), or of the default site. */
  records(siteId = this.defaultSite.id): StoredPolicy[] {
    return (this.policies.get(siteId) ?? []).map((policy) => ({ ...policy, metadata: { ...policy.metadata } }));
  }

  recordsFor(domain: string, siteId = this.defaultSite.id): StoredPolicy[] {
    return this.records(siteId).filter((policy) => policy.domain.toLowerCase() === domain.toLowerCase());
  }

  /** Puts a policy in place directly, as someone using the console would. */
  seed(policy: Omit<StoredPolicy, "id" | "metadata"> & { id?: string }, siteId = this.defaultSite.id): StoredPolicy {
    const stored: StoredPolicy = { ...policy, id: policy.id ?? randomUUID(), metadata: { origin: "USER_DEFINED" } };
    this.sitePolicies(siteId).push(stored);
    return { ...stored };
  }

  /** Changes a policy behind the provider's back. */
  changeBehindBack(id: string, patch: Partial<Omit<StoredPolicy, "id" | "metadata">>): void {
    for (const list of this.policies.values()) {
      const policy = list.find((candidate) => candidate.id === id);
      if (policy) {
        Object.assign(policy, patch);
        return;
      }
    }
    throw new Error(`the fake has no policy ${id}`);
  }

  removeBehindBack(id: string): void {
    for (const [siteId, list] of this.policies) this.policies.set(siteId, list.filter((policy) => policy.id !== id));
  }

  failNext(route: Route, fault: Fault): void {
    const queue = this.faults.get(route) ?? [];
    queue.push(fault);
    this.faults.set(route, queue);
  }

  /** Runs once, just before the next create is carried out: another writer getting in first. */
  onNextCreate(action: () => void): void {
    this.beforeNextCreate = action;
  }

  requestsTo(route: Route): LoggedRequest[] {
    return this.requests.filter((request) => routeOf(request.method, request.path)?.route === route);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private sitePolicies(siteId: string): StoredPolicy[] {
    const list = this.policies.get(siteId);
    if (!list) throw new Error(`the fake has no site ${siteId}`);
    return list;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const logged: LoggedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), ...(body !== "" ? { body: parsedOrText(body) } : {}) };
      this.requests.push(logged);
      const writeHead = response.writeHead.bind(response);
      response.writeHead = ((status: number, ...rest: unknown[]) => {
        logged.status = status;
        return writeHead(status, ...(rest as []));
      }) as typeof response.writeHead;
      const end = response.end.bind(response);
      response.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk === "string" && chunk !== "") logged.answer = parsedOrText(chunk);
        return end(chunk as never, ...(rest as []));
      }) as typeof response.end;
      const isWrite = method === "POST" || method === "PUT" || method === "DELETE";
      if (isWrite) {
        this.inFlightWrites++;
        this.maxInFlightWrites = Math.max(this.maxInFlightWrites, this.inFlightWrites);
        response.on("close", () => this.inFlightWrites--);
      }
      const run = () => this.route(method, url, body, request, response, logged);
      if (isWrite && this.writeDelayMs > 0) setTimeout(run, this.writeDelayMs);
      else run();
    });
  }

  private route(method: string, url: URL, body: string, request: http.IncomingMessage, response: http.ServerResponse, logged: LoggedRequest): void {
    if (request.headers["x-api-key"] !== this.apiKey) {
      const missing = request.headers["x-api-key"] === undefined;
      return sendError(response, url.pathname, 401, missing ? "api.authentication.missing-credentials" : "api.authentication.invalid-api-key", missing ? "Missing credentials" : "Invalid API key");
    }
    const matched = routeOf(method, url.pathname);
    if (!matched) return sendError(response, url.pathname, 404, "api.not-found", `No endpoint ${method} ${url.pathname}`);
    const badId = [matched.siteId, matched.policyId].find((id) => id !== undefined && !UUID.test(id));
    if (badId !== undefined) return sendError(response, url.pathname, 400, "api.request.invalid-parameter", `'${badId}' is not a valid UUID`);
    const fault = this.faults.get(matched.route)?.shift();
    if (fault) logged.injected = true;
    if (fault) {
      switch (fault.kind) {
        case "status":
          return sendError(response, url.pathname, fault.status, fault.code ?? "api.internal-error", fault.message ?? "Injected failure");
        case "html":
          return sendRaw(response, fault.status, "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>", "text/html");
        case "hang":
          return;
        case "malformed":
          return sendRaw(response, method === "POST" ? 201 : 200, "<html>not json");
        case "reset":
          return void response.socket?.destroy();
        default:
          break;
      }
    }
    const answer = this.apply(matched, method, url, body);
    if (fault) {
      switch (fault.kind) {
        case "apply-then-status":
          return sendError(response, url.pathname, fault.status, "api.internal-error", "Request processing failed");
        case "apply-then-malformed":
          return sendRaw(response, answer.status, '{"type":"CNAME_RECORD","id":');
        case "apply-then-hang":
          return;
        case "apply-then-reset":
          return void response.socket?.destroy();
        default:
          break;
      }
    }
    if (answer.error) return sendError(response, url.pathname, answer.status, answer.error.code, answer.error.message);
    return sendRaw(response, answer.status, answer.body === undefined ? "" : JSON.stringify(answer.body));
  }

  private apply(matched: MatchedRoute, method: string, url: URL, body: string): Answer {
    if (matched.route === "info") return { status: 200, body: { applicationVersion: this.applicationVersion } };
    if (matched.route === "sites") return page(this.sites.filter(siteFilter(url.searchParams.get("filter"))), url.searchParams);
    const siteId = matched.siteId ?? "";
    const list = this.policies.get(siteId);
    if (!list) return fail(404, "api.site.not-found", `Site ${siteId} not found`);
    if (matched.route === "list") return page(list, url.searchParams);
    if (matched.route === "create") {
      const parsed = parseCnameBody(body);
      if ("error" in parsed) return parsed.error;
      this.beforeNextCreate?.();
      this.beforeNextCreate = undefined;
      const clash = list.find((policy) => policy.domain.toLowerCase() === parsed.domain.toLowerCase());
      if (clash && this.duplicateAnswer === "409") return fail(409, "api.dns-policy.conflict", `DNS policy for domain '${parsed.domain}' already exists`);
      if (clash && this.duplicateAnswer === "400") return fail(400, "api.dns-policy.duplicate-domain", `Duplicate domain '${parsed.domain}'`);
      const created: StoredPolicy = { id: randomUUID(), ...parsed, metadata: { origin: "USER_DEFINED" } };
      list.push(created);
      return { status: 201, body: created };
    }
    const policy = list.find((candidate) => candidate.id === matched.policyId);
    if (!policy) return fail(404, "api.dns-policy.not-found", `DNS policy ${matched.policyId ?? ""} not found`);
    if (method === "GET") return { status: 200, body: policy };
    if (method === "DELETE") {
      list.splice(list.indexOf(policy), 1);
      return { status: 200 };
    }
    const parsed = parseCnameBody(body);
    if ("error" in parsed) return parsed.error;
    Object.assign(policy, parsed);
    return { status: 200, body: policy };
  }
}

interface MatchedRoute {
  readonly route: Route;
  readonly siteId?: string;
  readonly policyId?: string;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

function routeOf(method: string, pathname: string): MatchedRoute | undefined {
  if (!pathname.startsWith(API_PREFIX)) return undefined;
  const rest = pathname.slice(API_PREFIX.length);
  if (rest === "/info" && method === "GET") return { route: "info" };
  if (rest === "/sites" && method === "GET") return { route: "sites" };
  const collection = /^\/sites\/([^/]+)\/dns\/policies$/.exec(rest);
  if (collection) {
    if (method === "GET") return { route: "list", siteId: decodeURIComponent(collection[1] ?? "") };
    if (method === "POST") return { route: "create", siteId: decodeURIComponent(collection[1] ?? "") };
    return undefined;
  }
  const item = /^\/sites\/([^/]+)\/dns\/policies\/([^/]+)$/.exec(rest);
  if (item) {
    const ids = { siteId: decodeURIComponent(item[1] ?? ""), policyId: decodeURIComponent(item[2] ?? "") };
    if (method === "GET") return { route: "get", ...ids };
    if (method === "PUT") return { route: "update", ...ids };
    if (method === "DELETE") return { route: "delete", ...ids };
  }
  return undefined;
}

function fail(status: number, code: string, message: string): Answer {
  return { status, error: { code, message } };
}

/** offset/limit/count/totalCount/data, with the documented default (25) and maximum (200) limit. */
function page<T>(items: readonly T[], query: URLSearchParams): Answer {
  const offset = Number(query.get("offset") ?? 0);
  const limit = Number(query.get("limit") ?? 25);
  if (!Number.isInteger(offset) || offset < 0) return fail(400, "api.request.invalid-parameter", "offset must be >= 0");
  if (!Number.isInteger(limit) || limit < 0 || limit > 200) return fail(400, "api.request.invalid-parameter", "limit must be between 0 and 200");
  const data = items.slice(offset, offset + limit);
  return { status: 200, body: { offset, limit, count: data.length, totalCount: items.length, data } };
}

/** The filter subset the site lookup uses: `prop.eq('v')`, joined by `or(...)`. */
function siteFilter(filter: string | null): (site: FakeSite) => boolean {
  if (!filter) return () => true;
  const terms = [...filter.matchAll(/(\w+)\.eq\('((?:[^']|'')*)'\)/g)].map((match) => ({ property: match[1] ?? "", value: (match[2] ?? "").replace(/''/g, "'") }));
  if (terms.length === 0) throw new Error(`the fake cannot parse filter ${filter}`);
  return (site) => terms.some((term) => (site as unknown as Record<string, unknown>)[term.property] === term.value);
}

function parseCnameBody(body: string): (Omit<StoredPolicy, "id" | "metadata"> & { domain: string }) | { error: Answer } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { error: fail(400, "api.request.malformed-body", "Request body is not valid JSON") };
  }
  if (typeof json !== "object" || json === null) return { error: fail(400, "api.request.malformed-body", "Request body must be an object") };
  const fields = json as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !CNAME_FIELDS.has(key));
  if (unknown) return { error: fail(400, "api.request.unknown-property", `Unknown request body property '$.${unknown}'`) };
  if (fields.type !== "CNAME_RECORD") return { error: fail(400, "api.request.invalid", "The fake only serves CNAME_RECORD policies") };
  const { domain, targetDomain, ttlSeconds, enabled } = fields;
  if (typeof enabled !== "boolean") return { error: fail(400, "api.request.invalid", "'$.enabled' is required") };
  for (const [name, value] of [
    ["domain", domain],
    ["targetDomain", targetDomain],
  ] as const) {
    if (typeof value !== "string" || value.length < 1 || value.length > 127) return { error: fail(400, "api.request.invalid", `'$.${name}' must be 1..127 characters`) };
  }
  if (!Number.isInteger(ttlSeconds) || (ttlSeconds as number) < 0 || (ttlSeconds as number) > 604800) return { error: fail(400, "api.request.invalid", "'$.ttlSeconds' must be 0..604800") };
  return { type: "CNAME_RECORD", enabled, domain: domain as string, targetDomain: targetDomain as string, ttlSeconds: ttlSeconds as number };
}

function sendError(response: http.ServerResponse, requestPath: string, status: number, code: string, message: string): void {
  const statusName = (http.STATUS_CODES[status] ?? "ERROR").toUpperCase().replace(/\s+/g, "_");
  sendRaw(response, status, JSON.stringify({ statusCode: status, statusName, code, message, timestamp: new Date().toISOString(), requestPath: requestPath.replace("/proxy/network", ""), requestId: randomUUID() }));
}

function sendRaw(response: http.ServerResponse, status: number, body: string, type = "application/json"): void {
  response.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface TlsMaterial {
  readonly caCert: string;
  readonly serverKey: string;
  readonly serverCert: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI. */
function makeTlsMaterial(certificateName?: string): TlsMaterial {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-unifi-tls-"));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  try {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2", "-subj", "/CN=fake-unifi test CA");
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1");
    const names = certificateName ? `DNS:${certificateName}` : "IP:127.0.0.1,DNS:localhost";
    fs.writeFileSync(file("ext.cnf"), `subjectAltName=${names}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
    openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out", file("server.pem"), "-days", "2", "-extfile", file("ext.cnf"));
    return { caCert: fs.readFileSync(file("ca.pem"), "utf8"), serverKey: fs.readFileSync(file("server.key"), "utf8"), serverCert: fs.readFileSync(file("server.pem"), "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
