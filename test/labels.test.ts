import { execFileSync } from "node:child_process";
import { FORWARD_AUTH_SNIPPET, forwardAuthSnippetLabels } from "../forward-auth";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Auth, httpMonitor, op, opTemplate, opTemplateFile, type Site } from "../lab/model";
import { homepageLabels, ingressControllerLabels, type IngressSettings, kumaLabels, mergeLabels, siteLabels } from "../evaluation/labels";
import { resolveSite } from "../evaluation/sites";
import { contentAddressedName, MAX_SWARM_OBJECT_NAME, shortHash } from "../lib/naming";
import { refsOf, renderEnvFile, renderSecretValue, shellQuote } from "../evaluation/secret-values";
import { isDuration, parseCpus, parseMemory } from "../evaluation/units";

const LAB: IngressSettings = { domain: "example.com", internalDomain: "in.example.com", storageNode: "nas", tls: "cloudflare-dns", acmeEmail: "acme@example.com" };
const DEV: IngressSettings = { domain: "lab.localhost", internalDomain: "in.lab.localhost", storageNode: "nas", tls: "internal", acmeEmail: "dev@lab.localhost" };

/** The identity headers Authentik's Caddy guide copies, written out here to pin the helper. */
const AUTHENTIK_HEADERS =
  "X-Authentik-Username X-Authentik-Groups X-Authentik-Entitlements X-Authentik-Email X-Authentik-Name X-Authentik-Uid " +
  "X-Authentik-Jwt X-Authentik-Meta-Jwks X-Authentik-Meta-Outpost X-Authentik-Meta-Provider X-Authentik-Meta-App X-Authentik-Meta-Version";

describe("siteLabels", () => {
  test.each<[string, Site, number, IngressSettings, Record<string, string>]>([
    [
      "authentik site with a port",
      { host: "sonarr", port: 8989 },
      0,
      LAB,
      {
        caddy: "sonarr.in.example.com",
        "caddy.route.0_import": "authentik_forward_auth",
        "caddy.route.1_reverse_proxy": "{{upstreams 8989}}",
        "caddy.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}",
      },
    ],
    [
      "authentik site refining its upstream inside the route",
      { host: "grafana", port: 3000, directives: { "reverse_proxy.flush_interval": "-1" } },
      0,
      LAB,
      {
        caddy: "grafana.in.example.com",
        "caddy.route.0_import": "authentik_forward_auth",
        "caddy.route.1_reverse_proxy": "{{upstreams 3000}}",
        "caddy.route.1_reverse_proxy.flush_interval": "-1",
        "caddy.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}",
      },
    ],
    [
      "own-auth site with a literal upstream and directives",
      {
        host: "barbary",
        upstream: "host.docker.internal:81",
        auth: Auth.own("TrueNAS has its own login"),
        directives: { "reverse_proxy.flush_interval": "-1", encode: "gzip" },
      },
      0,
      LAB,
      {
        caddy: "barbary.in.example.com",
        "caddy.reverse_proxy": "host.docker.internal:81",
        "caddy.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}",
        "caddy.reverse_proxy.flush_interval": "-1",
        "caddy.encode": "gzip",
      },
    ],
    [
      "second site gets the caddy_1 prefix",
      { host: "sonarr-api", port: 8990 },
      1,
      LAB,
      {
        caddy_1: "sonarr-api.in.example.com",
        "caddy_1.route.0_import": "authentik_forward_auth",
        "caddy_1.route.1_reverse_proxy": "{{upstreams 8990}}",
        "caddy_1.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}",
      },
    ],
    [
      "public host is in the public zone",
      { host: "requests", public: true, port: 5055, auth: Auth.none("invite links for friends") },
      0,
      LAB,
      {
        caddy: "requests.example.com",
        "caddy.reverse_proxy": "{{upstreams 5055}}",
        "caddy.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}",
      },
    ],
    [
      "internal TLS when tls is internal",
      { host: "grafana", port: 3000 },
      0,
      DEV,
      {
        caddy: "grafana.in.lab.localhost",
        "caddy.route.0_import": "authentik_forward_auth",
        "caddy.route.1_reverse_proxy": "{{upstreams 3000}}",
        "caddy.tls": "internal",
      },
    ],
    [
      "a full name is taken as written",
      { host: "status.example.com", public: true, port: 3001, auth: Auth.none("badges") },
      0,
      LAB,
      { caddy: "status.example.com", "caddy.reverse_proxy": "{{upstreams 3001}}", "caddy.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}" },
    ],
    [
      "directive-only wildcard site",
      { host: "*", auth: Auth.none("catch-all 404"), directives: { respond: "not-found 404" } },
      2,
      DEV,
      { caddy_2: "*.in.lab.localhost", "caddy_2.tls": "internal", "caddy_2.respond": "not-found 404" },
    ],
  ])("%s", (_case, site, index, ingress, expected) => {
    expect(siteLabels(resolveSite("app", "web", site, index, ingress), ingress)).toEqual(expected);
  });
});

