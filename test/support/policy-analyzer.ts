import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type EnforcementLevel, type ResourceValidationArgs, unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import { isSecretWrapper } from "../../lib/registered";
import { type OfflineRun } from "../../offline/run";
import { POLICIES, POLICY_PACK_NAME } from "../../policy/policies";
import { PUBLIC_INGRESS_TYPE, RESOURCE_TYPES } from "../../policy/rules/resources";

/**
 * The policy pack, exercised the way @pulumi/policy 1.21's analyzer runs it (server.js,
 * makeAnalyzeRpcFun): a policy whose one validation names another resource type is skipped; else
 * every validation gets the inputs with Pulumi secrets unwrapped (as the SDK hands them to
 * validations) behind the SDK's own unknown-checking proxy, the registration's options and the
 * policy's config; findings are worded as the SDK words its diagnostics. No PolicyPack is
 * constructed (that starts a gRPC server); test/policy/pack.test.ts starts the real one and checks
 * that it answers exactly as this does.
 */

export interface TestResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The parent's URN. */
  readonly parent?: string;
  readonly additionalSecretOutputs?: readonly string[];
}

/** One diagnostic, as the SDK sends it to the engine. */
export interface Finding {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly resource: string;
  /** The policy's description, which the SDK sets on every diagnostic. */
  readonly description: string;
  /** For a violation the description, a line break and what the policy reported; for a policy that read an unknown value, the SDK's own words. */
  readonly message: string;
}

/** `--policy-pack-config` as a file holds it: per policy, a level or a level with properties. */
export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

/** The pack as the SDK names it in messages: the name given to PolicyPack (policy/index.ts), `@v`, policy/package.json's version. */
export const POLICY_PACK = `${POLICY_PACK_NAME}@v${(JSON.parse(readFileSync(path.join(__dirname, "..", "..", "policy", "package.json"), "utf8")) as { version: string }).version}`;

/**
 * `asType` and `notApplicable` are not modelled, since nothing reaches them: no policy calls them,
 * and validateResourceOfType, which every policy uses, calls `notApplicable` only for a resource of
 * another type, which the SDK's type check skips first (`isType`, which it asks of every resource
 * it gets, is modelled). A policy that starts to use one fails here instead of meeting a guess.
 */
const unmodelled = (name: string) => (): never => {
  throw new Error(`args.${name} is not modelled by test/support/policy-analyzer.ts; model it as @pulumi/policy's server.js does`);
};

/** The SDK's wording (makeReportViolationFun): the description, then the policy's message on a line of its own. */
const violation = (description: string, message: string) => (message ? `${description}\n${message}` : description);

/** What the policy itself said: a violation's message without the description the SDK puts first. */
export function reported(finding: Finding): string {
  if (finding.message === finding.description) return "";
  return finding.message.startsWith(`${finding.description}\n`) ? finding.message.slice(finding.description.length + 1) : finding.message;
}

/** What the SDK does to a secret before a validation sees it: the plain value. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  return value;
}

export async function analyze(resources: readonly TestResource[], config: PackConfig = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const policy of POLICIES) {
    const configured = config[policy.name];
    const settings = typeof configured === "string" ? { enforcementLevel: configured } : (configured ?? {});
    const { enforcementLevel: configuredLevel, ...properties } = settings;
    const level = configuredLevel ?? policy.enforcementLevel ?? "mandatory";
    if (level === "disabled" || policy.validateResource === undefined) continue;
    // The SDK's fast check: a single validation that carries a type (validateResourceOfType) runs only on that type.
    const carried: unknown = Array.isArray(policy.validateResource) ? undefined : (policy.validateResource as { __pulumiType?: unknown }).__pulumiType;
    const pulumiType = typeof carried === "string" && carried.length > 0 ? carried : undefined;
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const resource of resources) {
      if (pulumiType !== undefined && resource.type !== pulumiType) continue;
      const props = unknownCheckingProxy(unwrapSecrets(resource.inputs) as Record<string, unknown>);
      const args: ResourceValidationArgs = {
        type: resource.type,
        name: resource.name,
        urn: `urn:pulumi:test::homelab::${resource.type}::${resource.name}`,
        props,
        opts: {
          protect: false,
          ignoreChanges: [],
          aliases: [],
          customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
          additionalSecretOutputs: [...(resource.additionalSecretOutputs ?? [])],
          ...(resource.parent !== undefined ? { parent: resource.parent } : {}),
        },
        stackTags: new Map(),
        isType: (resourceClass) => (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === resource.type,
        asType: unmodelled("asType"),
        getConfig: <T extends object>() => properties as T,
        notApplicable: unmodelled("notApplicable"),
      };
      const found = (finding: Omit<Finding, "policy" | "resource" | "description">) => findings.push({ policy: policy.name, resource: resource.name, description: policy.description, ...finding });
      for (const validation of validations) {
        try {
          await validation(args, (message) => found({ level, message: violation(policy.description, message) }));
        } catch (error) {
          // Typed loosely by the SDK's declarations (marked internal), exported at run time.
          if (error instanceof UnknownValueError) {
            found({ level: "advisory", message: `can't run policy '${policy.name}' from policy pack '${POLICY_PACK}' during preview: ${(error as Error).message}` });
            continue;
          }
          throw error;
        }
      }
    }
  }
  return findings;
}

/**
 * What the named policies report about the resources, as `<policy>: <message>` in the order they
 * report it: one table case's expected violations.
 */
