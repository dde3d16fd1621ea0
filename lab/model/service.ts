import { z } from "zod";
import { homepageEntrySchema, kumaMonitorSchema } from "./dashboard";
import { configFileSchema, mountSchema } from "./files";
import { siteSchema } from "./ingress";
import { dict, list, object, strings } from "./kit";
import { secretEnvDeliverySchema, secretFileSchema, secretValueSchema } from "./secrets";

// ─── Services ────────────────────────────────────────────────────────────────────────────────────

export const resourcesSchema = object({
  /** CPUs as a decimal string or number, e.g. "0.5". @default no limit (or reservation) of CPU */
  cpus: z.union([z.string(), z.number()]).optional(),
  /** Memory such as "512M", "1G", "2048M". @default no limit (or reservation) of memory */
  memory: z.string().optional(),
});
export type Resources = z.infer<typeof resourcesSchema>;

export const healthcheckSchema = object({
  /** Docker's test form: `["CMD", ...]`, `["CMD-SHELL", "..."]`, or `["NONE"]` to disable the image's. */
  test: list(z.string()),
  /** @default Docker's, "30s" */
  interval: z.string().optional(),
  /** @default Docker's, "30s" */
  timeout: z.string().optional(),
  /** @default Docker's, 3 */
  retries: z.number().optional(),
  /** @default Docker's, "0s" */
  startPeriod: z.string().optional(),
});
export type Healthcheck = z.infer<typeof healthcheckSchema>;

export const restartPolicySchema = object({
  condition: z.enum(["any", "on-failure", "none"]),
  /** @default "5s" */
  delay: z.string().optional(),
  /** 0 means unlimited. @default 0 */
  maxAttempts: z.number().optional(),
  /** @default "0s" */
  window: z.string().optional(),
});
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/** The lab's usual bounded restart: `any` failure, up to `maxAttempts` times. */
export function restartUpTo(maxAttempts: number, delay = "5s"): RestartPolicy {
  return { condition: "any", delay, maxAttempts };
}

/** Waits for PostgreSQL to accept connections (official postgres and timescaledb images). */
export function pgIsReady(defaultUser: string): Healthcheck {
  return { test: ["CMD-SHELL", `pg_isready -U \${POSTGRES_USER:-${defaultUser}}`], interval: "10s", timeout: "5s", retries: 5 };
}

export const publishedPortSchema = object({
  target: z.number(),
  published: z.number(),
  /** "host" binds the port on the node that runs the task; "ingress" uses the routing mesh. */
  mode: z.enum(["host", "ingress"]),
  /** @default "tcp" */
  protocol: z.enum(["tcp", "udp"]).optional(),
  /**
   * Why the port is published. Required for a routing-mesh port on a service with a Caddy site:
   * every node then answers on it, past Caddy and Authentik. The review shows it beside the port.
   * @default none (refused for a routing-mesh port on a service with a site)
   */
  reason: z.string().optional(),
});
export type PublishedPort = z.infer<typeof publishedPortSchema>;

export const serviceSpecSchema = object({
  /** Short name. The swarm service is `<stack>_<name>`, and `<name>` is its alias on every network. */
  name: z.string(),
  /**
   * `repo:tag` (deployed as `repo:tag@<digest>` from the image lock, `lab/images.lock.json`, kept
   * current by `npm run images -- --update`) or `repo:tag@sha256:...` (pinned as written).
   */
  image: z.string(),
  /**
   * Deploy the tag without a digest, and why. The engine then pins the tag itself on create, so
   * the next preview shows a one-time image diff for this service (docs/images.md). @default pinned
   */
  unpinned: z.string().optional(),
  /** Network keys: a shared network (`lab/networks.ts`) or one of this stack's own networks. */
  networks: list(z.string()),
  /**
   * Keeps state on node-local storage (SQLite, TSDB, a GPU): pinned to the storage node named in
   * config. Everything else floats. @default false
   */
  stateful: z.boolean().optional(),
  /** `"global"` runs one task per node. @default 1 replica */
  replicas: z.union([z.number(), z.literal("global")]).optional(),
  /** @default none: the service is reached on its networks only */
  sites: list(siteSchema).optional(),
  /** @default no Homepage entry */
  homepage: homepageEntrySchema.optional(),
  /** @default no monitors */
  monitors: list(kumaMonitorSchema).optional(),
  /** Plain, non-secret environment. @default none beyond the image's */
  env: strings.optional(),
  /** Secret environment variables; delivered as files, per `secretEnvDelivery`. @default none */
  secretEnv: dict(secretValueSchema).optional(),
  /** Required when `secretEnv` is set: how this image takes secrets from files. @default none */
  secretEnvDelivery: secretEnvDeliverySchema.optional(),
  /** @default none */
  secretFiles: list(secretFileSchema).optional(),
  /** @default none */
  configs: list(configFileSchema).optional(),
  /** @default none */
  mounts: list(mountSchema).optional(),
  /** `uid:gid` or a name. @default the image's */
  user: z.string().optional(),
  /**
   * The container's host name (compose `hostname:`), where an app reports or checks its own name.
   * @default the engine's: the container's id
   */
  hostname: z.string().optional(),
  /** Entrypoint override. @default the image's */
  entrypoint: list(z.string()).optional(),
  /** Command (arguments to the entrypoint). @default the image's */
  command: list(z.string()).optional(),
  /** @default the image's */
  healthcheck: healthcheckSchema.optional(),
  /** @default no limits */
  limits: resourcesSchema.optional(),
  /** @default no reservations */
  reservations: resourcesSchema.optional(),
  /** @default { condition: "any", delay: "5s" } */
  restart: restartPolicySchema.optional(),
  /** @default none published */
  ports: list(publishedPortSchema).optional(),
  /** Extra /etc/hosts entries, `{ "host.docker.internal": "host-gateway" }`. @default none */
  extraHosts: strings.optional(),
  /** @default Docker's, "10s" */
  stopGracePeriod: z.string().optional(),
  /** Run an init process as PID 1. @default the image's entrypoint is PID 1 */
  init: z.boolean().optional(),
  /**
   * Raw service labels beyond the derived ones. Caddy labels here are judged like the derived ones
   * (lab validation); Caddy's global options are derived from config, never written here. @default none
   */
  labels: strings.optional(),
  /**
   * `socket-proxy`: set only by `socketProxy()`, the one kind of service allowed to mount the
   * Docker socket. `ingress-controller`: the Caddy service; it defines the forward-auth snippet
   * every protected site imports, and the tunnel sends public traffic to it. @default an ordinary service
   */
  role: z.enum(["socket-proxy", "ingress-controller"]).optional(),
});
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;
