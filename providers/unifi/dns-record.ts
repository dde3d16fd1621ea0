import * as pulumi from "@pulumi/pulumi";
import { TTL_SECONDS } from "../../config/dns-ttl";
import { type CnamePolicyBody, DEFAULT_TIMEOUT_MS, type DnsPolicy, isLoopbackHost, UnifiApiError, UnifiClient } from "./client";

/**
 * Internal CNAME records on a UniFi gateway, as a Pulumi dynamic provider.
 *
 * The provider's code is serialized into the state of every record, so the provider object holds
 * no settings and no secrets: each record carries its own connection settings and API key as
 * inputs, and its outputs repeat them because `read` and `delete` only ever see the outputs. The
 * key is a secret input and an additional secret output, so it is encrypted in state.
 *
 * Everything the provider reaches (this module and ./client) is copied into state by Pulumi's
 * closure serializer, which has limits: module-level Sets and Maps come out as bare objects,
 * class field initializers are dropped, a variable used before its declaration is lost, and
 * `super(message)` in an Error subclass no longer sets the message. So that code keeps constants
 * in arrays, sets fields (and error messages) in constructors, and declares before use; the tests
 * load the serialized text in the SDK's dynamic provider host to prove it still works.
 */

export interface UnifiDnsRecordArgs {
  /** Console base URL, e.g. `https://192.168.1.1` (the integration API prefix is appended). */
  readonly apiUrl: pulumi.Input<string>;
  /** Site name as shown in the console (or its internal reference, e.g. `default`). */
  readonly site: pulumi.Input<string>;
  /** Network integration API key. Stored encrypted in state. */
  readonly apiKey: pulumi.Input<string>;
  /** PEM certificate(s) to trust for the console; absent: the system trust store. */
  readonly caCert?: pulumi.Input<string>;
  /** Skip TLS verification; only an explicit `true` does. Not together with `caCert`. */
  readonly insecureSkipVerify?: pulumi.Input<boolean>;
  /** Per-request timeout; default 10000. */
  readonly timeoutMs?: pulumi.Input<number>;
  /** The record's lower-case FQDN, e.g. `sonarr.in.hypyr.space`. */
  readonly name: pulumi.Input<string>;
  /** The CNAME target FQDN, e.g. `barbary.in.hypyr.space`. */
  readonly target: pulumi.Input<string>;
  /** Default 300; 0..604800 (the API's range for CNAME records). */
  readonly ttlSeconds?: pulumi.Input<number>;
  /** Whether the gateway serves the record; default true. */
  readonly enabled?: pulumi.Input<boolean>;
  /**
   * Take over the existing policy with this id instead of creating one (its domain must be
   * `name`). Pulumi's `import` resource option cannot work for dynamic providers: the engine's
   * import read sends neither state nor inputs, so the serialized provider is missing
   * (pulumi/pulumi#3550, #16175). Only used when the record is created; remove it afterwards or
   * leave it, either is fine.
   */
  readonly adoptPolicyId?: pulumi.Input<string>;
}

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

export const DEFAULT_TTL_SECONDS = TTL_SECONDS.default;
/** The API's bounds for a CNAME policy's `ttlSeconds` (config/dns-ttl.ts) and for its domain names. */
const MAX_TTL_SECONDS = TTL_SECONDS.max;
const MAX_DOMAIN_LENGTH = 127;
const MIN_TIMEOUT_MS = 50;
const MAX_TIMEOUT_MS = 300_000;
/** What the engine sends for a value not known yet (a preview with unresolved outputs). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const PROVIDER_KEY = "__provider";

/** Changing these moves the record to another domain or gateway: a new record, not an update. */
const REPLACING_KEYS = ["name", "site", "apiUrl"] as const;
/** Changing these changes the record in place. */
const RECORD_KEYS = ["target", "ttlSeconds", "enabled"] as const;
/** Changing only these changes how we reach the console, not the record. */
const CONNECTION_KEYS = ["apiKey", "caCert", "insecureSkipVerify", "timeoutMs"] as const;

