import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { INTERNAL_DNS_TYPES } from "../../lib/resource-types";
import { type UnifiDnsRecordArgs, unifiDnsRecordProvider } from "./dns-record";

/**
 * The UniFi DNS record resource: a dynamic resource whose provider code travels in its state.
 *
 * `pulumi.dynamic.Resource` serializes that code on every run, which costs about 0.6 s (more than
 * the rest of the program's evaluation; see BENCHMARKS.md). So this class registers the same
 * resource the SDK's would (type `pulumi-nodejs:dynamic/unifi:DnsRecord`, the serialized provider
 * under `__provider`), taking the code from a cache `npm run build` writes next to the compiled
 * provider, valid only for exactly the compiled files it was made from. Anywhere else (sources run
 * through ts-node, a build without the cache, a changed file) it serializes as the SDK does.
 */

// A local binding: the closure below must capture the provider object alone, not this module.
const provider = unifiDnsRecordProvider;

const CACHE_FILE = path.join(__dirname, "provider-code.json");
/** The compiled modules the serialized code comes from. */
const COMPILED = ["dns-record.js", "inputs.js", "policies.js", "client.js", "transport.js", "parse.js", "errors.js", "contract.js"].map((file) => path.join(__dirname, file));

function compiledDigest(): string | undefined {
  if (!COMPILED.every((file) => existsSync(file))) return undefined;
  const hash = createHash("sha256");
  for (const file of COMPILED) hash.update(readFileSync(file));
  return hash.digest("hex");
}

async function serialize(): Promise<string> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  // The provider holds no settings and no secrets (they arrive as inputs); anything else is a bug.
  if (serialized.containsSecrets) throw new Error("the UniFi provider's serialized code captured a secret value");
  return serialized.text;
}

function cachedCode(): string | undefined {
  const digest = compiledDigest();
  if (digest === undefined || !existsSync(CACHE_FILE)) return undefined;
  try {
    const cache = JSON.parse(readFileSync(CACHE_FILE, "utf8")) as { digest?: unknown; text?: unknown };
    return cache.digest === digest && typeof cache.text === "string" ? cache.text : undefined;
  } catch {
    return undefined;
  }
}

let code: Promise<string> | undefined;

/** The provider's serialized code: from the build's cache when it matches, else serialized now. */
export function providerCode(): Promise<string> {
  code ??= Promise.resolve(cachedCode() ?? serialize());
  return code;
}

/** Run by `npm run build` after tsc, from the compiled module. */
export async function writeProviderCodeCache(): Promise<string> {
  const digest = compiledDigest();
  if (digest === undefined) throw new Error(`the provider code cache is written from the compiled provider (${COMPILED.join(", ")} not found)`);
  writeFileSync(CACHE_FILE, `${JSON.stringify({ digest, text: await serialize() })}\n`);
  return CACHE_FILE;
}

export class UnifiDnsRecord extends pulumi.CustomResource {
  declare public readonly apiUrl: pulumi.Output<string>;
  declare public readonly site: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly target: pulumi.Output<string>;
  declare public readonly ttlSeconds: pulumi.Output<number>;
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly siteId: pulumi.Output<string>;
  declare public readonly policyId: pulumi.Output<string>;

  constructor(name: string, args: UnifiDnsRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      INTERNAL_DNS_TYPES.record,
      name,
      { ...args, apiKey: pulumi.secret(args.apiKey), siteId: undefined, policyId: undefined, __provider: providerCode() },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKey"] }),
    );
  }
}
