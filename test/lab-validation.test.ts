import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { Auth, bind, DOCKER_SOCKET, hostBind, op, programSecret, SecretEnv, type ServiceSpec, type StackSpec, type Tier } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import { socketProxy } from "../lab/shared/socket-proxy";
import { evaluateLab, labContext } from "../evaluation/evaluate-lab";
import { LabError, validateLab } from "../evaluation/validation";
import { readStackConfig } from "../config/stack-file";

/** Lab declaration errors: small hand-made stacks, each with exactly the problems it must report. */

const SHARED_KEYS = "proxy_network, op-connect, postgres, smtp_relay, notifications";

/** A service that validates cleanly; every case breaks one thing about it. */
function web(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return { name: "web", image: "nginx:1.27-alpine", networks: ["proxy_network"], sites: [{ host: "web", port: 80 }], ...overrides };
}

function stack(name: string, services: readonly ServiceSpec[], extra: Partial<StackSpec> = {}): StackSpec {
  const tier: Tier = "application";
  return { name, tier, description: `${name} (test)`, services, ...extra };
}

/**
 * The service protected sites forward to: each case's lab includes it, so that only the
 * guardrail cases (test/exposure-rules.test.ts) meet a lab without Authentik.
 */
const AUTHENTIK = stack("platform_authentik", [{ name: "authentik-server", image: "ghcr.io/goauthentik/server:2025.12.4", networks: ["proxy_network"] }]);

function problemsOf(stacks: readonly StackSpec[]): readonly string[] {
  try {
    validateLab([...stacks, AUTHENTIK], { sharedNetworks: SHARED_NETWORKS });
  } catch (error) {
    if (error instanceof LabError) return error.problems;
    throw error;
  }
  return [];
}

function labErrorOf(stacks: readonly StackSpec[]): LabError {
  try {
    validateLab([...stacks, AUTHENTIK], { sharedNetworks: SHARED_NETWORKS });
  } catch (error) {
    if (error instanceof LabError) return error;
    throw error;
  }
  throw new Error("expected a LabError");
}

const readWriteProxy: ServiceSpec = (() => {
  const proxy = socketProxy({ networks: ["docker_api"], endpoints: ["PING", "VERSION"] });
  return { ...proxy, mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: false }] };
})();

