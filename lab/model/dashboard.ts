import { z } from "zod";
import { list, object, strings } from "./kit";

// ─── Dashboard and monitoring metadata ───────────────────────────────────────────────────────────

/** One field of a Homepage `customapi` widget: where in the answer, and how it is labelled. */
export const homepageMappingSchema = object({
  /** The answer's field (dots for nested ones). */
  field: z.string(),
  label: z.string(),
  /** Homepage's formats: `text`, `number`, `percent`, `bytes`, `date`, ... @default text */
  format: z.string().optional(),
});
export type HomepageMapping = z.infer<typeof homepageMappingSchema>;

export const homepageEntrySchema = object({
  group: z.string(),
  name: z.string(),
  icon: z.string(),
  description: z.string(),
  /** @default https://<first site's host>, when the service has a site */
  href: z.string().optional(),
  /** Widget settings: `type`, `url`, `key`, ... (values may use Homepage's `{{HOMEPAGE_VAR_*}}`). @default no widget */
  widget: strings.optional(),
  /**
   * A `customapi` widget's fields to show, in order: labels `homepage.widget.mappings[N].<key>`.
   * @default none
   */
  mappings: list(homepageMappingSchema).optional(),
});
export type HomepageEntry = z.infer<typeof homepageEntrySchema>;

/** An Uptime Kuma monitor or notification created by AutoKuma from `kuma.<id>.<type>.<setting>` labels. */
export const kumaMonitorSchema = object({
  id: z.string(),
  type: z.string(),
  /** Settings such as name, url, interval, maxretries, keyword, max_redirects. */
  settings: strings,
  /**
   * The HTTP status codes that mean "up", as codes or ranges (`["200-299"]`). Accept only what
   * proves the app answered: a redirect to a login page proves nothing. @default Uptime Kuma's, 200-299
   */
  acceptedStatusCodes: list(z.string()).optional(),
});
export type KumaMonitor = z.infer<typeof kumaMonitorSchema>;

export interface HttpMonitorOptions {
  /** @default ["200-299"] */
  readonly accepted?: readonly string[];
  /**
   * Redirects to follow. A direct check of an app's health path needs none, and following one
   * could end on some other service's login page. @default 0
   */
  readonly maxRedirects?: number;
  /** Further AutoKuma settings (`interval`, `maxretries`, ...), overriding the defaults. @default none */
  readonly settings?: Readonly<Record<string, string>>;
}

/**
 * The lab's usual monitor: an HTTP check every 60 s, 3 retries, of a URL the app serves itself
 * (on the overlay network by alias and port, never through Authentik's forward auth).
 */
export function httpMonitor(id: string, name: string, url: string, options: HttpMonitorOptions = {}): KumaMonitor {
  return {
    id,
    type: "http",
    settings: { name, url, interval: "60", maxretries: "3", max_redirects: String(options.maxRedirects ?? 0), ...options.settings },
    acceptedStatusCodes: options.accepted ?? ["200-299"],
  };
}