export async function violations(policies: readonly string[], resources: TestResource | readonly TestResource[], config: PackConfig = {}): Promise<string[]> {
  const findings = await analyze(Array.isArray(resources) ? resources : [resources as TestResource], config);
  return findings.filter((finding) => policies.includes(finding.policy)).map((finding) => `${finding.policy}: ${reported(finding)}`);
}

/** A rendered lab's registrations as the engine would hand them to the pack. */
export function renderedResources(run: OfflineRun): TestResource[] {
  return run.resources.map((resource) => ({
    type: resource.type,
    name: resource.name,
    inputs: resource.inputs,
    parent: resource.parent,
    additionalSecretOutputs: resource.options.additionalSecretOutputs,
  }));
}

export interface ServiceShape {
  readonly image?: string;
  readonly labels?: Record<string, string>;
  readonly env?: Record<string, unknown>;
  readonly mounts?: readonly Record<string, unknown>[];
  readonly constraints?: readonly string[];
  readonly ports?: readonly Record<string, unknown>[];
  readonly global?: boolean;
}

/** A swarm service's inputs as @pulumi/docker registers them, reduced to what the policies read. */
export function service(name: string, shape: ServiceShape = {}): TestResource {
  return {
    type: RESOURCE_TYPES.service,
    name,
    inputs: {
      name,
      labels: Object.entries(shape.labels ?? {}).map(([label, value]) => ({ label, value })),
      mode: shape.global ? { global: true } : { replicated: { replicas: 1 } },
      taskSpec: {
        containerSpec: {
          image: shape.image ?? "nginx:1.27.3",
          ...(shape.env ? { env: shape.env } : {}),
          mounts: shape.mounts ?? [],
        },
        ...(shape.constraints ? { placement: { constraints: shape.constraints } } : {}),
      },
      ...(shape.ports ? { endpointSpec: { ports: shape.ports } } : {}),
    },
  };
}

export const bind = (source: string, target: string, readOnly = false) => ({ type: "bind", source, target, readOnly });
export const volume = (source: string, target: string) => ({ type: "volume", source, target, readOnly: false });
export const SOCKET = "/var/run/docker.sock";

/** The SDK's sentinel for a string that is unknown during preview. */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A swarm secret's inputs; @pulumi/docker's Secret registers `data` in additionalSecretOutputs. */
export const swarmSecret = (name: string, inputs: Record<string, unknown>, additionalSecretOutputs: readonly string[]): TestResource => ({
  type: RESOURCE_TYPES.secret,
  name,
  inputs: { name, ...inputs },
  additionalSecretOutputs,
});

export const TUNNEL_ID = "982a903b-099f-4cbc-88ba-182436554578";
export const INGRESS_PARENT = `urn:pulumi:prod::homelab::${PUBLIC_INGRESS_TYPE}::public-ingress`;

/** A public DNS record as the public ingress registers one: a proxied CNAME to the tunnel. */
export const tunnelRecord = (name: string, inputs: Record<string, unknown>, parent = INGRESS_PARENT): TestResource => ({
  type: RESOURCE_TYPES.dnsRecord,
  name: `public-ingress-record-${name}`,
  parent,
  inputs: { zoneId: "ddce6d6c99c8c4cb71d57f003c8e1c13", name, type: "CNAME", content: `${TUNNEL_ID}.cfargotunnel.com`, proxied: true, ttl: 1, ...inputs },
});

/**
 * Resources holding a value the engine cannot know during preview, which the SDK's proxy refuses
 * to read. Their policies' tests judge them with this analyzer; test/policy/pack.test.ts sends
 * them to the real pack, which holds this analyzer to the SDK's handling of that path.
 */
export const PREVIEW_UNKNOWNS = {
  /** An unproxied record whose tunnel id is not known yet. */
  tunnelTarget: tunnelRecord("d.example.com", { proxied: false, content: UNKNOWN_STRING }),
  /** A secret whose data comes from a resource not yet created. */
  secretData: swarmSecret("caddy_cloudflared_TUNNEL_TOKEN-5e6f7a8b", { data: UNKNOWN_STRING }, ["data"]),
} as const;
