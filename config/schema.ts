import { z } from "zod";
import { IMAGE_REFERENCE } from "../images/image-ref";
import { TTL_SECONDS } from "./dns-ttl";

/**
 * The shape of the program's configuration (`homelab:*` keys in Pulumi.<stack>.yaml), validated
 * before anything is registered. Defaults are written here, once.
 */

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const domainName = z
  .string()
  .refine((value) => value.split(".").length >= 2 && value.split(".").every((label) => dnsLabel.test(label)), {
    message: "expected a lower-case DNS domain such as example.com",
  });
const absolutePath = z.string().refine((value) => value.startsWith("/") && !value.includes(".."), {
  message: "expected an absolute path without '..'",
});
const nonNegativeInt = z.number().int().nonnegative();

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const imageReference = z.string().regex(IMAGE_REFERENCE, { message: "expected an image reference such as repo/name:tag or name@sha256:<digest>" });

export const nodeSchema = z.strictObject({
  hostname: z.string().regex(dnsLabel, { message: "expected a host name (lower-case letters, digits, '-')" }),
  role: z.enum(["manager", "worker"]),
  description: z.string().optional(),
});

/** A field of a 1Password item in the lab's vault, written `<item>/<field>`. */
const fieldRef = z.string().regex(/^[^/\s]+\/[^/\s]+$/, { message: "expected <item>/<field> of a 1Password item in the lab's vault" });
const cloudflareId = z.string().regex(/^[0-9a-f]{32}$/, { message: "expected a 32-character hex Cloudflare id" });

export const cloudflareSchema = z.strictObject({
  enabled: z.boolean(),
  /** The account that owns the tunnel. @default read from 1Password, see accountIdField */
  accountId: cloudflareId.optional(),
  /** Where the account id is kept when `accountId` is not set. @default cloudflare/account_id */
  accountIdField: fieldRef.default("cloudflare/account_id"),
  /** The public zone's id; without it the zone is looked up by name. */
  zoneId: cloudflareId.optional(),
  /** The public zone's name, for the lookup. @default homelab:domain */
  zone: domainName.optional(),
  /** @default homelab */
  tunnelName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, { message: "expected a tunnel name (letters, digits, '-', '_', '.')" }).default("homelab"),
  /** The API token the program manages the tunnel and records with (Tunnel edit, DNS edit, Zone read). */
  apiTokenField: fieldRef.default("cloudflare-pulumi/api_token"),
  /** The tunnel secret: base64 of at least 32 random bytes (`openssl rand -base64 32`). */
  tunnelSecretField: fieldRef.default("cloudflare-tunnel/tunnel_secret"),
});

export const unifiSchema = z.strictObject({
  /** The UniFi console, e.g. https://unifi.in.example.com (its Network integration API). */
  apiUrl: z.url({ protocol: /^https?$/, message: "expected the console's URL, e.g. https://unifi.example.com" }),
  /** The UniFi site, by name. @default default */
  site: z.string().min(1).default("default"),
  /** The Network integration API key. @default unifi/api_key */
  apiKeyField: fieldRef.default("unifi/api_key"),
  /** The console's CA certificate (PEM), to trust its self-signed certificate. */
  caCertField: fieldRef.optional(),
  /** Skip TLS verification of the console. An explicit opt-out; prefer caCertField. */
  insecureSkipVerify: z.boolean().default(false),
  /** TTL of the records, within the API's bounds (the provider owns them). @default 300 */
  ttlSeconds: z.number().int().min(TTL_SECONDS.min).max(TTL_SECONDS.max).default(TTL_SECONDS.default),
  /** Records that already exist on the gateway, adopted by policy id on the next up: `{ "<name>": "<id>" }`. */
  adopt: z.record(domainName, z.string().min(1)).optional(),
});

export const serviceOverrideSchema = z.strictObject({
  /** Take the service out of this stack of the program (dev subsets). */
  enabled: z.boolean().optional(),
  replicas: nonNegativeInt.optional(),
  image: imageReference.optional(),
});

/**
 * Authentik forward auth for the sites that ask for it (the default). Turning it off serves those
 * sites without sign-in in this stack of the program (a laptop swarm without Authentik), and must
 * say why: the render shows the reason on every site it opens.
 */
export const forwardAuthSchema = z
  .strictObject({ enabled: z.boolean(), reason: z.string().optional() })
  .refine((value) => value.enabled || (value.reason ?? "").trim() !== "", {
    message: "turning forward auth off needs a reason (the render shows it on every site it opens)",
    path: ["reason"],
  });

export const configSchema = z.strictObject({
  domain: domainName,
  internalDomain: domainName,
  timezone: z.string().refine(isTimeZone, { message: "expected an IANA time zone such as America/Chicago" }),
  acmeEmail: z.email({ message: "expected an e-mail address" }),
  mediaUser: z.strictObject({ uid: nonNegativeInt, gid: nonNegativeInt }),
  nodes: z.array(nodeSchema).min(1, { message: "expected at least one node" }),
  /** The node that holds the lab's storage; stateful services are pinned to it. */
  storageNode: z.string(),
  /** Pin stateful services to the storage node. @default true */
  pinStateful: z.boolean().default(true),
  paths: z.strictObject({
    appdata: absolutePath,
    media: absolutePath,
    backups: absolutePath,
    dockerRoot: absolutePath,
  }),
  /** Where secret values come from. */
  secrets: z.discriminatedUnion("source", [
    z.strictObject({ source: z.literal("onepassword"), vault: z.string().min(1) }),
    z.strictObject({ source: z.literal("config") }),
  ]),
  /** With `secrets.source: config`: values keyed `<item>/<field>` (set them with --secret). */
  secretValues: z.record(z.string().regex(/^[^/]+\/.+$/, { message: "expected keys of the form <item>/<field>" }), z.string()).optional(),
  /** The Cloudflare tunnel, public records and DNS-01 certificates. */
  cloudflare: cloudflareSchema.prefault({ enabled: true }),
  /** Forward auth for protected sites. @default { enabled: true } */
  forwardAuth: forwardAuthSchema.prefault({ enabled: true }),
  /** Internal DNS records on a UniFi gateway. Absent: the internal records are not managed. */
  unifi: unifiSchema.optional(),
  /** Deploy only these stacks (by stack name). @default every stack */
  stacks: z.array(z.string()).min(1).optional(),
  /** Per-service overrides keyed `<stack>/<service>`. */
  services: z.record(z.string(), serviceOverrideSchema).optional(),
});

export type HomelabConfig = z.infer<typeof configSchema>;
export type ServiceOverride = z.infer<typeof serviceOverrideSchema>;
export type CloudflareConfig = z.infer<typeof cloudflareSchema>;
export type UnifiConfig = z.infer<typeof unifiSchema>;
