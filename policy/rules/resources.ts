import type { CustomResource } from "@pulumi/pulumi";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { splitImageReference, type WrittenReference } from "../../images/image-ref";
import { PUBLIC_INGRESS_TYPES, SWARM_TYPES } from "../../lib/resource-types";

/**
 * What the policies read of a resource, and how. Policies see resource inputs as plain JSON:
 * @pulumi/policy 1.21 unwraps Pulumi secrets before a validation runs (server.js deserialises with
 * secrets dropped; only remediations get them back), and a property whose value is unknown during
 * preview throws when read, which the SDK reports as an advisory "can't run ... during preview".
 * The checks therefore read only what they need, and read known parts first. Messages never quote
 * a value that might be secret.
 */

/** Inputs as the engine sends them: untrusted JSON, so every field is optional. */
export interface LabelProps {
  readonly label?: string;
  readonly value?: string;
}

export interface MountProps {
  readonly type?: string;
  readonly source?: string;
  readonly target?: string;
  readonly readOnly?: boolean;
  readonly volumeOptions?: { readonly driverName?: string; readonly driverOptions?: Readonly<Record<string, string>> };
}

export interface PortProps {
  readonly targetPort?: number;
  readonly publishedPort?: number;
  readonly publishMode?: string;
  readonly protocol?: string;
}

export interface ServiceProps {
  readonly name?: string;
  readonly labels?: readonly LabelProps[];
  readonly mode?: { readonly global?: boolean; readonly replicated?: { readonly replicas?: number } };
  readonly taskSpec?: {
    readonly containerSpec?: {
      readonly image?: string;
      readonly env?: Readonly<Record<string, string>>;
      readonly mounts?: readonly MountProps[];
    };
    readonly placement?: { readonly constraints?: readonly string[] };
  };
  readonly endpointSpec?: { readonly ports?: readonly PortProps[] };
}

export interface SecretProps {
  readonly name?: string;
  readonly data?: string;
}

export interface DnsRecordProps {
  readonly name?: string;
  readonly type?: string;
  readonly content?: string;
  readonly proxied?: boolean;
  readonly ttl?: number;
}

export interface TunnelIngressProps {
  readonly hostname?: string;
  readonly path?: string;
  readonly service?: string;
}

export interface TunnelConfigProps {
  readonly config?: { readonly ingresses?: readonly TunnelIngressProps[] };
}

/** The provider types the pack checks (lib/resource-types.ts: constants only, nothing loaded). */
export const RESOURCE_TYPES = {
  service: SWARM_TYPES.service,
  secret: SWARM_TYPES.secret,
  dnsRecord: PUBLIC_INGRESS_TYPES.record,
  tunnelConfig: PUBLIC_INGRESS_TYPES.tunnelConfig,
} as const;

/** The component the program parents its tunnel, tunnel rules and public records to. */
export const PUBLIC_INGRESS_TYPE = PUBLIC_INGRESS_TYPES.component;

type ResourceClass<TProps> = { new (name: string, props: TProps, ...rest: any[]): CustomResource; readonly __pulumiType: string };

/**
 * What `validateResourceOfType` needs from a resource class: its type token (`__pulumiType`, which
 * also lets the SDK skip other types without calling the policy). A marker instead of the provider
 * SDK's class keeps @pulumi/docker and @pulumi/cloudflare out of the analyzer process.
 */
function resourceType<TProps>(token: string): ResourceClass<TProps> {
  const marker = class {
    static readonly __pulumiType = token;
    constructor() {
      throw new Error(`${token}: a type marker for policies, not a resource`);
    }
  };
  return marker as unknown as ResourceClass<TProps>;
}

export const DockerService = resourceType<ServiceProps>(RESOURCE_TYPES.service);
export const DockerSecret = resourceType<SecretProps>(RESOURCE_TYPES.secret);
export const DnsRecord = resourceType<DnsRecordProps>(RESOURCE_TYPES.dnsRecord);
export const TunnelConfig = resourceType<TunnelConfigProps>(RESOURCE_TYPES.tunnelConfig);

/**
 * A plain copy of an input array, read by index: the SDK hands over proxies that check every read
 * for unknown values, and the copy keeps Array methods off them.
 */
export function list<T>(value: readonly T[] | undefined | null): T[] {
  const out: T[] = [];
  if (!Array.isArray(value)) return out;
  for (let index = 0; index < value.length; index++) out.push(value[index] as T);
  return out;
}

/** A service's labels, whichever form the engine hands them in. */
export function labelsOf(service: ServiceProps): Map<string, string> {
  const labels = new Map<string, string>();
  for (const entry of list(service.labels)) {
    if (typeof entry?.label === "string") labels.set(entry.label, typeof entry.value === "string" ? entry.value : "");
  }
  return labels;
}

/** The swarm service's name, or the Pulumi name when the inputs carry none. */
export function nameOf(service: ServiceProps, args: ResourceValidationArgs): string {
  return typeof service.name === "string" ? service.name : args.name;
}

/** A service's container spec, or an empty one. */
export function containerOf(service: ServiceProps) {
  return service.taskSpec?.containerSpec ?? {};
}

/** The service's image as written, or undefined when it names no repository at all. */
export function imageOf(service: ServiceProps): (WrittenReference & { readonly reference: string }) | undefined {
  const reference = containerOf(service).image;
  if (typeof reference !== "string") return undefined;
  const image = splitImageReference(reference.trim());
  return image.name === "" ? undefined : { ...image, reference };
}

/** Config values are JSON the operator wrote; take only entries of the expected shape. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item.length > 0) : [];
}

/** The string entries of a config value that is an object; anything else is empty. */
export function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1].trim().length > 0));
}
