import { z } from "zod";
import { object, strings } from "./kit";

// ─── Ingress ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Who authenticates a site's visitors. Forward auth through Authentik is the default; anything
 * else is an explicit opt-out that carries its reason, so the exceptions can be reviewed.
 */
export const siteAuthSchema = z.discriminatedUnion("kind", [
  object({ kind: z.literal("authentik") }),
  object({ kind: z.literal("own"), reason: z.string() }),
  object({ kind: z.literal("none"), reason: z.string() }),
]);
export type SiteAuth = z.infer<typeof siteAuthSchema>;

export const Auth = {
  authentik: { kind: "authentik" } as SiteAuth,
  /** The application authenticates its users itself (Plex, Jellyfin, Authentik, ...). */
  own: (reason: string): SiteAuth => ({ kind: "own", reason }),
  /** Deliberately open (invite links, a public badge API). */
  none: (reason: string): SiteAuth => ({ kind: "none", reason }),
};

/**
 * Where the ingress controller (Caddy) answers for itself, so a monitor can check Caddy and nothing
 * behind it: plain HTTP on its own port, reachable on its overlay networks only (not published).
 */
export const INGRESS_HEALTH = { port: 2080, path: "/healthz" } as const;

/** One Caddy site served by a service. */
export const siteSchema = object({
  /**
   * The site's host: a label relative to its zone (`"sonarr"` is `sonarr.<internalDomain>`, `"*"`
   * the zone's wildcard) or a full name inside that zone. Each host is declared once; from it the
   * program derives the Caddy site, the internal DNS record and, when public, the tunnel rule and
   * the public DNS record.
   */
  host: z.string(),
  /**
   * Served to the internet: the host lives in the public zone (`<domain>`), reaches Caddy through
   * the Cloudflare tunnel, and gets a proxied Cloudflare record. @default false (LAN only)
   */
  public: z.boolean().optional(),
  /** Port the service listens on; renders `reverse_proxy {{upstreams PORT}}`. @default none: `upstream` or `directives` answer */
  port: z.number().optional(),
  /** A literal upstream (`host:port`) instead of the service's own tasks. @default the service's tasks at `port` */
  upstream: z.string().optional(),
  /** @default Auth.authentik */
  auth: siteAuthSchema.optional(),
  /** Further directives under the site, keyed relative to it (`"reverse_proxy.flush_interval": "-1"`). @default none */
  directives: strings.optional(),
});
export type Site = z.infer<typeof siteSchema>;