describe("forwardAuthSnippetLabels", () => {
  test("defines the snippet once: client copies of the identity headers dropped, outpost paths straight to Authentik, then the check, in that order", () => {
    expect(forwardAuthSnippetLabels("caddy_2")).toEqual({
      caddy_2: `(${FORWARD_AUTH_SNIPPET})`,
      "caddy_2.0_request_header": "-X-Authentik-*",
      "caddy_2.1_reverse_proxy": "/outpost.goauthentik.io/* http://authentik-server:9000",
      "caddy_2.2_forward_auth": "http://authentik-server:9000",
      "caddy_2.2_forward_auth.uri": "/outpost.goauthentik.io/auth/caddy",
      "caddy_2.2_forward_auth.copy_headers": AUTHENTIK_HEADERS,
    });
  });
});

describe("ingressControllerLabels", () => {
  test("after the controller's sites: the snippet, Caddy's own health answer, and the global options under a prefix that never names a site", () => {
    const labels = ingressControllerLabels(2, LAB);
    expect(Object.keys(labels).filter((key) => /^caddy_\d+$/.test(key))).toEqual(["caddy_2", "caddy_3"]);
    expect(labels).toMatchObject({ caddy_3: "http://:2080", "caddy_3.respond": "/healthz 200", "caddy_4.email": "acme@example.com" });
    expect(labels.caddy_4).toBeUndefined();
  });
});

describe("homepageLabels", () => {
  const entry = { group: "Media", name: "Sonarr", icon: "sonarr.png", description: "TV shows" };

  test("uses the default href and flattens the widget", () => {
    expect(
      homepageLabels({ ...entry, widget: { type: "sonarr", url: "http://sonarr:8989", key: "{{HOMEPAGE_VAR_SONARR_API_KEY}}" } }, "https://sonarr.in.example.com"),
    ).toEqual({
      "homepage.group": "Media",
      "homepage.name": "Sonarr",
      "homepage.icon": "sonarr.png",
      "homepage.description": "TV shows",
      "homepage.href": "https://sonarr.in.example.com",
      "homepage.widget.type": "sonarr",
      "homepage.widget.url": "http://sonarr:8989",
      "homepage.widget.key": "{{HOMEPAGE_VAR_SONARR_API_KEY}}",
    });
  });

  test("an explicit href wins over the default", () => {
    expect(homepageLabels({ ...entry, href: "https://dash.example.net" }, "https://sonarr.in.example.com")["homepage.href"]).toBe("https://dash.example.net");
  });

  test("no href at all when there is neither", () => {
    expect(homepageLabels(entry, undefined)).toEqual({
      "homepage.group": "Media",
      "homepage.name": "Sonarr",
      "homepage.icon": "sonarr.png",
      "homepage.description": "TV shows",
    });
  });
});

