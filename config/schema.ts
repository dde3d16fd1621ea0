import { z } from "zod";

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

/** `registry/repo:tag`, `repo@sha256:...`, `repo:tag@sha256:...`: a Docker image reference. */
export const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const imageReference = z.string().regex(IMAGE_REFERENCE, { message: "expected an image reference such as repo/name:tag or name@sha256:<digest>" });

export const nodeSchema = z.strictObject({
  hostname: z.string().regex(dnsLabel, { message: "expected a host name (lower-case letters, digits, '-')" }),
  role: z.enum(["manager", "worker"]),
  description: z.string().optional(),
});

export const serviceOverrideSchema = z.strictObject({
  /** Take the service out of this stack of the program (dev subsets). */
  enabled: z.boolean().optional(),
  replicas: nonNegativeInt.optional(),
  image: imageReference.optional(),
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
  /** Cloudflare tunnel and DNS-01 certificates. @default { enabled: true } */
  cloudflare: z.strictObject({ enabled: z.boolean() }).default({ enabled: true }),
  /** Deploy only these stacks (by stack name). @default every stack */
  stacks: z.array(z.string()).min(1).optional(),
  /** Per-service overrides keyed `<stack>/<service>`. */
  services: z.record(z.string(), serviceOverrideSchema).optional(),
});

export type HomelabConfig = z.infer<typeof configSchema>;
export type ServiceOverride = z.infer<typeof serviceOverrideSchema>;