const CASES: readonly [string, readonly StackSpec[], readonly string[]][] = [
  [
    "a protected site may only refine its upstream inside the route",
    [stack("app", [web({ sites: [{ host: "web", port: 80, directives: { encode: "gzip", "reverse_proxy.flush_interval": "-1" } }] })])],
    [
      "app/web: sites[0].directives.encode: a site behind Authentik may only refine its upstream (reverse_proxy.*); give other handlers their own site with Auth.own or Auth.none",
    ],
  ],
  [
    "a protected site without an upstream has nothing to protect",
    [stack("app", [web({ sites: [{ host: "web", directives: { "reverse_proxy.flush_interval": "-1" } }] })])],
    ["app/web: sites[0]: a site behind Authentik needs a port or an upstream to protect"],
  ],
  [
    "a site host that is not a DNS name",
    [stack("app", [web({ sites: [{ host: "Web_1", port: 80 }] })])],
    ['app/web: sites[0].host: expected a DNS label such as "sonarr", "*", or a full name in the site\'s zone, got "Web_1"'],
  ],
  [
    "the tunnel token from a file needs cloudflared 2025.4.0 or later",
    [
      stack("edge", [
        web({
          name: "cloudflared",
          image: "cloudflare/cloudflared:2025.2.1",
          sites: [],
          secretEnv: { TUNNEL_TOKEN: programSecret("cloudflare-tunnel-token") },
          secretEnvDelivery: SecretEnv.cloudflared,
        }),
      ]),
    ],
    ["edge/cloudflared: image: reading the tunnel token from a file (TUNNEL_TOKEN_FILE) needs cloudflared 2025.4.0 or later, got 2025.2.1"],
  ],
  [
    "a program secret cannot go into an env file",
    [
      stack("edge", [
        web({
          name: "tunnel",
          image: "cloudflare/cloudflared:2026.2.0",
          sites: [],
          secretEnv: { TUNNEL_TOKEN: programSecret("cloudflare-tunnel-token") },
          secretEnvDelivery: SecretEnv.envFile(["cloudflared", "tunnel", "run"]),
        }),
      ]),
    ],
    ["edge/tunnel: secretEnv.TUNNEL_TOKEN: a program secret needs a file-variable delivery, not an env file"],
  ],
  [
    "unknown network key",
    [stack("app", [web({ networks: ["proxy_network", "backend"] })], { networks: [{ key: "media", purpose: "test" }] })],
    [`app/web: networks: unknown network "backend" (expected one of: media, ${SHARED_KEYS})`],
  ],
  ["bad image reference", [stack("app", [web({ image: "Nginx:Latest!" })])], ['app/web: image: expected an image reference such as repo/name:tag, got "Nginx:Latest!"']],
  ["negative replicas", [stack("app", [web({ replicas: -2 })])], ['app/web: replicas: expected a whole number >= 0 or "global", got -2']],
  ["fractional replicas", [stack("app", [web({ replicas: 1.5 })])], ['app/web: replicas: expected a whole number >= 0 or "global", got 1.5']],
  [
    "a non-socket-proxy service mounting the Docker socket",
    [stack("app", [web({ mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: true }] })])],
    ["app/web: mounts: only a socketProxy() service may mount the Docker socket; reach the API through one"],
  ],
  [
    "the socket under another name is still the socket, reason or not",
    [stack("app", [web({ mounts: [hostBind("/run/docker.sock", "/var/run/docker.sock", "it wants to see containers")] })])],
    ["app/web: mounts: only a socketProxy() service may mount the Docker socket; reach the API through one"],
  ],
  [
    "the socket spelled with a detour",
    [stack("app", [web({ mounts: [bind("/var/run/./docker.sock", "/s", true)] })])],
    ["app/web: mounts: only a socketProxy() service may mount the Docker socket; reach the API through one"],
  ],
  [
    "a socket proxy mounting the socket under another name",
    [stack("app", [{ ...readWriteProxy, mounts: [bind("/run/docker.sock", DOCKER_SOCKET, true)] }], { networks: [{ key: "docker_api", purpose: "test" }] })],
    ['app/docker-socket-proxy: mounts: a socket proxy mounts the Docker socket as /var/run/docker.sock, got "/run/docker.sock"'],
  ],
  [
    "a socket proxy mounting the socket read-write",
    [stack("app", [readWriteProxy], { networks: [{ key: "docker_api", purpose: "test" }] })],
    ["app/docker-socket-proxy: mounts: the Docker socket must be mounted read-only"],
  ],
  [
    "a socket proxy allowing POST",
    [stack("app", [{ ...socketProxy({ networks: ["docker_api"], endpoints: ["PING"] }), env: { PING: "1", POST: "1" } }], { networks: [{ key: "docker_api", purpose: "test" }] })],
    ["app/docker-socket-proxy: env.POST: a socket proxy must not allow write requests"],
  ],
  [
    "a site on a service not on proxy_network",
    [stack("app", [web({ networks: ["postgres"] })])],
    ['app/web: networks: a service with sites must join "proxy_network", where Caddy reaches it'],
  ],
  [
    "secretEnv without secretEnvDelivery",
    [stack("app", [web({ secretEnv: { DB_PASSWORD: op("web", "db_password") } })])],
    ["app/web: secretEnvDelivery: required with secretEnv (how does this image read secrets from files?)"],
  ],
  [
    "opt-out auth with an empty reason",
    [stack("app", [web({ sites: [{ host: "web", port: 80, auth: Auth.none("   ") }] })])],
    ["app/web: sites[0].auth: opting out of forward auth needs a reason"],
  ],
  [
    "own auth with an empty reason on the second site",
    [stack("app", [web({ sites: [{ host: "web", port: 80 }, { host: "web-api", port: 81, auth: Auth.own("") }] })])],
    ["app/web: sites[1].auth: opting out of forward auth needs a reason"],
  ],
  [
    "duplicate mount target",
    [
      stack("app", [
        web({
          mounts: [
            { type: "bind", source: "/mnt/apps01/appdata/web", target: "/data" },
            { type: "volume", name: "web-data", target: "/data" },
          ],
        }),
      ]),
    ],
    ['app/web: mounts: target "/data" is already used by mounts'],
  ],
  [
    "a config file over a mount target",
    [
      stack("app", [
        web({
          mounts: [{ type: "bind", source: "/mnt/apps01/appdata/web", target: "/etc/web.sh" }],
          configs: [{ file: "stacks/platform/postgres/pg-backup.sh", target: "/etc/web.sh" }],
        }),
      ]),
    ],
    ['app/web: configs: target "/etc/web.sh" is already used by mounts'],
  ],
  [
    "stateful and global",
    [stack("app", [web({ stateful: true, replicas: "global" })])],
    ["app/web: stateful: a global service runs on every node and cannot be pinned to the storage node"],
  ],
  [
    "dependsOn a later tier",
    [stack("ingress", [web()], { tier: "infrastructure", dependsOn: ["apps"] }), stack("apps", [web({ name: "app", sites: [{ host: "app", port: 80 }] })])],
    ['ingress: dependsOn: "apps" is in a later tier (application)'],
  ],
  ["dependsOn an unknown stack", [stack("app", [web()], { dependsOn: ["platform_redis"] })], ['app: dependsOn: unknown stack "platform_redis"']],
  [
    "missing config file",
    [stack("app", [web({ configs: [{ file: "app/missing.yml", target: "/etc/web/config.yml" }] })])],
    ['app/web: configs: "lab/app/missing.yml" does not exist'],
  ],
  [
    "missing secret template file",
    [stack("app", [web({ secretFiles: [{ target: "/run/secrets/web.conf", value: { kind: "template", file: "app/web.conf.tmpl" } }] })])],
    ['app/web: secret template "lab/app/web.conf.tmpl" does not exist'],
  ],
  [
    "a secret template that references no field",
    [stack("app", [web({ secretFiles: [{ target: "/run/secrets/web.conf", value: { kind: "template", text: "no placeholders here" } }] })])],
    ["app/web: a secret value references no 1Password field"],
  ],
  ["bad memory 12X", [stack("app", [web({ limits: { cpus: "1", memory: "12X" } })])], ['app/web: limits.memory: expected a size such as "512M" or "1G", got "12X"']],
  ["zero CPUs reserved", [stack("app", [web({ reservations: { cpus: "0" } })])], ['app/web: reservations.cpus: expected a positive number of CPUs such as "0.5", got "0"']],
  [
    "bad duration",
    [stack("app", [web({ healthcheck: { test: ["CMD", "true"], interval: "10 seconds" } })])],
    ['app/web: healthcheck.interval: expected a duration such as "30s", got "10 seconds"'],
  ],
  ["bad stopGracePeriod", [stack("app", [web({ stopGracePeriod: "1min" })])], ['app/web: stopGracePeriod: expected a duration such as "30s", got "1min"']],
  [
    "the same ingress port published twice",
    [stack("app", [web({ ports: [{ target: 80, published: 8080, mode: "ingress", reason: "test" }] }), web({ name: "web2", sites: [], ports: [{ target: 81, published: 8080, mode: "ingress" }] })])],
    ["app/web2: ports: ingress port 8080 is already published by app/web"],
  ],
  [
    "a stack network shadowing a shared one",
    [stack("app", [web()], { networks: [{ key: "postgres", purpose: "test" }] })],
    ['app: networks: "postgres" would shadow the shared network of that key'],
  ],
  ["a service declared twice", [stack("app", [web(), web({ sites: [] })])], ["app/web: service is declared twice in the stack"]],
  [
    "a site with both port and upstream",
    [stack("app", [web({ sites: [{ host: "web", port: 80, upstream: "web:80" }] })])],
    ["app/web: sites[0]: set either port or upstream, not both"],
  ],
];

