import { type CnamePolicyBody, type DnsPolicy, UnifiClient } from "./client";
import { isUnifiError, reasonOf, UnifiApiError, unifiError } from "./errors";
import { compact, type DnsRecordInputs, type DnsRecordOutputs, PROVIDER_KEY, type Props, sameDomain } from "./inputs";
import { DEFAULT_TIMEOUT_MS } from "./transport";

/**
 * What the provider does on the console, in the order the API allows and with the checks it
 * needs: create without ever leaving a second record for a name, adopt an existing policy, and
 * decide that a record is gone only when the console proves it (its site answers a list that
 * lacks the policy). Anything else is an error, which leaves Pulumi's state as it was.
 */

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

/** How to take over an existing policy: the program's config key, and `npm run adopt`, which writes it. */
export function adoptionHint(existing: DnsPolicy | undefined): string {
  if (!existing) return " Delete the other record in the UniFi console, or adopt it by setting adoptPolicyId to its id.";
  if (existing.type !== "CNAME_RECORD") return ` It is a ${existing.type}, which a CNAME record cannot take over: delete it in the UniFi console first.`;
  return ` To manage it with Pulumi, set adoptPolicyId: "${existing.id}" on this record (in the homelab program: homelab:unifi.adopt, key ${existing.domain}, which \`npm run adopt\` writes; Pulumi's import option does not work for dynamic providers), or delete it in the UniFi console.`;
}

export function describePolicy(policy: DnsPolicy): string {
  const value = policy.targetDomain ?? policy.ipv4Address ?? policy.ipv6Address;
  return `policy ${policy.id}, ${policy.type}${value ? ` → ${value}` : ""}${policy.enabled ? "" : ", disabled"}`;
}

export function clientFor(inputs: DnsRecordInputs): UnifiClient {
  return new UnifiClient({ apiUrl: inputs.apiUrl, apiKey: inputs.apiKey, caCert: inputs.caCert, insecureSkipVerify: inputs.insecureSkipVerify, timeoutMs: inputs.timeoutMs ?? DEFAULT_TIMEOUT_MS });
}

export function bodyFor(inputs: DnsRecordInputs): CnamePolicyBody {
  return { type: "CNAME_RECORD", enabled: inputs.enabled, domain: inputs.name, targetDomain: inputs.target, ttlSeconds: inputs.ttlSeconds };
}

/** The stored record: connection settings as given, record fields as the console has them. */
export function outputsFor(inputs: DnsRecordInputs, siteId: string, policy: DnsPolicy): DnsRecordOutputs {
  const outs: Props = { ...inputs, siteId, policyId: policy.id };
  delete outs[PROVIDER_KEY];
  outs.name = policy.domain ?? inputs.name;
  outs.target = policy.targetDomain ?? "";
  outs.ttlSeconds = policy.ttlSeconds ?? inputs.ttlSeconds;
  outs.enabled = policy.enabled;
  return compact(outs) as unknown as DnsRecordOutputs;
}

export function inputsOf(outs: DnsRecordOutputs): DnsRecordOutputs {
  const inputs: Props = { ...outs };
  delete inputs.siteId;
  delete inputs.policyId;
  return inputs as unknown as DnsRecordOutputs;
}

/** The policies of the site that hold `name`, whatever their type. */
export async function policiesFor(client: UnifiClient, siteId: string, name: string): Promise<DnsPolicy[]> {
  return (await client.listDnsPolicies(siteId)).filter((policy) => sameDomain(policy.domain, name));
}

