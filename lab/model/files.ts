import { z } from "zod";
import { object } from "./kit";

// ─── Files and mounts ────────────────────────────────────────────────────────────────────────────

/** A non-secret file shipped with the stack as a swarm config (replaces repo-relative binds). */
export const configFileSchema = object({
  /** Path in the stack's folder (`lab/stacks/<tier>/<stack>/`), e.g. `"prometheus.yml"`. */
  file: z.string(),
  /** Absolute path in the container. */
  target: z.string(),
  /** @default 0o444 */
  mode: z.number().optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

export const mountSchema = z.discriminatedUnion("type", [
  object({
    type: z.literal("bind"),
    source: z.string(),
    target: z.string(),
    /** @default false */
    readOnly: z.boolean().optional(),
    /**
     * Why the service needs this host path. Required for `/` and system paths (`/proc`, `/sys`,
     * `/dev`, `/etc`, ...: see lib/host-paths.ts), which give a container a view of the node
     * itself; the review shows it beside the mount. @default none (refused for system paths)
     */
    reason: z.string().optional(),
  }),
  /** A named volume of the stack; its swarm name is `<stack>_<name>`, as `docker stack deploy` names it. */
  object({
    type: z.literal("volume"),
    name: z.string(),
    target: z.string(),
    /** @default false */
    readOnly: z.boolean().optional(),
  }),
  object({
    type: z.literal("tmpfs"),
    target: z.string(),
    /** @default unlimited (the engine's default) */
    sizeBytes: z.number().optional(),
  }),
]);
export type Mount = z.infer<typeof mountSchema>;

export const bind = (source: string, target: string, readOnly = false): Mount => ({ type: "bind", source, target, readOnly });
export const bindRO = (source: string, target: string): Mount => bind(source, target, true);
/** A bind of a host system path (`/`, `/proc`, `/sys`, `/dev/dri`, ...) with its reason; read-only unless told. */
export const hostBind = (source: string, target: string, reason: string, options: { readOnly?: boolean } = {}): Mount => ({
  type: "bind",
  source,
  target,
  readOnly: options.readOnly ?? true,
  reason,
});
export const volume = (name: string, target: string): Mount => ({ type: "volume", name, target });
export const tmpfs = (target: string, sizeBytes?: number): Mount => ({ type: "tmpfs", target, sizeBytes });

/** Where the Docker socket lives on every node. Only `socketProxy()` services may mount it. */
export const DOCKER_SOCKET = "/var/run/docker.sock";
