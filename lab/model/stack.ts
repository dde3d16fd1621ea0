import { z } from "zod";
import { list, object } from "./kit";
import { secretValueSchema } from "./secrets";
import { serviceSpecSchema } from "./service";

// ─── Stacks ──────────────────────────────────────────────────────────────────────────────────────

/** A network owned by one stack (created with it, named `<stack>_<key>`). */
export const stackNetworkSchema = object({
  key: z.string(),
  /** @default true */
  attachable: z.boolean().optional(),
  purpose: z.string(),
});
export type StackNetwork = z.infer<typeof stackNetworkSchema>;

/** The key of the network `docker stack deploy` gives a stack's services that name no network. */
export const STACK_DEFAULT_NETWORK = "default";

/**
 * The stack's default network, as `docker stack deploy` makes it for services without `networks:`
 * (`<stack>_default`, overlay, not attachable): list it in the stack's `networks` and put
 * `"default"` in the services' `networks`, and a running stack keeps its network on adoption.
 */
export function stackDefaultNetwork(purpose: string): StackNetwork {
  return { key: STACK_DEFAULT_NETWORK, attachable: false, purpose };
}

/** A secret published by a stack for clients outside the program (not mounted by its services). */
export const publishedSecretSchema = object({
  /** Swarm secret name before the content hash, e.g. `op_connect_token`. */
  name: z.string(),
  value: secretValueSchema,
  reason: z.string(),
});
export type PublishedSecret = z.infer<typeof publishedSecretSchema>;

export const TIERS = ["infrastructure", "platform", "application"] as const;
export type Tier = (typeof TIERS)[number];

export const stackSpecSchema = object({
  /** The `docker stack deploy` name of the stack; prefixes every service and network it owns. */
  name: z.string(),
  tier: z.enum(TIERS),
  description: z.string(),
  /** @default [] (the stack's services use shared networks only) */
  networks: list(stackNetworkSchema).optional(),
  services: list(serviceSpecSchema),
  /** @default [] */
  publishedSecrets: list(publishedSecretSchema).optional(),
  /**
   * Stacks whose services this one needs at runtime (e.g. `platform_postgres` for a database), so
   * that `up` creates those first. Everything else is created in parallel. @default []
   */
  dependsOn: list(z.string()).optional(),
  /**
   * The folder, from `lab/`, that holds the stack file and the files it ships (its configs' `file`
   * and template files are named from there). @default `stacks/<tier>/<name>`, the name without
   * its tier's prefix and with `-` for `_` (lib/lab-files.ts)
   */
  folder: z.string().optional(),
});
export type StackSpec = z.infer<typeof stackSpecSchema>;

// ─── Removals ────────────────────────────────────────────────────────────────────────────────────

/**
 * A stack, or a stateful service, taken out of the lab on purpose. Without an entry in
 * `lab/removed.ts`, a stack or stateful service that was deployed and is no longer declared stops
 * the program: deleting it must be a decision, never the side effect of a typo.
 */
export const removalSchema = object({
  stack: z.string(),
  /** Only this service of the stack (its short name). @default the whole stack */
  service: z.string().optional(),
  reason: z.string(),
});
export type Removal = z.infer<typeof removalSchema>;
