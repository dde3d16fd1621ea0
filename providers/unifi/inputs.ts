import { DEFAULT_TTL_SECONDS, MAX_DOMAIN_LENGTH, MAX_TTL_SECONDS, MIN_TTL_SECONDS, UUID_PATTERN } from "./contract";
import { isLoopbackHost } from "./transport";

/**
 * A record's inputs: their shape, the provider's `check` of them (every failure naming its
 * field), and the comparisons `diff` and the writes make. Pure: no request is made here.
 */

/** Inputs after `check`: plain values with defaults filled in. */
export interface DnsRecordInputs {
  readonly apiUrl: string;
  readonly site: string;
  readonly apiKey: string;
  readonly caCert?: string;
  readonly insecureSkipVerify?: boolean;
  readonly timeoutMs?: number;
  readonly name: string;
  readonly target: string;
  readonly ttlSeconds: number;
  readonly enabled: boolean;
  readonly adoptPolicyId?: string;
}

export interface DnsRecordOutputs extends DnsRecordInputs {
  readonly siteId: string;
  readonly policyId: string;
}

export type Props = Record<string, unknown>;

export interface InputFailure {
  readonly property: string;
  readonly reason: string;
}

export { DEFAULT_TTL_SECONDS };
const MIN_TIMEOUT_MS = 50;
const MAX_TIMEOUT_MS = 300_000;
/** What the engine sends for a value not known yet (a preview with unresolved outputs). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const PROVIDER_KEY = "__provider";

/** Changing these moves the record to another domain or gateway: a new record, not an update. */
export const REPLACING_KEYS = ["name", "site", "apiUrl"] as const;
/** Changing these changes the record in place. */
export const RECORD_KEYS = ["target", "ttlSeconds", "enabled"] as const;
/** Changing only these changes how we reach the console, not the record. */
export const CONNECTION_KEYS = ["apiKey", "caCert", "insecureSkipVerify", "timeoutMs"] as const;

/** The inputs with their defaults, and every problem with them, each naming its field. */
export function checkInputs(raw: Props): { inputs: DnsRecordInputs; failures: InputFailure[] } {
  const failures: InputFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const text = (key: string) => (typeof raw[key] === "string" ? (raw[key] as string) : undefined);

  const apiUrl = text("apiUrl");
  if (!isUnknown(raw.apiUrl)) {
    const problem = apiUrlProblem(apiUrl);
    if (problem) fail("apiUrl", problem);
  }
  if (!isUnknown(raw.site) && !text("site")?.trim()) fail("site", 'site must be the site\'s name as shown in the UniFi console (e.g. "Default"), not empty');
  if (!isUnknown(raw.apiKey) && !text("apiKey")) fail("apiKey", "apiKey must be a non-empty Network integration API key");

  const name = stripTrailingDot(text("name"));
  if (!isUnknown(raw.name)) {
    const problem = fqdnProblem(name, "name");
    if (problem) fail("name", problem);
    else if (name !== name?.toLowerCase()) fail("name", `name must be lower case (got "${name}")`);
  }
  const target = stripTrailingDot(text("target"))?.toLowerCase();
  if (!isUnknown(raw.target)) {
    const problem = fqdnProblem(target, "target");
    if (problem) fail("target", problem);
    else if (target === name) fail("target", "target must differ from name: a CNAME pointing at itself never resolves");
  }

  const ttlSeconds = raw.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!isUnknown(ttlSeconds) && !(Number.isInteger(ttlSeconds) && (ttlSeconds as number) >= MIN_TTL_SECONDS && (ttlSeconds as number) <= MAX_TTL_SECONDS)) {
    fail("ttlSeconds", `ttlSeconds must be a whole number of seconds from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} (got ${JSON.stringify(raw.ttlSeconds)})`);
  }
  if (raw.timeoutMs !== undefined && !isUnknown(raw.timeoutMs)) {
    const timeout = raw.timeoutMs;
    if (!(Number.isInteger(timeout) && (timeout as number) >= MIN_TIMEOUT_MS && (timeout as number) <= MAX_TIMEOUT_MS)) {
      fail("timeoutMs", `timeoutMs must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS} (got ${JSON.stringify(timeout)})`);
    }
  }
  for (const key of ["insecureSkipVerify", "enabled"]) {
    if (raw[key] !== undefined && !isUnknown(raw[key]) && typeof raw[key] !== "boolean") fail(key, `${key} must be true or false (got ${JSON.stringify(raw[key])})`);
  }
  const caCert = text("caCert");
  if (raw.caCert !== undefined && !isUnknown(raw.caCert)) {
    if (!caCert || !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(caCert)) {
      fail("caCert", "caCert must be a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), the console's own or its CA's");
    }
    if (raw.insecureSkipVerify === true) fail("caCert", "set either caCert (verify against this certificate) or insecureSkipVerify: true (no verification), not both");
  }
  if (raw.insecureSkipVerify === true && apiUrl?.startsWith("http://")) fail("insecureSkipVerify", "insecureSkipVerify only applies to https:// URLs");
  if (raw.adoptPolicyId !== undefined && !isUnknown(raw.adoptPolicyId) && !UUID_PATTERN.test(text("adoptPolicyId") ?? "")) {
    fail("adoptPolicyId", `adoptPolicyId must be the UUID of an existing DNS policy, such as 6f1c1c4e-2b7a-4c1e-9d3f-0a1b2c3d4e5f (got ${JSON.stringify(raw.adoptPolicyId)})`);
  }

  const inputs: Props = { ...raw, ttlSeconds, enabled: raw.enabled ?? true };
  delete inputs[PROVIDER_KEY];
  if (typeof raw.name === "string") inputs.name = name;
  if (typeof raw.target === "string") inputs.target = target;
  return { inputs: compact(inputs) as unknown as DnsRecordInputs, failures };
}