describe("kumaLabels", () => {
  test("one label per monitor setting, kuma.<id>.<type>.<setting>", () => {
    expect(
      kumaLabels([
        { id: "sonarr", type: "http", settings: { name: "Sonarr", url: "http://sonarr:8989/ping", interval: "60" } },
        { id: "postgres-shared", type: "port", settings: { hostname: "postgresql", port: "5432" } },
      ]),
    ).toEqual({
      "kuma.sonarr.http.name": "Sonarr",
      "kuma.sonarr.http.url": "http://sonarr:8989/ping",
      "kuma.sonarr.http.interval": "60",
      "kuma.postgres-shared.port.hostname": "postgresql",
      "kuma.postgres-shared.port.port": "5432",
    });
    expect(kumaLabels([])).toEqual({});
  });

  test("accepted status codes are a list in the model and JSON in the label, as AutoKuma reads list settings", () => {
    expect(kumaLabels([{ id: "plex", type: "http", settings: { name: "Plex" }, acceptedStatusCodes: ["200-299", "401"] }])).toEqual({
      "kuma.plex.http.name": "Plex",
      "kuma.plex.http.accepted_statuscodes": '["200-299","401"]',
    });
  });
});

describe("httpMonitor", () => {
  test.each<[string, Parameters<typeof httpMonitor>[3], Record<string, string>]>([
    [
      "the defaults: 2xx only, no redirect followed",
      undefined,
      { name: "Sonarr", url: "http://sonarr:8989/ping", interval: "60", maxretries: "3", max_redirects: "0", accepted_statuscodes: '["200-299"]' },
    ],
    [
      "codes given as a list, redirects allowed, a setting overridden",
      { accepted: ["200", "204"], maxRedirects: 10, settings: { interval: "300" } },
      { name: "Sonarr", url: "http://sonarr:8989/ping", interval: "300", maxretries: "3", max_redirects: "10", accepted_statuscodes: '["200","204"]' },
    ],
  ])("%s", (_case, options, expected) => {
    const labels = kumaLabels([httpMonitor("sonarr", "Sonarr", "http://sonarr:8989/ping", options)]);
    expect(labels).toEqual(Object.fromEntries(Object.entries(expected).map(([key, value]) => [`kuma.sonarr.http.${key}`, value])));
  });
});

describe("mergeLabels", () => {
  test("merges disjoint groups", () => {
    expect(mergeLabels("app/web", [{ a: "1" }, { b: "2" }, {}])).toEqual({ a: "1", b: "2" });
  });

  test("refuses a key set twice, naming the owner and the key", () => {
    expect(() => mergeLabels("application_media_core/sonarr", [{ caddy: "sonarr.in.example.com" }, { "caddy.email": "x" }, { caddy: "other.in.example.com" }])).toThrow(
      new Error('application_media_core/sonarr: label "caddy" is set twice'),
    );
  });
});

describe("units", () => {
  test.each([
    ["512M", 512 * 1024 ** 2],
    ["1G", 1024 ** 3],
    ["2048M", 2048 * 1024 ** 2],
    ["1.5G", 1.5 * 1024 ** 3],
    ["256mb", 256 * 1024 ** 2],
    ["64K", 64 * 1024],
    ["1000", 1000],
  ])("parseMemory(%j) = %d bytes", (value, bytes) => {
    expect(parseMemory(value)).toBe(bytes);
  });

  test("512M is 536870912 bytes and 2048M equals 2G", () => {
    expect(parseMemory("512M")).toBe(536870912);
    expect(parseMemory("2048M")).toBe(parseMemory("2G"));
  });

  test.each([
    ["12X", 'expected a size such as "512M" or "1G", got "12X"'],
    ["M", 'expected a size such as "512M" or "1G", got "M"'],
    ["-1G", 'expected a size such as "512M" or "1G", got "-1G"'],
    ["0M", 'expected a positive size such as "512M", got "0M"'],
  ])("parseMemory(%j) throws", (value, message) => {
    expect(() => parseMemory(value)).toThrow(new Error(message));
  });

  test.each<[string | number, number]>([
    ["0.5", 500_000_000],
    ["2", 2_000_000_000],
    [1, 1_000_000_000],
    [0.25, 250_000_000],
  ])("parseCpus(%j) = %d nano-CPUs", (value, nano) => {
    expect(parseCpus(value)).toBe(nano);
  });

  test.each<[string | number, string]>([
    ["abc", 'expected a positive number of CPUs such as "0.5", got "abc"'],
    ["0", 'expected a positive number of CPUs such as "0.5", got "0"'],
    [-1, 'expected a positive number of CPUs such as "0.5", got "-1"'],
  ])("parseCpus(%j) throws", (value, message) => {
    expect(() => parseCpus(value)).toThrow(new Error(message));
  });

  test.each([
    ["5s", true],
    ["1m30s", true],
    ["300ms", true],
    ["1.5h", true],
    ["10 seconds", false],
    ["5", false],
    ["", false],
  ])("isDuration(%j) is %s", (value, expected) => {
    expect(isDuration(value)).toBe(expected);
  });
});

