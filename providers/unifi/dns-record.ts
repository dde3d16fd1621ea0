import * as pulumi from "@pulumi/pulumi";
import { type DnsPolicy, UnifiClient } from "./client";
import { isUnifiError, reasonOf } from "./errors";
import { allKnown, checkInputs, comparable, CONNECTION_KEYS, type DnsRecordInputs, type DnsRecordOutputs, isUnknown, type Props, RECORD_KEYS, REPLACING_KEYS, sameValue, withDefaults } from "./inputs";
import { adoptPolicy, adoptionHint, clientFor, confirmGone, createPolicy, deleteConfirmed, describePolicy, goneError, inputsOf, outputsFor, policiesFor, bodyFor } from "./policies";

export { type DnsRecordInputs, type DnsRecordOutputs, DEFAULT_TTL_SECONDS } from "./inputs";
export { DuplicateDnsRecordError } from "./policies";

/**
 * Internal CNAME records on a UniFi gateway, as a Pulumi dynamic provider.
 *
 * The provider's code is serialized into the state of every record, so the provider object holds
 * no settings and no secrets: each record carries its own connection settings and API key as
 * inputs, and its outputs repeat them because `read` and `delete` only ever see the outputs. The
 * key is a secret input and an additional secret output, so it is encrypted in state.
 *
 * Everything the provider reaches (this module and its siblings) is copied into state by Pulumi's
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
  /** Skip TLS verification; only an explicit `true` does. Not together with `caCert`. @default false */
  readonly insecureSkipVerify?: pulumi.Input<boolean>;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: pulumi.Input<number>;
  /** The record's lower-case FQDN, e.g. `sonarr.in.hypyr.space`. */
  readonly name: pulumi.Input<string>;
  /** The CNAME target FQDN, e.g. `barbary.in.hypyr.space`. */
  readonly target: pulumi.Input<string>;
  /** 0..604800 (the API's range for CNAME records). @default 300 */
  readonly ttlSeconds?: pulumi.Input<number>;
  /** Whether the gateway serves the record. @default true */
  readonly enabled?: pulumi.Input<boolean>;
  /**
   * Take over the existing policy with this id (a UUID) instead of creating one (its domain must
   * be `name`). Pulumi's `import` resource option cannot work for dynamic providers: the engine's
   * import read sends neither state nor inputs, so the serialized provider is missing
   * (pulumi/pulumi#3550, #16175). Only used when the record is created; remove it afterwards or
   * leave it, either is fine. @default none: a new policy is created
   */
  readonly adoptPolicyId?: pulumi.Input<string>;
}

/**
 * Per-process state that must never be serialized: the write queue and the Network version of
 * each console, read once. Fields are set in the constructor, not by initializers: Pulumi's closure
 * serializer keeps a class's constructor body but drops its field initializers.
 */
class ProcessState {
  /** Tells Pulumi's closure serializer to leave this object out; a fresh one is made on use. */
  readonly doNotCapture: boolean;
  private tail: Promise<void>;
  private readonly versions: Record<string, Promise<string>>;

  constructor() {
    this.doNotCapture = true;
    this.tail = Promise.resolve();
    this.versions = {};
  }

  /** Serialises the provider's writes. */
  write<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The tail keeps only completion, never results (they hold the API key) nor failures (a failed
    // write must not block the next one).
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** The console's Network version, asked once per process; below 10.1.68 every call fails. */
  requireVersion(client: UnifiClient): Promise<string> {
    // A failed read is not kept: the next call asks again.
    this.versions[client.origin] ??= client.networkVersion().catch((error: unknown) => {
      delete this.versions[client.origin];
      throw error;
    });
    return this.versions[client.origin]!;
  }
}

export class UnifiDnsRecordProvider implements pulumi.dynamic.ResourceProvider<DnsRecordInputs, DnsRecordOutputs> {
  private state: ProcessState | undefined;

  async check(olds: DnsRecordInputs, news: DnsRecordInputs): Promise<pulumi.dynamic.CheckResult<DnsRecordInputs>> {
    const { inputs, failures } = checkInputs(news as unknown as Props);
    const previous = (olds ?? {}) as Partial<DnsRecordInputs>;
    // A name new to this program (a create, or a replacement under another name) that the console
    // already has must be adopted, not created: refused here, at preview, before any create.
    const newName = !previous.name || !sameValue("name", previous.name, inputs.name);
    if (failures.length === 0 && newName && !inputs.adoptPolicyId && allKnown(inputs as unknown as Props)) {
      const problem = await this.existingRecordProblem(inputs);
      if (problem) failures.push({ property: "name", reason: problem });
    }
    return { inputs, failures };
  }

