import * as http from "http";
import * as https from "https";
import { INTEGRATION_API_PREFIX } from "./contract";
import { configError, UnifiApiError, type UnifiApiErrorDetails, type UnifiErrorKind } from "./errors";
import { parseApiError, preview } from "./parse";

/**
 * One HTTP exchange with a console's integration API: TLS as configured, the key in `X-API-KEY`,
 * a deadline, and every failure turned into a one-line `UnifiApiError` that says whether the
 * request may have been carried out. What the statuses mean beyond 2xx is not in Ubiquiti's
 * document (it lists success answers only), so a 404 here is only "not found at this address":
 * the callers decide what it proves.
 */

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

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface RequestSpec {
  readonly operation: string;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the integration API prefix, with any query string. */
  readonly path: string;
  readonly body?: unknown;
}

// Module-level constants are plain arrays and strings: Pulumi's closure serializer copies a Set or
// Map as a bare object, whose methods then fail inside the dynamic provider host.
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]", "::1"];

/** Plain HTTP would send the API key in clear, so it is only allowed to this machine (tests). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const NAME_MISMATCH_CODES = ["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"];
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
];

const DUPLICATE_WORDS = /duplicate|already exist|conflict|unique/i;

export class UnifiTransport {
  readonly base: URL;
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

  fullPath(path: string): string {
    return `${this.basePath}${INTEGRATION_API_PREFIX}${path}`;
  }

  /** The key must never reach a message, whatever a server echoes back. */
  redact(text: string): string {
    return this.apiKey.length >= 4 ? text.split(this.apiKey).join("***") : text;
  }

  /** The answer read by `parse`, or a `malformed` error that names what was wrong with it. */
  parseAnswer<T>(spec: RequestSpec, answer: HttpAnswer, parse: (value: unknown) => T | undefined): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      throw this.malformed(spec, answer.status, `the answer is not valid JSON: ${preview(answer.body)}`);
    }
    const value = parse(json);
    if (value === undefined) throw this.malformed(spec, answer.status, `the answer lacks the expected fields: ${preview(answer.body)}`);
    return value;
  }

  malformed(spec: Pick<RequestSpec, "operation" | "method" | "path">, status: number, what: string): UnifiApiError {
    const fullPath = this.fullPath(spec.path);
    const applied = spec.method === "GET" ? "" : "; the change may or may not have been applied";
    return new UnifiApiError(this.redact(`UniFi API: ${spec.operation}: ${what} (HTTP ${status} on ${spec.method} ${fullPath})${applied}`), {
      kind: "malformed",
      operation: spec.operation,
      method: spec.method,
      path: fullPath,
      status,
      // A write whose answer cannot be read may still have been carried out.
      ambiguous: spec.method !== "GET",
    });
  }

  send(spec: RequestSpec): Promise<HttpAnswer> {
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
      new UnifiApiError(this.redact(`UniFi API: ${spec.operation}: ${message}`), { kind, operation: spec.operation, method: spec.method, path: fullPath, ambiguous: false, ...extra });
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
        } else if (NAME_MISMATCH_CODES.includes(code)) {
          const hint = `the certificate is valid but made for another name: put a name the certificate lists into apiUrl (not ${this.base.hostname}), or have the console's certificate issued for ${this.base.hostname}`;
          settle(() => reject(fail("tls", `TLS verification of ${this.base.origin} failed (${code}: ${error.message}); ${hint}`)));
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
    const said = apiError.message ? `: "${apiError.message}"${apiError.code ? ` (${apiError.code})` : ""}` : apiError.code ? ` (${apiError.code})` : apiError.message === undefined && body.trim() !== "" ? `: not the API's error body, ${preview(body)}` : "";
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