describe("contentAddressedName", () => {
  test("is the identity, a dash and an 8-hex digest of identity and content", () => {
    const name = contentAddressedName("caddy_caddy_env", "CLOUDFLARE_API_TOKEN='x'\n");
    expect(name).toBe(`caddy_caddy_env-${shortHash("caddy_caddy_env", "CLOUDFLARE_API_TOKEN='x'\n")}`);
    expect(name).toMatch(/^caddy_caddy_env-[0-9a-f]{8}$/);
  });

  test("is stable for the same identity and content", () => {
    expect(contentAddressedName("app_web_config.yml", "a: 1\n")).toBe(contentAddressedName("app_web_config.yml", "a: 1\n"));
    expect(contentAddressedName("app_web_config.yml", Buffer.from("a: 1\n"))).toBe(contentAddressedName("app_web_config.yml", "a: 1\n"));
  });

  test("changes when the content changes, and only the digest part", () => {
    const before = contentAddressedName("app_web_config.yml", "a: 1\n");
    const after = contentAddressedName("app_web_config.yml", "a: 2\n");
    expect(after).not.toBe(before);
    expect(after.slice(0, -8)).toBe(before.slice(0, -8));
  });

  test("stays within swarm's 64-character limit for a very long identity", () => {
    const identity = `application_media_enrichment_${"kometa".repeat(30)}_config.yml`;
    const name = contentAddressedName(identity, "x");
    expect(MAX_SWARM_OBJECT_NAME).toBe(64);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toBe(`${identity.slice(0, 55)}-${shortHash(identity, "x")}`);
  });

  test("two long identities sharing the first 55 characters get different names", () => {
    const shared = "a".repeat(55);
    const first = contentAddressedName(`${shared}_first_secret`, "same content");
    const second = contentAddressedName(`${shared}_second_secret`, "same content");
    expect(first.slice(0, 55)).toBe(shared);
    expect(second.slice(0, 55)).toBe(shared);
    expect(first).not.toBe(second);
    expect(first.length).toBe(64);
    expect(second.length).toBe(64);
  });

  test("replaces characters swarm rejects and trims a cut that ends in punctuation", () => {
    expect(contentAddressedName("app/web:config", "x")).toBe(`app_web_config-${shortHash("app/web:config", "x")}`);
    const identity = `${"b".repeat(53)}__tail`;
    expect(contentAddressedName(identity, "x")).toBe(`${"b".repeat(53)}-${shortHash(identity, "x")}`);
  });
});