describe("validateLab", () => {
  test("the baseline service validates cleanly", () => {
    expect(problemsOf([stack("app", [web()])])).toEqual([]);
  });

  test("the same host label may be used once internally and once publicly", () => {
    expect(problemsOf([stack("app", [web(), web({ name: "web-public", sites: [{ host: "web", port: 80, public: true }] })])])).toEqual([]);
  });

  test.each(CASES)("%s", (_case, stacks, expected) => {
    const error = labErrorOf(stacks);
    expect(error.problems).toEqual(expected);
    expect(error.name).toBe("LabError");
    expect(error.message).toBe(`Invalid lab declaration (1 problem):\n  ${expected[0]}`);
  });

  test("every problem of a declaration is collected into one error", () => {
    const error = labErrorOf([
      stack("app", [
        web({
          image: "BAD IMAGE",
          networks: ["postgres"],
          limits: { memory: "12X" },
          restart: { condition: "any", delay: "5 s" },
        }),
      ]),
    ]);
    expect(error.problems).toEqual([
      'app/web: image: expected an image reference such as repo/name:tag, got "BAD IMAGE"',
      'app/web: networks: a service with sites must join "proxy_network", where Caddy reaches it',
      'app/web: limits.memory: expected a size such as "512M" or "1G", got "12X"',
      'app/web: restart.delay: expected a duration such as "30s", got "5 s"',
    ]);
    expect(error.message.startsWith("Invalid lab declaration (4 problems):\n  app/web: image:")).toBe(true);
  });
});