  async diff(_id: string, olds: DnsRecordOutputs, news: DnsRecordInputs): Promise<pulumi.dynamic.DiffResult> {
    const next = comparable(news as unknown as Props);
    const previous = comparable(olds as unknown as Props);
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
    return this.process().write(async () => {
      const client = await this.ready(inputs);
      const siteId = await client.findSiteId(inputs.site);
      const policy = inputs.adoptPolicyId ? await adoptPolicy(client, siteId, inputs, inputs.adoptPolicyId) : await createPolicy(client, siteId, inputs);
      return { id: policy.id, outs: outputsFor(inputs, siteId, policy) };
    });
  }

  async read(id: string, props?: DnsRecordOutputs): Promise<pulumi.dynamic.ReadResult<DnsRecordOutputs>> {
    const stored = (props ?? {}) as Partial<DnsRecordOutputs>;
    const inputs = withDefaults(stored as Props) as unknown as DnsRecordInputs;
    const client = await this.ready(inputs);
    // An import hands over the program's inputs: no site id yet, so look it up by name.
    const importing = !stored.siteId;
    const siteId = stored.siteId || (await client.findSiteId(inputs.site));
    const live = await client.getDnsPolicy(siteId, id);
    if (!live) {
      // Gone only when the site answers a list without it; anything else throws, keeping the state.
      await confirmGone(client, siteId, id, inputs.name);
      return { id: "", props: {} as DnsRecordOutputs };
    }
    const outs = outputsFor(inputs, siteId, live);
    return importing ? { id, props: outs, inputs: inputsOf(outs) } : { id, props: outs };
  }

  async update(id: string, olds: DnsRecordOutputs, news: DnsRecordInputs): Promise<pulumi.dynamic.UpdateResult<DnsRecordOutputs>> {
    return this.process().write(async () => {
      const client = await this.ready(news);
      const siteId = olds.siteId || (await client.findSiteId(news.site));
      const old = comparable(olds as unknown as Props);
      const next = comparable(news as unknown as Props);
      const recordChanged = RECORD_KEYS.some((key) => !sameValue(key, old[key], next[key]));
      // Only the way to reach the console changed: no write, but a read proves the new settings
      // work and refreshes the live values.
      const policy = recordChanged
        ? await client.updateDnsPolicy(siteId, id, bodyFor(news)).catch((error: unknown) => {
            throw isUnifiError(error, "not-found") ? goneError(id, news) : error;
          })
        : await client.getDnsPolicy(siteId, id);
      if (!policy) throw goneError(id, news);
      return { outs: outputsFor(news, siteId, policy) };
    });
  }

  async delete(id: string, props: DnsRecordOutputs): Promise<void> {
    return this.process().write(async () => {
      const inputs = withDefaults(props as unknown as Props) as unknown as DnsRecordInputs;
      const client = await this.ready(inputs);
      const siteId = props.siteId || (await client.findSiteId(props.site));
      await deleteConfirmed(client, siteId, id, props.name);
    });
  }

  /** A client for the record's console, once its Network version is known to have DNS policies. */
  private async ready(inputs: DnsRecordInputs): Promise<UnifiClient> {
    const client = clientFor(inputs);
    await this.process().requireVersion(client);
    return client;
  }

  /** Why `inputs.name` cannot be created: the console already has it (or cannot be asked). */
  private async existingRecordProblem(inputs: DnsRecordInputs): Promise<string | undefined> {
    let existing: DnsPolicy[];
    try {
      const client = await this.ready(inputs);
      existing = await policiesFor(client, await client.findSiteId(inputs.site), inputs.name);
    } catch (error) {
      return `cannot check the console for an existing record for ${inputs.name} before creating it: ${reasonOf(error)}`;
    }
    if (existing.length === 0) return undefined;
    return `a record for ${inputs.name} already exists on the console (${existing.map(describePolicy).join("; ")}), and the program neither created it nor was told to adopt it; nothing was created.${adoptionHint(existing[0])}`;
  }

  private process(): ProcessState {
    this.state ??= new ProcessState();
    return this.state;
  }
}

/**
 * The one provider every record uses. The SDK serializes a provider object once and the dynamic
 * provider host keeps one deserialized provider per serialized text, so sharing this instance
 * gives all records one write queue and one version check per process.
 */
export const unifiDnsRecordProvider = new UnifiDnsRecordProvider();