export async function createPolicy(client: UnifiClient, siteId: string, inputs: DnsRecordInputs): Promise<DnsPolicy> {
  const before = await client.listDnsPolicies(siteId);
  const clashing = before.filter((policy) => sameDomain(policy.domain, inputs.name));
  if (clashing.length > 0) throw new DuplicateDnsRecordError(inputs.name, clashing, "found before creating");

  let created: DnsPolicy;
  try {
    created = await client.createDnsPolicy(siteId, bodyFor(inputs));
  } catch (error) {
    if (isUnifiError(error, "conflict")) {
      const existing = await policiesFor(client, siteId, inputs.name).catch(() => [] as DnsPolicy[]);
      throw new DuplicateDnsRecordError(inputs.name, existing, `the console refused the create: ${error.message}`);
    }
    if (isUnifiError(error) && error.ambiguous) throw await cleanUpAfterFailedCreate(client, siteId, inputs.name, before, error);
    throw error;
  }

  // Another writer (or a console that accepts duplicates) may have made a record for the same
  // name meanwhile; two CNAMEs for one name must not stay, so ours goes. If the check itself
  // fails, the record is kept: failing here would leave it in the console but not in the state.
  const after = await client.listDnsPolicies(siteId).catch(() => undefined);
  const others = (after ?? []).filter((policy) => policy.id !== created.id && sameDomain(policy.domain, inputs.name));
  if (others.length > 0) {
    await deleteConfirmed(client, siteId, created.id, inputs.name).catch((error: unknown) => {
      throw new DuplicateDnsRecordError(inputs.name, others, `it appeared while this one was being created, and deleting the new record ${created.id} failed (delete it in the console now): ${reasonOf(error)}`);
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
  const known = before.map((policy) => policy.id);
  try {
    const leftovers = (await policiesFor(client, siteId, domain)).filter((policy) => !known.includes(policy.id));
    for (const policy of leftovers) await deleteConfirmed(client, siteId, policy.id, domain);
    const outcome = leftovers.length > 0 ? `cleaned up: deleted the half-made record ${leftovers.map((policy) => policy.id).join(", ")}` : "cleaned up: checked, no record had been made";
    return new UnifiApiError(`${cause.message} — ${outcome}`, cause);
  } catch (cleanupError) {
    return new UnifiApiError(`${cause.message} — cleanup failed, check the console for a stray record for ${domain} before retrying: ${reasonOf(cleanupError)}`, cause);
  }
}

export async function adoptPolicy(client: UnifiClient, siteId: string, inputs: DnsRecordInputs, policyId: string): Promise<DnsPolicy> {
  const existing = await client.getDnsPolicy(siteId, policyId);
  if (!existing) throw unifiError("not-found", "adopt", `UniFi DNS: cannot adopt DNS policy ${policyId} for ${inputs.name}: the console has no such policy on site "${inputs.site}"`);
  if (!sameDomain(existing.domain, inputs.name)) throw unifiError("rejected", "adopt", `UniFi DNS: cannot adopt DNS policy ${policyId}: it is for ${existing.domain ?? "no domain"}, not ${inputs.name}`);
  if (existing.type !== "CNAME_RECORD") {
    throw unifiError("rejected", "adopt", `UniFi DNS: cannot adopt DNS policy ${policyId} for ${inputs.name}: it is a ${existing.type}, not a CNAME_RECORD; delete it in the console and let Pulumi create the record`);
  }
  const others = (await policiesFor(client, siteId, inputs.name)).filter((policy) => policy.id !== policyId);
  if (others.length > 0) throw new DuplicateDnsRecordError(inputs.name, others, `besides the adopted policy ${policyId}`);
  const unchanged = existing.targetDomain?.toLowerCase() === inputs.target && existing.ttlSeconds === inputs.ttlSeconds && existing.enabled === inputs.enabled && existing.domain === inputs.name;
  return unchanged ? existing : client.updateDnsPolicy(siteId, policyId, bodyFor(inputs));
}

/**
 * Whether a policy the console answered 404 for is really gone: only if its site answers a list
 * of its policies and the policy is not in it. A list that fails (the site is missing, `apiUrl`
 * points at something else that also answers 404, a proxy's HTML page) or that still holds the
 * policy is an error: nothing may be removed from state on an answer that proves nothing.
 */
export async function confirmGone(client: UnifiClient, siteId: string, policyId: string, name: string): Promise<void> {
  let policies: DnsPolicy[];
  try {
    policies = await client.listDnsPolicies(siteId);
  } catch (error) {
    throw unifiError("unconfirmed", "confirm", `UniFi DNS: the console answered 404 for the record for ${name} (policy ${policyId}), but its site ${siteId} could not be listed to confirm that it is gone, so it is kept: ${reasonOf(error)}`);
  }
  if (policies.some((policy) => policy.id === policyId)) {
    throw unifiError("unconfirmed", "confirm", `UniFi DNS: the console answered 404 for the record for ${name} (policy ${policyId}) but still lists it on site ${siteId}; it is kept`);
  }
}

/** Deletes the policy and confirms it is gone; a 404 counts as deleted only once confirmed. */
export async function deleteConfirmed(client: UnifiClient, siteId: string, policyId: string, name: string): Promise<void> {
  const outcome = await client.deleteDnsPolicy(siteId, policyId);
  try {
    await confirmGone(client, siteId, policyId, name);
  } catch (error) {
    if (outcome === "not-found") throw error;
    throw unifiError("unconfirmed", "delete", `UniFi DNS: the console accepted the delete of the record for ${name} (policy ${policyId}), but could not confirm it: ${reasonOf(error).replace(/^UniFi DNS: /, "")}`);
  }
}

export function goneError(id: string, inputs: DnsRecordInputs): Error {
  return new Error(`UniFi DNS: the record for ${inputs.name} (policy ${id}) no longer exists on the console; run \`pulumi refresh\` and then \`pulumi up\` to create it again`);
}
