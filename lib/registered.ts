import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { STACK_NAMESPACE_LABEL } from "./naming";
import { SWARM_TYPES } from "./resource-types";

/**
 * What a run under the mock monitor registered, and the one typed reader of it. The render, drift's
 * desired state, the Caddyfile builder and the tests read registered resources through this module
 * and nothing else.
 */

export interface RegisteredOptions {
  readonly ignoreChanges: readonly string[];
  readonly deleteBeforeReplace: boolean;
  readonly additionalSecretOutputs: readonly string[];
}

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  /** The parent's URN (components are parented to the stack's root). */
  readonly parent: string;
  /** Registered with `protect`: the engine refuses to delete or replace it. */
  readonly protect: boolean;
  readonly urn: string;
  /** URNs this resource waits for (its `dependsOn` and the resources its inputs come from). */
  readonly dependencies: readonly string[];
  /** Resource options as the monitor received them (absent ones are empty). */
  readonly options: RegisteredOptions;
  /** Inputs as the engine received them; Pulumi secrets stay wrapped (see `isSecretWrapper`). */
  readonly inputs: Record<string, unknown>;
}

/** A provider function the program called (a lookup or a read). */
export interface Invocation {
  readonly token: string;
  readonly args: Record<string, unknown>;
}

/** The secret marker the SDK leaves on secret values it serialises to the engine. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a registered value is a Pulumi secret (the wrapper the SDK serialises secrets in). */
export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Docker labels as registered (`[{label, value}]`) as a map, leaving out the keys in `drop`. */
export function labelMap(list: unknown, drop: readonly string[] = []): Record<string, string> {
  const entries = ((list ?? []) as { label: unknown; value: unknown }[]).filter((entry) => !drop.includes(String(entry.label)));
  return Object.fromEntries(entries.map((entry) => [String(entry.label), String(entry.value)]));
}

/**
 * A resource's inputs, typed by its arguments: plain values as the monitor received them. Where the
 * program marked a value secret it arrives as a wrapper (`isSecretWrapper`); under the mock an
 * other resource's ID is its name.
 */
export function inputsOf<Args>(resource: RegisteredResource): pulumi.Unwrap<Args> {
  return resource.inputs as pulumi.Unwrap<Args>;
}

export type ServiceInputs = pulumi.Unwrap<docker.ServiceArgs>;
export type TaskInputs = ServiceInputs["taskSpec"];
export type ContainerInputs = TaskInputs["containerSpec"];

/** A registered swarm service, with the parts every reader wants. */
export interface RegisteredService {
  readonly resource: RegisteredResource;
  /** The swarm name, `<stack>_<service>`. */
  readonly name: string;
  /** Its stack (the namespace label). */
  readonly stack: string;
  readonly labels: Record<string, string>;
  readonly containerLabels: Record<string, string>;
  readonly inputs: ServiceInputs;
  readonly task: TaskInputs;
  readonly container: ContainerInputs;
}

/** A registered value that is text, or how it shows when it is not (a secret, unknown). */
export function text(value: unknown): string {
  return isSecretWrapper(value) ? "(secret)" : typeof value === "string" ? value : "(computed)";
}

/** A registered swarm service, read: its name, labels, container and task spec. */
export function serviceOf(resource: RegisteredResource): RegisteredService {
  const inputs = inputsOf<docker.ServiceArgs>(resource);
  const task = inputs.taskSpec ?? ({} as TaskInputs);
  const container = task.containerSpec ?? ({} as ContainerInputs);
  const labels = labelMap(inputs.labels);
  return { resource, name: String(inputs.name), stack: labels[STACK_NAMESPACE_LABEL] ?? "", labels, containerLabels: labelMap(container.labels), inputs, task, container };
}

/** The registered resources of one type token. */
export function ofType(resources: readonly RegisteredResource[], type: string): RegisteredResource[] {
  return resources.filter((resource) => resource.type === type);
}

/** Every registered swarm service, in registration order. */
export function registeredServices(resources: readonly RegisteredResource[]): RegisteredService[] {
  return ofType(resources, SWARM_TYPES.service).map(serviceOf);
}

/** The registered service of that swarm name; throws naming it when there is none. */
export function registeredService(resources: readonly RegisteredResource[], swarmName: string): RegisteredService {
  const found = registeredServices(resources).find((candidate) => candidate.name === swarmName);
  if (!found) throw new Error(`no service ${swarmName} was registered`);
  return found;
}