describe("the real lab", () => {
  const configs = {
    prod: { ...readStackConfig("prod"), "onepassword:serviceAccountToken": "fake-token-for-tests" },
    dev: { ...readStackConfig("dev"), "onepassword:serviceAccountToken": "fake-token-for-tests" },
  };

  /** The stacks a config selects, in lab/index.ts order: all of them, or its `homelab:stacks`. */
  const selected = (name: keyof typeof configs) => {
    const config = parseConfig(configs[name]).homelab;
    return STACKS.map((define) => define(labContext(config)).name).filter((stack) => config.stacks === undefined || config.stacks.includes(stack));
  };

  test.each([
    ["prod", selected("prod")],
    ["dev", selected("dev")],
  ] as const)("%s validates cleanly", (name, expectedStacks) => {
    const lab = evaluateLab(parseConfig(configs[name]).homelab, STACKS);
    expect(lab.stacks.map((s) => s.name)).toEqual(expectedStacks);
    expect(() => validateLab(lab.stacks.map((stack) => stack.spec), { sharedNetworks: SHARED_NETWORKS })).not.toThrow();
    for (const stack of lab.stacks) expect(stack.services.map((plan) => plan.name)).toEqual(stack.spec.services.map((service) => service.name));
  });

  test("dev leaves out the services that need the lab's hardware", () => {
    const lab = evaluateLab(parseConfig(configs.dev).homelab, STACKS);
    const mediaCore = lab.stacks.find((s) => s.name === "application_media_core");
    const names = mediaCore?.services.map((s) => s.name) ?? [];
    expect(names).toContain("sonarr");
    expect(names).not.toContain("plex");
    expect(names).not.toContain("jellyfin");
  });
});

describe("review fixes", () => {
  test("stacks that depend on each other in a cycle are a LabError, raised before anything is registered", () => {
    const a = { ...stack("plat_a", [web()]), tier: "platform" as const, dependsOn: ["plat_b"] };
    const b = { ...stack("plat_b", [web({ name: "api", sites: [{ host: "api", port: 80 }] })]), tier: "platform" as const, dependsOn: ["plat_a"] };
    const error = labErrorOf([a, b]);
    expect(error.problems).toEqual(["plat_a: dependsOn: stacks depend on each other in a cycle: plat_a -> plat_b -> plat_a"]);
  });

  test("a directive cannot replace the derived forward auth, TLS or upstream of a site", () => {
    const error = labErrorOf([stack("app", [web({ sites: [{ host: "web", port: 80, directives: { forward_auth: "http://nothing", "tls.dns": "x", reverse_proxy: "evil:80", "reverse_proxy.flush_interval": "-1" } }] })])]);
    expect(error.problems).toEqual([
      "app/web: sites[0].directives.forward_auth: would replace a derived label; use port/upstream and auth instead",
      "app/web: sites[0].directives.tls.dns: would replace a derived label; use port/upstream and auth instead",
      "app/web: sites[0].directives.reverse_proxy: would replace a derived label; use port/upstream and auth instead",
    ]);
  });
});
