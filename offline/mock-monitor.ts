import * as pulumi from "@pulumi/pulumi";
import type { Invocation, RegisteredOptions, RegisteredResource } from "../lib/registered";

/**
 * Pulumi's mock monitor (`pulumi.runtime.setMocks`), recording every registered resource with the
 * resource options its request carried and every provider call. The offline run answers through it
 * as fake providers; the components' unit tests use it as it is. No engine, no network.
 */

export interface MockHandlers {
  /** The resource's id and state; by default its `name` input (or logical name) and its inputs. */
  resource?(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> } | undefined> | { id: string; state: Record<string, unknown> } | undefined;
  /** A provider function's result; by default the call is refused. */
  call?(args: pulumi.runtime.MockCallArgs): Record<string, unknown>;
}

export interface MockMonitor {
  readonly resources: readonly RegisteredResource[];
  readonly invocations: readonly Invocation[];
  /** Waits until everything the SDK has started to register has reached the monitor. */
  settle(): Promise<void>;
}

/** The parts of the monitor's request the mocks are not told about (parent, options). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getAdditionalsecretoutputsList(): string[];
}

interface Recorded {
  readonly parent: string;
  readonly protect: boolean;
  readonly urn: string;
  readonly dependencies: string[];
  readonly options: RegisteredOptions;
}

const NO_OPTIONS: RegisteredOptions = { ignoreChanges: [], deleteBeforeReplace: false, additionalSecretOutputs: [] };

/**
 * Pulumi's mock monitor for a project and stack, recording every registered resource with its
 * options and every call, answering through `handlers`.
 */
export async function startMockMonitor(project: string, stack: string, handlers: MockHandlers = {}): Promise<MockMonitor> {
  const resources: RegisteredResource[] = [];
  const invocations: Invocation[] = [];
  const requests = new Map<string, Recorded>();

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const answer = (await handlers.resource?.(args)) ?? { id: typeof args.inputs.name === "string" ? args.inputs.name : args.name, state: args.inputs };
        const request = requests.get(`${args.type}::${args.name}`);
        resources.push({
          type: args.type,
          name: args.name,
          parent: request?.parent ?? "",
          protect: request?.protect ?? false,
          urn: request?.urn ?? "",
          dependencies: request?.dependencies ?? [],
          options: request?.options ?? NO_OPTIONS,
          inputs: args.inputs,
        });
        return answer;
      },
      call(args) {
        invocations.push({ token: args.token, args: args.inputs });
        if (!handlers.call) throw new Error(`(offline) unexpected provider call ${args.token}`);
        return handlers.call(args);
      },
    },
    project,
    stack,
    false,
    // What a self-managed backend calls every organization; the stack's self-reference uses it.
    "organization",
  );

  // The mocks are not told a resource's parent or options; the monitor's request carries them.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(request: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    requests.set(`${request.getType()}::${request.getName()}`, {
      parent: request.getParent(),
      protect: request.getProtect(),
      urn: monitor.newUrn(request.getParent(), request.getType(), request.getName()),
      dependencies: request.getDependenciesList(),
      options: {
        ignoreChanges: request.getIgnorechangesList(),
        deleteBeforeReplace: request.getDeletebeforereplace(),
        additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
      },
    });
    return register(request, callback);
  };

  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  return { resources, invocations, settle: () => settings.waitForRPCs() };
}
