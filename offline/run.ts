import * as pulumi from "@pulumi/pulumi";
import { lacksOnePasswordCredentials, parseConfig, PROJECT } from "../config";
import { ONEPASSWORD_CALLS, PUBLIC_INGRESS_TYPES, STACK_REFERENCE_TYPE, SWARM_TYPES } from "../lib/resource-types";
import { STACKS } from "../lab";
import { type EvaluatedLab, evaluateLab } from "../evaluation/evaluate-lab";
import { type DeployOptions, deployLab, type LabOutputs } from "../program";
import { digest, FAKE_TUNNEL_TOKEN_KEY, fakeFieldValues, fakeUuid } from "./fake-secrets";
import { startMockMonitor } from "./mock-monitor";
import type { Invocation, RegisteredResource } from "../lib/registered";
import { readStackConfig } from "../config/stack-file";

/**
 * Runs the program under Pulumi's mock monitor: no engine, no providers, no credentials, no
 * network. Secret reads are answered with fake values, and every registered resource and every
 * provider call is recorded. The offline render and the tests both use it.
 */

export interface OfflineRun {
  readonly resources: readonly RegisteredResource[];
  readonly invocations: readonly Invocation[];
  readonly outputs: LabOutputs;
  /**
   * The fake value handed out for each secret field, keyed `<item>/<field>`, and for each secret
   * a fake provider produced (the tunnel token), keyed `program:<name>`.
   */
  readonly fakeSecrets: ReadonlyMap<string, string>;
  /** The lab as the program evaluated it (for annotating a render). */
  readonly lab: EvaluatedLab;
}

export interface OfflineOptions {
  /** Pulumi stack whose `Pulumi.<stack>.yaml` is read. @default "prod" */
  readonly stack?: string;
  /** Config to use instead of the file: `<namespace>:<key>` → value as Pulumi stores it. */
  readonly rawConfig?: Readonly<Record<string, string>>;
  /** The outputs of the stack's last update, as its self-reference would read them. @default none */
  readonly previousOutputs?: Readonly<Record<string, unknown>>;
  /** Every create (not a read, not a component) takes this long (the parallelism benchmark). @default 0 */
  readonly latencyMs?: number;
  /**
   * A service registered with `convergeConfig` takes this much longer still: the provider waits
   * for its tasks to run before the create returns (the parallelism benchmark). @default 0
   */
  readonly convergeMs?: number;
  /** 1Password items whose read fails, to rehearse an outage. */
  readonly failingItems?: readonly string[];
  readonly deploy?: Omit<DeployOptions, "config">;
}

/** The program failed; carries what it had registered and called before it did. */
export class OfflineRunError extends Error {
  constructor(
    readonly cause: Error,
    readonly resources: readonly RegisteredResource[],
    readonly invocations: readonly Invocation[],
  ) {
    super(cause.message);
    this.name = cause.name;
  }
}

/** A create the provider only reports done once the service's tasks run (its converge config). */
export function waitsToConverge(type: string, inputs: Readonly<Record<string, unknown>>): boolean {
  return type === SWARM_TYPES.service && inputs.convergeConfig !== undefined;
}

/**
 * Runs the program for a stack under the mock monitor with fake secret values, and returns what
 * it registered and called.
 */
