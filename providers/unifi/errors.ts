/**
 * The errors the UniFi client and provider raise. Every message is one line and never holds the
 * API key (the client redacts whatever a server echoes).
 *
 * Fields are set in constructors, and each message set again by hand: serialized into a dynamic
 * provider, `super(message)` becomes `Error.call(this, message)`, which leaves `this` without one.
 */

/**
 * - `auth`: key refused; `not-found`: a 404, whatever its body; `conflict`: the API says the
 *   record already exists; `rejected`: any other 4xx; `server`: 5xx; `timeout`; `connection`:
 *   refused, reset, DNS; `tls`: certificate verification; `malformed`: an answer that is not the
 *   JSON the document describes; `config`: unusable connection settings; `version`: a Network
 *   application without DNS policies; `unconfirmed`: the console could not prove a record's fate.
 */
export type UnifiErrorKind = "auth" | "not-found" | "conflict" | "rejected" | "server" | "timeout" | "connection" | "tls" | "malformed" | "config" | "version" | "unconfirmed";

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

export function configError(message: string): UnifiApiError {
  return new UnifiApiError(`UniFi API: connection settings: ${message}`, { kind: "config", operation: "connect", method: "", path: "", ambiguous: false });
}

/** An error of `kind` for `operation`, without an HTTP exchange of its own. */
export function unifiError(kind: UnifiErrorKind, operation: string, message: string): UnifiApiError {
  return new UnifiApiError(message, { kind, operation, method: "", path: "", ambiguous: false });
}

export function isUnifiError(error: unknown, kind?: UnifiErrorKind): error is UnifiApiError {
  return error instanceof UnifiApiError && (kind === undefined || error.kind === kind);
}

/** The message of anything thrown. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
