import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { type HomelabConfig, parseConfig, PROJECT } from "../config";
import { STACKS } from "../lab";
import type { OpRef } from "../lab/model";
import { type EvaluatedLab, evaluateLab } from "../lib/evaluate-lab";
import { PROJECT_DIR } from "../lib/project-dir";
import { refKey } from "../lib/secret-values";
import { type DeployOptions, deployLab, type LabOutputs, programRefs, secretRefs } from "../program";

/**
 * Runs the program under Pulumi's mock monitor: no engine, no providers, no credentials, no
 * network. Secret reads are answered with fake values, and every registered resource and every
 * provider call is recorded. The offline render and the tests both use it.
 */

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

export interface RegisteredOptions {
  readonly ignoreChanges: readonly string[];
  readonly deleteBeforeReplace: boolean;
  readonly additionalSecretOutputs: readonly string[];
}

export interface Invocation {
  readonly token: string;
  readonly args: Record<string, unknown>;
}

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

export { PROJECT_DIR };

/** The secret marker the SDK leaves on secret values it serialises to the engine. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Docker labels as registered (`[{label, value}]`) as a map, leaving out the keys in `drop`. The
 * one reader of that shape for the render, the review commands and the tests.
 */
export function labelMap(list: unknown, drop: readonly string[] = []): Record<string, string> {
  const entries = ((list ?? []) as { label: unknown; value: unknown }[]).filter((entry) => !drop.includes(String(entry.label)));
  return Object.fromEntries(entries.map((entry) => [String(entry.label), String(entry.value)]));
}

export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Reads `Pulumi.<stack>.yaml` into the flat string form Pulumi hands a program. */
export function readStackConfig(stack: string): Record<string, string> {
  return readConfigFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
}

