/**
 * What the Caddyfile adapter knows, by name: the directives, global options and the subdirectives
 * of the directives the lab's labels use. The lists are Caddy 2.6's, the version Debian ships and
 * the test suite runs (test/caddy-check.test.ts asks that Caddy about every name here, and about
 * names that are not). The lab's image runs a newer Caddy (caddy-docker-proxy builds on 2.11),
 * which knows a few more (`fs`, `invoke`, `intercept`, `log_skip`, `log_append`, ...): using one
 * means adding it here, where the agreement test will show that Debian's Caddy cannot judge it.
 */

/** Directives that handle requests, so they may appear inside `route`, `handle` and the like. */
export const HANDLER_DIRECTIVES: ReadonlySet<string> = new Set([
  "abort",
  "acme_server",
  "basicauth",
  "copy_response",
  "copy_response_headers",
  "encode",
  "error",
  "file_server",
  "forward_auth",
  "handle",
  "handle_path",
  "header",
  "map",
  "method",
  "metrics",
  "php_fastcgi",
  "push",
  "redir",
  "request_body",
  "request_header",
  "respond",
  "reverse_proxy",
  "rewrite",
  "root",
  "route",
  "skip_log",
  "templates",
  "try_files",
  "uri",
  "vars",
]);

/** Directives that configure the site itself; only at a site's top level. */
export const SITE_DIRECTIVES: ReadonlySet<string> = new Set(["bind", "tls", "log", "handle_errors"]);

/** Directives whose block holds further directives (checked like a site's). */
export const NESTING_DIRECTIVES: ReadonlySet<string> = new Set(["route", "handle", "handle_path", "handle_errors"]);

/** A site without one of these (directly, or inside a nesting directive) answers every request with an empty 200. */
export const TERMINAL_DIRECTIVES: ReadonlySet<string> = new Set(["abort", "error", "file_server", "php_fastcgi", "redir", "respond", "reverse_proxy", "acme_server"]);

export const GLOBAL_OPTIONS: ReadonlySet<string> = new Set([
  "acme_ca",
  "acme_ca_root",
  "acme_dns",
  "acme_eab",
  "admin",
  "auto_https",
  "cert_issuer",
  "debug",
  "default_bind",
  "default_sni",
  "email",
  "events",
  "grace_period",
  "http_port",
  "https_port",
  "key_type",
  "local_certs",
  "log",
  "ocsp_interval",
  "ocsp_stapling",
  "on_demand_tls",
  "order",
  "pki",
  "preferred_chains",
  "renew_interval",
  "servers",
  "shutdown_delay",
  "skip_install_trust",
  "storage",
  "storage_clean_interval",
]);

const REVERSE_PROXY = [
  "to",
  "lb_policy",
  "lb_retries",
  "lb_try_duration",
  "lb_try_interval",
  "lb_retry_match",
  "health_uri",
  "health_path",
  "health_port",
  "health_interval",
  "health_timeout",
  "health_status",
  "health_body",
  "health_headers",
  "fail_duration",
  "max_fails",
  "unhealthy_status",
  "unhealthy_latency",
  "unhealthy_request_count",
  "flush_interval",
  "buffer_requests",
  "buffer_responses",
  "max_buffer_size",
  "trusted_proxies",
  "header_up",
  "header_down",
  "method",
  "rewrite",
  "transport",
  "handle_response",
  "replace_status",
  "dynamic",
];

/**
 * Subdirectives by directive, with the words Caddy 2.6 uses to refuse an unknown one. Directives
 * not listed here are judged by name only; their insides are left to the real Caddy in the tests.
 */
export const SUBDIRECTIVES: ReadonlyMap<string, { readonly names: ReadonlySet<string>; readonly unknown: (name: string) => string }> = new Map([
  ["reverse_proxy", { names: new Set(REVERSE_PROXY), unknown: (name: string) => `unrecognized subdirective ${name}` }],
  ["forward_auth", { names: new Set([...REVERSE_PROXY, "uri", "copy_headers"]), unknown: (name: string) => `unrecognized subdirective ${name}` }],
  [
    "tls",
    {
      names: new Set(["protocols", "ciphers", "curves", "alpn", "load", "ca", "ca_root", "key_type", "dns", "resolvers", "dns_challenge_override_domain", "eab", "on_demand", "client_auth", "issuer", "get_certificate", "insecure_secrets_log"]),
      unknown: (name: string) => `unknown subdirective: ${name}`,
    },
  ],
]);

/** DNS providers the lab's Caddy image is built with (`tls { dns <provider> ... }`). */
export const DNS_PROVIDERS: ReadonlySet<string> = new Set(["cloudflare"]);