/** Whether every input a request needs is known (not a preview's unknown value). */
export function allKnown(inputs: Props): boolean {
  return ["apiUrl", "site", "apiKey", "name", "caCert", "insecureSkipVerify", "timeoutMs", "adoptPolicyId"].every((key) => !isUnknown(inputs[key]));
}

/**
 * Drops absent values: the dynamic provider host turns results into protobuf Structs, which
 * refuse `undefined`.
 */
export function compact(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
}

export function withDefaults(props: Props): Props {
  return { ...props, ttlSeconds: props.ttlSeconds ?? DEFAULT_TTL_SECONDS, enabled: props.enabled ?? true };
}

/** For comparing old and new: absent settings read as their defaults. */
export function comparable(props: Props): Props {
  const skip = props.insecureSkipVerify;
  return { ...withDefaults(props), insecureSkipVerify: isUnknown(skip) ? skip : skip === true };
}

/** Names compare as DNS does; everything else exactly (absent and null are the same). */
export function sameValue(key: string, a: unknown, b: unknown): boolean {
  if ((key === "name" || key === "target") && typeof a === "string" && typeof b === "string") return sameDomain(a, b);
  return a === b || (a ?? undefined) === (b ?? undefined);
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

function stripTrailingDot(value: string | undefined): string | undefined {
  return value?.replace(/\.$/, "");
}

/** Domains compare case-insensitively and without a trailing dot, as DNS does. */
export function sameDomain(a: string | undefined, b: string): boolean {
  return a !== undefined && stripTrailingDot(a)?.toLowerCase() === stripTrailingDot(b)?.toLowerCase();
}

function fqdnProblem(value: string | undefined, field: string): string | undefined {
  if (!value) return `${field} must be a fully qualified domain name such as sonarr.in.hypyr.space, not empty`;
  if (value.length > MAX_DOMAIN_LENGTH) return `${field} must be at most ${MAX_DOMAIN_LENGTH} characters (the console's limit); got ${value.length}`;
  const labels = value.split(".");
  if (labels.length < 2) return `${field} must be a fully qualified domain name with at least two labels, such as sonarr.in.hypyr.space (got "${value}")`;
  const bad = labels.find((label) => !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
  if (bad !== undefined) return `${field} "${value}" has an invalid label "${bad}": labels are 1-63 letters, digits or inner hyphens (no wildcards)`;
  return undefined;
}

function apiUrlProblem(value: string | undefined): string | undefined {
  if (!value) return "apiUrl must be the console's base URL, e.g. https://192.168.1.1";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `apiUrl "${value}" is not a URL; expected the console's base URL, e.g. https://192.168.1.1`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `apiUrl must be an http(s) URL (got ${url.protocol}//)`;
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) return `apiUrl must use https://: plain http would send the API key unencrypted (http:// is only accepted for this machine, for tests)`;
  if (url.username || url.password) return "apiUrl must not carry credentials; put the key in apiKey";
  if (url.search || url.hash) return "apiUrl must not have a query or fragment";
  if (url.pathname.includes("/proxy/network")) return `apiUrl must be the console's base URL without the API path (got ${url.pathname}); /proxy/network/integration/v1 is appended`;
  return undefined;
}