/** Reads any file in the `Pulumi.<stack>.yaml` format (a `config:` map). */
export function readConfigFile(file: string): Record<string, string> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path.basename(file)}: ${(error as Error).message}`);
  }
  const config = (document as { config?: Record<string, unknown> } | null)?.config ?? {};
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/** A fake value per field; base64 fields get base64, so decoding them works as in real runs. */
export function fakeSecretValues(refs: readonly OpRef[]): Map<string, string> {
  return new Map(
    refs.map((ref) => {
      const plain = `FAKE-SECRET-${ref.item}-${ref.field}`;
      return [refKey(ref), ref.decode === "base64" ? Buffer.from(JSON.stringify({ fake: plain })).toString("base64") : plain];
    }),
  );
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Fields the program checks the shape of get fakes of that shape: the tunnel secret is base64 of
 * 32 bytes, the account id 32 hex characters, a CA a PEM block.
 */
function shapedFakes(config: HomelabConfig): Map<string, string> {
  const shaped = new Map<string, string>();
  shaped.set(config.cloudflare.tunnelSecretField, digest(`fake ${config.cloudflare.tunnelSecretField}`).toString("base64"));
  shaped.set(config.cloudflare.accountIdField, digest(`fake ${config.cloudflare.accountIdField}`).toString("hex").slice(0, 32));
  if (config.unifi?.caCertField) {
    const body = digest(`fake ${config.unifi.caCertField}`).toString("base64");
    shaped.set(config.unifi.caCertField, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  }
  return shaped;
}

/** A fake UUID, stable per name: tunnel ids look like the real thing in the render. */
function fakeUuid(name: string): string {
  const hex = digest(name).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const FAKE_TUNNEL_TOKEN_KEY = "program:cloudflare-tunnel-token";

export async function runOffline(options: OfflineOptions = {}): Promise<OfflineRun> {
  const stack = options.stack ?? "prod";
  // Offline review must work where no registry can be reached: a tag-only image missing from the
  // lock is planned by tag and listed in `lab.unlockedImages`, where `pulumi preview` refuses it.
  const images = { unlocked: "allow" as const, ...options.deploy?.images };
  const raw: Record<string, string> = { ...(options.rawConfig ?? readStackConfig(stack)) };
  const secretKeys: string[] = [];

  // The program insists on credentials for 1Password; offline, its reads are answered by the
  // mocks below, so a placeholder token stands in (marked secret, as a real one would be).
  const usesOnePassword = raw[`${PROJECT}:secrets`]?.includes('"onepassword"') ?? false;
  if (usesOnePassword && raw["onepassword:serviceAccountToken"] === undefined && raw["onepassword:url"] === undefined) {
    raw["onepassword:serviceAccountToken"] = "offline-render-no-real-token";
    secretKeys.push("onepassword:serviceAccountToken");
  }

  // Fake values for exactly the fields this configuration of the lab reads. If the config is
  // invalid, this evaluation is skipped and the program itself reports the problem below.
  let fakes = new Map<string, string>();
  let lab: EvaluatedLab | undefined;
  try {
    const config = parseConfig(raw).homelab;
    lab = evaluateLab(config, options.deploy?.definitions ?? STACKS, undefined, images);
    fakes = fakeSecretValues([...secretRefs(lab), ...programRefs(config)]);
    for (const [key, value] of shapedFakes(config)) if (fakes.has(key)) fakes.set(key, value);
    if (!usesOnePassword && raw[`${PROJECT}:secretValues`] === undefined) {
      raw[`${PROJECT}:secretValues`] = JSON.stringify(Object.fromEntries(fakes));
      secretKeys.push(`${PROJECT}:secretValues`);
    }
  } catch {
    // reported by the program run
  }

  const resources: RegisteredResource[] = [];
  const invocations: Invocation[] = [];
  const failing = new Set(options.failingItems ?? []);
  const itemsByTitle = new Map<string, { label: string; value: string }[]>();
  for (const [key, value] of fakes) {
    const [item, ...field] = key.split("/");
    const fields = itemsByTitle.get(item!) ?? [];
    fields.push({ label: field.join("/"), value });
    itemsByTitle.set(item!, fields);
  }

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const request = requests.get(`${args.type}::${args.name}`);
        // Creates take the latency. Not reads of existing resources (an `id` is given: lookups),
        // nor providers (the engine configures them in-process; nothing is created).
        const creates = args.custom && !args.id && !args.type.startsWith("pulumi:providers:");
        const converges = args.type === "docker:index/service:Service" && args.inputs.convergeConfig !== undefined;
        const wait = creates ? (options.latencyMs ?? 0) + (converges ? (options.convergeMs ?? 0) : 0) : 0;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        resources.push({
          type: args.type,
          name: args.name,
          parent: request?.parent ?? "",
          protect: request?.protect ?? false,
          urn: request?.urn ?? "",
          dependencies: request?.dependencies ?? [],
          options: request?.options ?? { ignoreChanges: [], deleteBeforeReplace: false, additionalSecretOutputs: [] },
          inputs: args.inputs,
        });
        if (args.type === "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared") return { id: fakeUuid(args.name), state: args.inputs };
        if (args.type === "pulumi:pulumi:StackReference") {
          return { id: String(args.inputs.name), state: { ...args.inputs, outputs: options.previousOutputs ?? {}, secretOutputNames: [] } };
        }
        const name = typeof args.inputs.name === "string" ? args.inputs.name : args.name;
        return { id: `${name}`, state: args.inputs };
      },
      call(args) {
        invocations.push({ token: args.token, args: args.inputs });
        if (args.token === "onepassword:index/getVault:getVault") return { uuid: `uuid-${String(args.inputs.name)}`, name: args.inputs.name, id: "vault" };
        if (args.token === "onepassword:index/getItem:getItem") {
          const title = String(args.inputs.title);
          if (failing.has(title)) throw new Error(`(offline) 1Password answered 503 for item "${title}"`);
          const fields = itemsByTitle.get(title);
          if (!fields) throw new Error(`(offline) no item "${title}"`);
          return { title, uuid: `uuid-${title}`, vault: args.inputs.vault, sections: [{ id: "s", label: "", fields: fields.map((f) => ({ id: f.label, type: "CONCEALED", purpose: "", ...f })) }] };
        }
        if (args.token === "cloudflare:index/getZone:getZone") {
          const filter = (args.inputs.filter ?? {}) as { name?: string };
          return { id: digest(`zone ${filter.name}`).toString("hex").slice(0, 32), name: filter.name, status: "active" };
        }
        if (args.token === "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken") {
          const token = `FAKE-TUNNEL-TOKEN-${String(args.inputs.tunnelId)}`;
          fakes.set(FAKE_TUNNEL_TOKEN_KEY, token);
          return { accountId: args.inputs.accountId, tunnelId: args.inputs.tunnelId, token };
        }
        throw new Error(`(offline) unexpected provider call ${args.token}`);
      },
    },
    PROJECT,
    stack,
    false,
    // What a self-managed backend calls every organization; the stack's self-reference uses it.
    "organization",
  );
  pulumi.runtime.setAllConfig(raw, secretKeys);

  // The mocks are not told a resource's parent or options; the monitor's request carries them.
  // Record them on the way in (the import file needs parents; deletion safety, protection).
  const requests = new Map<string, { parent: string; protect: boolean; urn: string; dependencies: string[]; options: RegisteredOptions }>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(
      request: {
        getType(): string;
        getName(): string;
        getParent(): string;
        getProtect(): boolean;
        getDependenciesList(): string[];
        getIgnorechangesList(): string[];
        getDeletebeforereplace(): boolean;
        getAdditionalsecretoutputsList(): string[];
      },
      callback: unknown,
    ): unknown;
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

  // Registration is asynchronous; wait until the SDK has sent everything to the mock monitor.
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  let outputs: LabOutputs;
  try {
    outputs = await deployLab({ ...options.deploy, images });
  } catch (error) {
    await settings.waitForRPCs();
    throw new OfflineRunError(error as Error, resources, invocations);
  }
  await settings.waitForRPCs();
  return { resources, invocations, outputs, fakeSecrets: fakes, lab: lab! };
}