describe("secret values", () => {
  test("refsOf an op reference is the reference itself", () => {
    expect(refsOf(op("cloudflare", "api_token"))).toEqual([{ kind: "op", item: "cloudflare", field: "api_token" }]);
    expect(refsOf(op("cloudflare-tunnel", "credentials_json", { decode: "base64" }))).toEqual([
      { kind: "op", item: "cloudflare-tunnel", field: "credentials_json", decode: "base64" },
    ]);
  });

  test("refsOf a template lists every placeholder in order, trimmed", () => {
    expect(refsOf(opTemplate("postgres://{{ op://sonarr/SONARR_POSTGRES_USER }}:{{op://sonarr/SONARR_POSTGRES_PASS}}@postgresql/{{  op://db/name with spaces  }}"))).toEqual([
      { kind: "op", item: "sonarr", field: "SONARR_POSTGRES_USER" },
      { kind: "op", item: "sonarr", field: "SONARR_POSTGRES_PASS" },
      { kind: "op", item: "db", field: "name with spaces" },
    ]);
    expect(refsOf(opTemplate("no placeholders"))).toEqual([]);
  });

  test("refsOf a template file reads it (named from lab/, as the evaluation names a stack's files)", () => {
    expect(refsOf(opTemplateFile("stacks/platform/postgres/pgpass"))).toEqual([{ kind: "op", item: "postgres-shared", field: "password" }]);
  });

  test("renderSecretValue of a plain field is its UTF-8 bytes", () => {
    const values = new Map([["sonarr/SONARR_POSTGRES_PASS", "pä$$word"]]);
    expect(renderSecretValue(op("sonarr", "SONARR_POSTGRES_PASS"), values)).toEqual(Buffer.from("pä$$word", "utf8"));
  });

  test("renderSecretValue decodes a base64 field", () => {
    const json = '{"AccountTag":"abc","TunnelSecret":"s3cr3t"}';
    const values = new Map([["cloudflare-tunnel/credentials_json", Buffer.from(json).toString("base64")]]);
    const rendered = renderSecretValue(op("cloudflare-tunnel", "credentials_json", { decode: "base64" }), values);
    expect(rendered.toString("utf8")).toBe(json);
  });

  test("renderSecretValue fills every template placeholder", () => {
    const values = new Map([
      ["sonarr/SONARR_POSTGRES_USER", "sonarr"],
      ["sonarr/SONARR_POSTGRES_PASS", "p@ss"],
    ]);
    expect(renderSecretValue(opTemplate("postgres://{{ op://sonarr/SONARR_POSTGRES_USER }}:{{op://sonarr/SONARR_POSTGRES_PASS}}@postgresql:5432"), values).toString("utf8")).toBe(
      "postgres://sonarr:p@ss@postgresql:5432",
    );
  });

  test("renderSecretValue of a template file keeps the rest of the file", () => {
    const rendered = renderSecretValue(opTemplateFile("stacks/platform/postgres/pgpass"), new Map([["postgres-shared/password", "hunter2"]])).toString("utf8");
    expect(rendered.split("\n")[1]).toBe("postgresql:5432:*:homelab:hunter2");
  });

  test.each([
    ["an op reference", op("sonarr", "SONARR_API_KEY")],
    ["a template", opTemplate("key={{ op://sonarr/SONARR_API_KEY }}")],
  ])("a missing field in %s names the item and field", (_case, value) => {
    expect(() => renderSecretValue(value, new Map([["sonarr/OTHER", "x"]]))).toThrow(new Error("no value was read for 1Password field sonarr/SONARR_API_KEY"));
  });

  test("shellQuote single-quotes and escapes embedded single quotes", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("")).toBe("''");
  });

  const TRICKY = "it's $HOME and `id` with  spaces\nsecond line";

  test("renderEnvFile quotes every value and sorts the names", () => {
    const variables = { ZEBRA: op("app", "zebra"), API_KEY: op("app", "api_key"), DB_URL: opTemplate("postgres://u:{{ op://app/db_pass }}@db") };
    const values = new Map([
      ["app/zebra", "z"],
      ["app/api_key", TRICKY],
      ["app/db_pass", "p'w"],
    ]);
    expect(renderEnvFile(variables, values).toString("utf8")).toBe(
      ["API_KEY='it'\\''s $HOME and `id` with  spaces\nsecond line'", "DB_URL='postgres://u:p'\\''w@db'", "ZEBRA='z'", ""].join("\n"),
    );
  });

  test("a POSIX shell loads the env file values literally", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "envfile-"));
    try {
      const file = path.join(directory, "web.env");
      writeFileSync(file, renderEnvFile({ API_KEY: op("app", "api_key") }, new Map([["app/api_key", TRICKY]])));
      const loaded = execFileSync("/bin/sh", ["-c", `set -a && . "$1" && set +a && printf '%s' "$API_KEY"`, "sh", file], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent-home" },
      });
      expect(loaded).toBe(TRICKY);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("renderEnvFile names a missing field", () => {
    expect(() => renderEnvFile({ API_KEY: op("app", "api_key") }, new Map())).toThrow(new Error("no value was read for 1Password field app/api_key"));
  });
});