export async function runOffline(options: OfflineOptions = {}): Promise<OfflineRun> {
  const stack = options.stack ?? "prod";
  // Offline review must work where no registry can be reached: a tag-only image missing from the
  // lock is planned by tag and listed in `lab.unlockedImages`, where `pulumi preview` refuses it.
  const images = { unlocked: "allow" as const, ...options.deploy?.images };
  const raw: Record<string, string> = { ...(options.rawConfig ?? readStackConfig(stack)) };
  const secretKeys: string[] = [];

  // The program insists on credentials for 1Password; offline, its reads are answered by the
  // mocks below, so a placeholder token stands in (marked secret, as a real one would be).
  if (lacksOnePasswordCredentials(raw)) {
    raw["onepassword:serviceAccountToken"] = "offline-render-no-real-token";
    secretKeys.push("onepassword:serviceAccountToken");
  }

  // Fake values for exactly the fields this configuration of the lab reads. If the config is
  // invalid, this evaluation is skipped and the program itself reports the problem below.
  let fakes = new Map<string, string>();
  let lab: EvaluatedLab | undefined;
  try {
    const config = parseConfig(raw, { purpose: "evaluate" }).homelab;
    lab = evaluateLab(config, options.deploy?.definitions ?? STACKS, undefined, images);
    fakes = fakeFieldValues(lab, config);
    if (config.secrets.source !== "onepassword" && raw[`${PROJECT}:secretValues`] === undefined) {
      raw[`${PROJECT}:secretValues`] = JSON.stringify(Object.fromEntries(fakes));
      secretKeys.push(`${PROJECT}:secretValues`);
    }
  } catch {
    // reported by the program run
  }

  const failing = new Set(options.failingItems ?? []);
  const itemsByTitle = new Map<string, { label: string; value: string }[]>();
  for (const [key, value] of fakes) {
    const [item, ...field] = key.split("/");
    const fields = itemsByTitle.get(item!) ?? [];
    fields.push({ label: field.join("/"), value });
    itemsByTitle.set(item!, fields);
  }

  // The providers, faked: every create is answered with its inputs, the lookups and reads the
  // program makes (1Password, the Cloudflare zone and tunnel token, its own last outputs) too.
  const monitor = await startMockMonitor(PROJECT, stack, {
    async resource(args) {
      // Creates take the latency. Not reads of existing resources (an `id` is given: lookups),
      // nor providers (the engine configures them in-process; nothing is created).
      const creates = args.custom && !args.id && !args.type.startsWith("pulumi:providers:");
      const wait = creates ? (options.latencyMs ?? 0) + (waitsToConverge(args.type, args.inputs) ? (options.convergeMs ?? 0) : 0) : 0;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (args.type === PUBLIC_INGRESS_TYPES.tunnel) return { id: fakeUuid(args.name), state: args.inputs };
      if (args.type === STACK_REFERENCE_TYPE) {
        return { id: String(args.inputs.name), state: { ...args.inputs, outputs: options.previousOutputs ?? {}, secretOutputNames: [] } };
      }
      return undefined;
    },
    call(args) {
      if (args.token === ONEPASSWORD_CALLS.getVault) return { uuid: `uuid-${String(args.inputs.name)}`, name: args.inputs.name, id: "vault" };
      if (args.token === ONEPASSWORD_CALLS.getItem) {
        const title = String(args.inputs.title);
        if (failing.has(title)) throw new Error(`(offline) 1Password answered 503 for item "${title}"`);
        const fields = itemsByTitle.get(title);
        if (!fields) throw new Error(`(offline) no item "${title}"`);
        return { title, uuid: `uuid-${title}`, vault: args.inputs.vault, sections: [{ id: "s", label: "", fields: fields.map((f) => ({ id: f.label, type: "CONCEALED", purpose: "", ...f })) }] };
      }
      if (args.token === PUBLIC_INGRESS_TYPES.getZone) {
        const filter = (args.inputs.filter ?? {}) as { name?: string };
        return { id: digest(`zone ${filter.name}`).toString("hex").slice(0, 32), name: filter.name, status: "active" };
      }
      if (args.token === PUBLIC_INGRESS_TYPES.getTunnelToken) {
        const token = `FAKE-TUNNEL-TOKEN-${String(args.inputs.tunnelId)}`;
        fakes.set(FAKE_TUNNEL_TOKEN_KEY, token);
        return { accountId: args.inputs.accountId, tunnelId: args.inputs.tunnelId, token };
      }
      throw new Error(`(offline) unexpected provider call ${args.token}`);
    },
  });
  pulumi.runtime.setAllConfig(raw, secretKeys);

  // Registration is asynchronous; wait until the SDK has sent everything to the mock monitor.
  let outputs: LabOutputs;
  try {
    outputs = await deployLab({ ...options.deploy, images });
  } catch (error) {
    await monitor.settle();
    throw new OfflineRunError(error as Error, monitor.resources, monitor.invocations);
  }
  await monitor.settle();
  return { resources: monitor.resources, invocations: monitor.invocations, outputs, fakeSecrets: fakes, lab: lab! };
}
