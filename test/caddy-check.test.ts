import { parseCaddyfile } from "../caddy/caddyfile";
import { judgeCaddyfile } from "../caddy/check";
import { GLOBAL_OPTIONS, HANDLER_DIRECTIVES, SITE_DIRECTIVES, SUBDIRECTIVES } from "../caddy/directives";
import { caddyAdapt } from "./support/caddy";
import { describeWith } from "../servers/tools";

/**
 * The pure model of Caddy's adapter (caddy/check.ts), which lab validation runs before
 * anything is registered, held to the real Caddy: each case is judged by both, and what the model
 * refuses, Caddy refuses in the words the model reports; what it accepts, Caddy adapts.
 */

const CASES: readonly [string, string, string | undefined][] = [
  ["a global option inside a site", "a.example.com {\n\temail ops@example.com\n}\n", "unrecognized directive: email"],
  ["a directive outside any site (in the global block)", "{\n\treverse_proxy backend:80\n}\n", "unrecognized global option: reverse_proxy"],
  ["an unknown directive", "a.example.com {\n\tbasic_auth\n}\n", "unrecognized directive: basic_auth"],
  ["a site-only directive inside a route", "a.example.com {\n\troute {\n\t\ttls internal\n\t}\n}\n", "tls directive returned something other than an HTTP route or subroute (only handler directives can be used in routes)"],
  ["an unknown directive inside handle", "a.example.com {\n\thandle {\n\t\tbogus x\n\t}\n}\n", "unrecognized directive: bogus"],
  ["an import of a snippet nobody defines", "a.example.com {\n\troute {\n\t\timport authentik_forward_auth\n\t}\n}\n", "File to import not found: authentik_forward_auth"],
  ["an unknown directive inside an imported snippet", "(s) {\n\tbogus x\n}\na.example.com {\n\troute {\n\t\timport s\n\t}\n}\n", "unrecognized directive: bogus"],
  ["an unknown reverse_proxy subdirective", "a.example.com {\n\treverse_proxy b:80 {\n\t\tflush_interval -1\n\t\ttimeout 5s\n\t}\n}\n", "unrecognized subdirective timeout"],
  ["an unknown forward_auth subdirective", "a.example.com {\n\tforward_auth b:80 {\n\t\turi /check\n\t\tcopy_header X-User\n\t}\n}\n", "unrecognized subdirective copy_header"],
  ["an unknown tls subdirective", "a.example.com {\n\ttls {\n\t\tprovider x\n\t}\n}\n", "unknown subdirective: provider"],
  ["a DNS provider the lab's image lacks", "a.example.com {\n\ttls {\n\t\tdns route53 key\n\t}\n}\n", "getting module named 'dns.providers.route53': module not registered: dns.providers.route53"],
  ["one address in two sites", "a.example.com {\n\trespond 200\n}\nb.example.com a.example.com {\n\trespond 201\n}\n", "ambiguous site definition: a.example.com"],
  ["a second global options block", "{\n\tdebug\n}\na.example.com {\n\trespond 200\n}\n{\n\tadmin off\n}\n", "server block without any key is global configuration, and if used, it must be first"],
  ["matchers and handlers inside a route", "a.example.com {\n\troute {\n\t\t@api path /api/*\n\t\treverse_proxy @api b:80\n\t\trespond 404\n\t}\n}\n", undefined],
  [
    "the forward-auth snippet imported into a protected route",
    "(fa) {\n\trequest_header -X-Authentik-*\n\treverse_proxy /outpost.goauthentik.io/* http://authentik-server:9000\n\tforward_auth http://authentik-server:9000 {\n\t\turi /outpost.goauthentik.io/auth/caddy\n\t\tcopy_headers X-Authentik-Username\n\t}\n}\na.example.com {\n\troute {\n\t\timport fa\n\t\treverse_proxy b:80\n\t}\n\ttls internal\n}\n",
    undefined,
  ],
  ["response matchers inside reverse_proxy", "a.example.com {\n\treverse_proxy b:80 {\n\t\t@err status 500\n\t\thandle_response @err {\n\t\t\trespond 502\n\t\t}\n\t}\n}\n", undefined],
  ["global options and a health answer on a port", "{\n\temail ops@example.com\n}\nhttp://:2080 {\n\trespond /healthz 200\n}\n", undefined],
];

describe("the pure model", () => {
  test.each(CASES)("%s", (_case, caddyfile, message) => {
    expect(judgeCaddyfile(parseCaddyfile(caddyfile))?.message).toBe(message);
  });
});

describeWith(["caddy"])("the pure model agrees with the real Caddy (Debian's 2.6)", () => {
  test.each(CASES)("%s", (_case, caddyfile, message) => {
    const { error } = caddyAdapt(caddyfile);
    if (message === undefined) expect(error).toBeUndefined();
    else expect(error).toContain(message);
  });

  test("every directive the model knows is one Caddy knows, where the model allows it", () => {
    const refused = [...HANDLER_DIRECTIVES, ...SITE_DIRECTIVES].filter((name) => caddyAdapt(`a.example.com {\n\t${name}\n}\n`).error?.includes(`unrecognized directive: ${name}`));
    expect(refused).toEqual([]);
  });

  test("every global option the model knows is one Caddy knows", () => {
    const refused = [...GLOBAL_OPTIONS].filter((name) => caddyAdapt(`{\n\t${name}\n}\n`).error?.includes(`unrecognized global option: ${name}`));
    expect(refused).toEqual([]);
  });

  test("every subdirective the model knows is one Caddy knows", () => {
    const refused = [...SUBDIRECTIVES].flatMap(([directive, { names, unknown }]) =>
      [...names].filter((name) => {
        const header = directive === "forward_auth" ? "forward_auth b:80 {\n\t\turi /x\n" : `${directive} ${directive === "tls" ? "" : "b:80 "}{\n`;
        return caddyAdapt(`a.example.com {\n\t${header}\t\t${name}\n\t}\n}\n`).error?.includes(unknown(name));
      }),
    );
    expect(refused).toEqual([]);
  });

  test.each(["invoke", "fs", "intercept", "log_skip", "log_append", "tracing", "email", "acme_dns"])("%s in a site: the model and Caddy 2.6 both refuse it", (name) => {
    const caddyfile = `a.example.com {\n\t${name} x\n}\n`;
    const message = judgeCaddyfile(parseCaddyfile(caddyfile))?.message;
    expect(message).toBe(`unrecognized directive: ${name}`);
    expect(caddyAdapt(caddyfile).error).toContain(message);
  });

  test("the one deliberate difference: `dns cloudflare` is in the lab's image but not in Debian's Caddy (the lab tests replace it)", () => {
    const caddyfile = "a.example.com {\n\ttls {\n\t\tdns cloudflare {env.CLOUDFLARE_API_TOKEN}\n\t}\n}\n";
    expect(judgeCaddyfile(parseCaddyfile(caddyfile))).toBeUndefined();
    expect(caddyAdapt(caddyfile).error).toContain("module not registered: dns.providers.cloudflare");
  });
});