type Props = Record<string, unknown>;

/**
 * Serialises the provider's writes; never captured when the provider is serialized.
 *
 * Fields are set in the constructor, not by initializers: Pulumi's closure serializer keeps a
 * class's constructor body but drops its field initializers.
 */
class WriteQueue {
  /** Tells Pulumi's closure serializer to leave this object out; a fresh queue is made on use. */
  readonly doNotCapture: boolean;
  private tail: Promise<void>;

  constructor() {
    this.doNotCapture = true;
    this.tail = Promise.resolve();
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The tail keeps only completion, never results (they hold the API key) nor failures (a failed
    // write must not block the next one).
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class DuplicateDnsRecordError extends Error {
  constructor(
    readonly domain: string,
    readonly existing: readonly DnsPolicy[],
    detail: string,
  ) {
    const described = existing.map(describePolicy).join("; ");
    const message = `UniFi DNS: a record for ${domain} already exists${described ? ` (${described})` : ""}; ${detail}. A second CNAME for one name stops the gateway's DNS and DHCP, so no second record was left in place.${adoptionHint(existing[0])}`;
    super(message);
    // Serialized, `super(message)` becomes `Error.call(this, message)`, which sets nothing on `this`.
    this.message = message;
    this.name = "DuplicateDnsRecordError";
  }
}

function adoptionHint(existing: DnsPolicy | undefined): string {
  if (!existing) return " Delete the other record in the UniFi console, or adopt it by setting adoptPolicyId to its id.";
  if (existing.type !== "CNAME_RECORD") return ` It is a ${existing.type}, which a CNAME record cannot take over: delete it in the UniFi console first.`;
  return ` To manage it with Pulumi, set adoptPolicyId: "${existing.id}" on this record (in the homelab program: homelab:unifi.adopt, key ${existing.domain}; Pulumi's import option does not work for dynamic providers), or delete it in the UniFi console.`;
}

export class UnifiDnsRecordProvider implements pulumi.dynamic.ResourceProvider<DnsRecordInputs, DnsRecordOutputs> {
  private writeQueue: WriteQueue | undefined;

  async check(_olds: DnsRecordInputs, news: DnsRecordInputs): Promise<pulumi.dynamic.CheckResult<DnsRecordInputs>> {
    const raw = news as unknown as Props;
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const text = (key: string) => (typeof raw[key] === "string" ? (raw[key] as string) : undefined);

    const apiUrl = text("apiUrl");
    if (!isUnknown(raw.apiUrl)) {
      const problem = apiUrlProblem(apiUrl);
      if (problem) fail("apiUrl", problem);
    }
    if (!isUnknown(raw.site) && !text("site")?.trim()) fail("site", "site must be the site's name as shown in the UniFi console (e.g. \"Default\"), not empty");
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
    if (!isUnknown(ttlSeconds) && !(Number.isInteger(ttlSeconds) && (ttlSeconds as number) >= 0 && (ttlSeconds as number) <= MAX_TTL_SECONDS)) {
      fail("ttlSeconds", `ttlSeconds must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS} (got ${JSON.stringify(raw.ttlSeconds)})`);
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
    if (raw.adoptPolicyId !== undefined && !isUnknown(raw.adoptPolicyId) && !text("adoptPolicyId")) fail("adoptPolicyId", "adoptPolicyId must be the id of an existing DNS policy");

    const inputs: Props = { ...raw, ttlSeconds, enabled: raw.enabled ?? true };
    delete inputs[PROVIDER_KEY];
    if (typeof raw.name === "string") inputs.name = name;
    if (typeof raw.target === "string") inputs.target = target;
    return { inputs: compact(inputs) as unknown as DnsRecordInputs, failures };
  }

  async diff(_id: string, olds: DnsRecordOutputs, news: DnsRecordInputs): Promise<pulumi.dynamic.DiffResult> {
    const old = olds as unknown as Props;
    const next = comparable(news as unknown as Props);
    const previous = comparable(old);
    const changed = (key: string) => isUnknown(next[key]) || !sameValue(key, previous[key], next[key]);
    const replaces = REPLACING_KEYS.filter(changed);
    const changes = replaces.length > 0 || RECORD_KEYS.some(changed) || CONNECTION_KEYS.some(changed);
    return {
      changes,
      replaces,
      // The same name on what may be the same gateway (another URL for it, another name for the
      // site) would meet the old record and be refused as a duplicate: delete first then. A new
      // name cannot collide, so that case keeps the default create-then-delete.
      deleteBeforeReplace: replaces.length > 0 && !changed("name"),
    };
  }

  async create(inputs: DnsRecordInputs): Promise<pulumi.dynamic.CreateResult<DnsRecordOutputs>> {
    return this.writes().run(async () => {
      const client = clientFor(inputs);
      const siteId = await client.findSiteId(inputs.site);
      const policy = inputs.adoptPolicyId ? await adoptPolicy(client, siteId, inputs, inputs.adoptPolicyId) : await createPolicy(client, siteId, inputs);
      return { id: policy.id, outs: outputsFor(inputs, siteId, policy) };
    });
  }

  async read(id: string, props?: DnsRecordOutputs): Promise<pulumi.dynamic.ReadResult<DnsRecordOutputs>> {
    const stored = (props ?? {}) as Partial<DnsRecordOutputs>;
    const inputs = withDefaults(stored as Props) as unknown as DnsRecordInputs;
    const client = clientFor(inputs);
    // An import hands over the program's inputs: no site id yet, so look it up by name.
    const importing = !stored.siteId;
    const siteId = stored.siteId || (await client.findSiteId(inputs.site));
    const live = await client.getDnsPolicy(siteId, id);
    if (!live) {
      // Only a console that still answers for the site may declare the record gone: a 404 from
      // something else at that address must not drop the record from the state.
      await client.listDnsPolicies(siteId).catch((error: unknown) => {
        if (!(error instanceof UnifiApiError && error.kind === "not-found")) throw error;
      });
      return { id: "", props: {} as DnsRecordOutputs };
    }
    const outs = outputsFor(inputs, siteId, live);
    return importing ? { id, props: outs, inputs: inputsOf(outs) } : { id, props: outs };
  }

  async update(id: string, olds: DnsRecordOutputs, news: DnsRecordInputs): Promise<pulumi.dynamic.UpdateResult<DnsRecordOutputs>> {
    return this.writes().run(async () => {
      const client = clientFor(news);
      const siteId = olds.siteId || (await client.findSiteId(news.site));
      const old = comparable(olds as unknown as Props);
      const next = comparable(news as unknown as Props);
      const recordChanged = RECORD_KEYS.some((key) => !sameValue(key, old[key], next[key]));
      // Only the way to reach the console changed: no write, but a read proves the new settings
      // work and refreshes the live values.
      const policy = recordChanged ? await client.updateDnsPolicy(siteId, id, bodyFor(news)).catch((error: unknown) => rethrowIfGone(error, id, news)) : await client.getDnsPolicy(siteId, id);
      if (!policy) throw goneError(id, news);
      return { outs: outputsFor(news, siteId, policy) };
    });
  }

  async delete(id: string, props: DnsRecordOutputs): Promise<void> {
    return this.writes().run(async () => {
      const client = clientFor(withDefaults(props as unknown as Props) as unknown as DnsRecordInputs);
      const siteId = props.siteId || (await client.findSiteId(props.site));
      await client.deleteDnsPolicy(siteId, id);
    });
  }

  private writes(): WriteQueue {
    this.writeQueue ??= new WriteQueue();
    return this.writeQueue;
  }
}

/**
 * The one provider every record uses. The SDK serializes a provider object once and the dynamic
 * provider host keeps one deserialized provider per serialized text, so sharing this instance
 * gives all records one write queue per process.
 */
export const unifiDnsRecordProvider = new UnifiDnsRecordProvider();


async function createPolicy(client: UnifiClient, siteId: string, inputs: DnsRecordInputs): Promise<DnsPolicy> {
  const before = await client.listDnsPolicies(siteId);
  const clashing = before.filter((policy) => sameDomain(policy.domain, inputs.name));
  if (clashing.length > 0) throw new DuplicateDnsRecordError(inputs.name, clashing, "found before creating");

  let created: DnsPolicy;
  try {
    created = await client.createDnsPolicy(siteId, bodyFor(inputs));
  } catch (error) {
    if (error instanceof UnifiApiError && error.kind === "conflict") {
      const existing = await client.listDnsPolicies(siteId).catch(() => [] as DnsPolicy[]);
      throw new DuplicateDnsRecordError(inputs.name, existing.filter((policy) => sameDomain(policy.domain, inputs.name)), `the console refused the create: ${error.message}`);
    }
    if (error instanceof UnifiApiError && error.ambiguous) throw await cleanUpAfterFailedCreate(client, siteId, inputs.name, before, error);
    throw error;
  }

  // Another writer (or a console that accepts duplicates) may have made a record for the same
  // name meanwhile; two CNAMEs for one name must not stay, so ours goes. If the check itself
  // fails, the record is kept: failing here would leave it in the console but not in the state.
  const after = await client.listDnsPolicies(siteId).catch(() => undefined);
  const others = (after ?? []).filter((policy) => policy.id !== created.id && sameDomain(policy.domain, inputs.name));
  if (others.length > 0) {
    await client.deleteDnsPolicy(siteId, created.id).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DuplicateDnsRecordError(inputs.name, others, `it appeared while this one was being created, and deleting the new record ${created.id} failed (delete it in the console now): ${reason}`);
    });
    throw new DuplicateDnsRecordError(inputs.name, others, `it appeared while this one was being created, so the new record ${created.id} was deleted again`);
  }
  return created;
}

/**
 * After a create that may or may not have happened, removes any record for the name that was not
 * there before, so a retry starts clean, and returns the error to throw.
 */
async function cleanUpAfterFailedCreate(client: UnifiClient, siteId: string, domain: string, before: readonly DnsPolicy[], cause: UnifiApiError): Promise<Error> {
  const known = new Set(before.map((policy) => policy.id));
  try {
    const leftovers = (await client.listDnsPolicies(siteId)).filter((policy) => !known.has(policy.id) && sameDomain(policy.domain, domain));
    for (const policy of leftovers) await client.deleteDnsPolicy(siteId, policy.id);
    const outcome = leftovers.length > 0 ? `cleaned up: deleted the half-made record ${leftovers.map((policy) => policy.id).join(", ")}` : "cleaned up: checked, no record had been made";
    return new UnifiApiError(`${cause.message} — ${outcome}`, cause);
  } catch (cleanupError) {
    const reason = cleanupError instanceof Error ? cleanupError.message : String(cleanupError);
    return new UnifiApiError(`${cause.message} — cleanup failed, check the console for a stray record for ${domain} before retrying: ${reason}`, cause);
  }
}

async function adoptPolicy(client: UnifiClient, siteId: string, inputs: DnsRecordInputs, policyId: string): Promise<DnsPolicy> {
  const existing = await client.getDnsPolicy(siteId, policyId);
  if (!existing) throw new Error(`UniFi DNS: cannot adopt DNS policy ${policyId} for ${inputs.name}: the console has no such policy on site "${inputs.site}"`);
  if (!sameDomain(existing.domain, inputs.name)) throw new Error(`UniFi DNS: cannot adopt DNS policy ${policyId}: it is for ${existing.domain ?? "no domain"}, not ${inputs.name}`);
  if (existing.type !== "CNAME_RECORD") throw new Error(`UniFi DNS: cannot adopt DNS policy ${policyId} for ${inputs.name}: it is a ${existing.type}, not a CNAME_RECORD; delete it in the console and let Pulumi create the record`);
  const others = (await client.listDnsPolicies(siteId)).filter((policy) => policy.id !== policyId && sameDomain(policy.domain, inputs.name));
  if (others.length > 0) throw new DuplicateDnsRecordError(inputs.name, others, `besides the adopted policy ${policyId}`);
  const unchanged = existing.targetDomain?.toLowerCase() === inputs.target && existing.ttlSeconds === inputs.ttlSeconds && existing.enabled === inputs.enabled && existing.domain === inputs.name;
  return unchanged ? existing : client.updateDnsPolicy(siteId, policyId, bodyFor(inputs));
}

function rethrowIfGone(error: unknown, id: string, inputs: DnsRecordInputs): never {
  if (error instanceof UnifiApiError && error.kind === "not-found") throw goneError(id, inputs);
  throw error;
}

function goneError(id: string, inputs: DnsRecordInputs): Error {
  return new Error(`UniFi DNS: the record for ${inputs.name} (policy ${id}) no longer exists on the console; run \`pulumi refresh\` and then \`pulumi up\` to create it again`);
}

function clientFor(inputs: DnsRecordInputs): UnifiClient {
  return new UnifiClient({
    apiUrl: inputs.apiUrl,
    apiKey: inputs.apiKey,
    caCert: inputs.caCert,
    insecureSkipVerify: inputs.insecureSkipVerify,
    timeoutMs: inputs.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

function bodyFor(inputs: DnsRecordInputs): CnamePolicyBody {
  return { type: "CNAME_RECORD", enabled: inputs.enabled, domain: inputs.name, targetDomain: inputs.target, ttlSeconds: inputs.ttlSeconds };
}

/** The stored record: connection settings as given, record fields as the console has them. */
function outputsFor(inputs: DnsRecordInputs, siteId: string, policy: DnsPolicy): DnsRecordOutputs {
  const outs: Props = { ...inputs, siteId, policyId: policy.id };
  delete outs[PROVIDER_KEY];
  outs.name = policy.domain ?? inputs.name;
  outs.target = policy.targetDomain ?? "";
  outs.ttlSeconds = policy.ttlSeconds ?? inputs.ttlSeconds;
  outs.enabled = policy.enabled;
  return compact(outs) as unknown as DnsRecordOutputs;
}

function inputsOf(outs: DnsRecordOutputs): DnsRecordOutputs {
  const inputs: Props = { ...outs };
  delete inputs.siteId;
  delete inputs.policyId;
  return inputs as unknown as DnsRecordOutputs;
}

/**
 * Drops absent values: the dynamic provider host turns results into protobuf Structs, which
 * refuse `undefined`.
 */
function compact(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
}

function withDefaults(props: Props): Props {
  return { ...props, ttlSeconds: props.ttlSeconds ?? DEFAULT_TTL_SECONDS, enabled: props.enabled ?? true };
}

/** For comparing old and new: absent settings read as their defaults. */
function comparable(props: Props): Props {
  const skip = props.insecureSkipVerify;
  return { ...withDefaults(props), insecureSkipVerify: isUnknown(skip) ? skip : skip === true };
}

/** Names compare as DNS does; everything else exactly (absent and null are the same). */
function sameValue(key: string, a: unknown, b: unknown): boolean {
  if ((key === "name" || key === "target") && typeof a === "string" && typeof b === "string") return sameDomain(a, b);
  return a === b || (a ?? undefined) === (b ?? undefined);
}

function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

function stripTrailingDot(value: string | undefined): string | undefined {
  return value?.replace(/\.$/, "");
}

/** Domains compare case-insensitively and without a trailing dot, as DNS does. */
function sameDomain(a: string | undefined, b: string): boolean {
  return a !== undefined && stripTrailingDot(a)?.toLowerCase() === stripTrailingDot(b)?.toLowerCase();
}

function describePolicy(policy: DnsPolicy): string {
  const value = policy.targetDomain ?? policy.ipv4Address ?? policy.ipv6Address;
  return `policy ${policy.id}, ${policy.type}${value ? ` → ${value}` : ""}${policy.enabled ? "" : ", disabled"}`;
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

