import { canonicalDuration } from "../evaluation/units";
import { FORWARD_AUTH_SNIPPET, forwardAuthSnippetLabels } from "../forward-auth";
import type { OfflineRun } from "../offline/run";
import { runOffline } from "../offline/run";
import {
  ADDED_SERVICES,
  FORWARD_AUTH_SERVICES,
  LAB_HOSTS,
  LAB_SERVICES,
  MOUNTED_SECRETS,
  OWN_AUTH_SERVICES,
  PINNED_SERVICES,
  PUBLIC_HOSTS,
  SECRET_FILES,
  SEED_EDGES,
  SEED_NETWORKS,
  SEED_SHARED_NETWORK_STACKS,
  SOCKET_PROXIES,
  STACK_DEPENDENCIES,
} from "./fixtures/seed";
import { attachedNetworks, networks, service, services, sitePrefixes } from "./helpers";

import { ROLE_LABEL } from "../lib/naming";

/**
 * Seed conformance: the prod render against the seed's architecture and the running lab's facts
 * (test/fixtures/seed.ts). Each fact must hold; what the lab adds beyond them (a service, a site,
 * a stack) is the lab's own business, judged by the rules the other suites check.
 */
let run: OfflineRun;
beforeAll(async () => {
  run = await runOffline({ stack: "prod" });
});

const realName = (key: string) => SEED_NETWORKS.find((network) => network.key === key)?.realName ?? key;
const byShortName = (name: string) => services(run).filter((svc) => svc.name.endsWith(`_${name}`) && svc.name === `${svc.stack}_${name}`);

describe("stacks and services", () => {
  test("every swarm service of the seed's stacks, and the ones the program adds, is declared as <stack>_<service>", () => {
    const declared = new Set(services(run).map((svc) => svc.name));
    const expected = [...Object.entries(LAB_SERVICES).flatMap(([stack, names]) => names.map((name) => `${stack}_${name}`)), ...ADDED_SERVICES];
    expect(expected.filter((name) => !declared.has(name))).toEqual([]);
  });

  test("each service carries its stack namespace on the service and its containers", () => {
    for (const svc of services(run)) {
      expect(svc.name.startsWith(`${svc.stack}_`)).toBe(true);
      expect(svc.containerLabels["com.docker.stack.namespace"]).toBe(svc.stack);
      expect(svc.labels["com.docker.stack.image"]).toBe(svc.container.image);
    }
  });

  test("every service keeps its short name as an alias on each of its networks", () => {
    for (const svc of services(run)) {
      const short = svc.name.slice(svc.stack.length + 1);
      for (const attachment of svc.task.networksAdvanceds ?? []) expect(attachment.aliases).toEqual([short]);
    }
  });

  test("cross-stack host names resolve: postgresql, authentik-server and op-connect-api are on the shared networks their clients use", () => {
    expect(attachedNetworks(service(run, "platform_postgres_postgresql"))).toContain("platform_postgres_postgres");
    expect(attachedNetworks(service(run, "platform_authentik_authentik-server"))).toContain("proxy_network");
    expect(attachedNetworks(service(run, "op-connect_op-connect-api"))).toContain("op-connect_op-connect");
    for (const client of ["platform_monitoring_grafana", "application_media_core_sonarr", "application_media_support_seerr"]) {
      expect(attachedNetworks(service(run, client))).toContain("platform_postgres_postgres");
    }
  });
});

describe("networks (seed: Network Inventory)", () => {
  test.each(SEED_NETWORKS.map((network) => [network.key, network]))("%s exists under its running name as an overlay", (_key, network) => {
    const found = networks(run).find((resource) => resource.inputs.name === network.realName);
    expect(found).toBeDefined();
    expect(found!.inputs.driver).toBe("overlay");
  });

  test.each(SEED_NETWORKS.filter((network) => network.type === "internal").map((network) => [network.key, network]))(
    "internal %s belongs to one stack and holds the members the seed lists",
    (_key, network) => {
      const found = networks(run).find((resource) => resource.inputs.name === network.realName)!;
      const owner = (found.inputs.labels as { label: string; value: string }[]).find((label) => label.label === "com.docker.stack.namespace")!.value;
      expect(network.realName.startsWith(`${owner}_`)).toBe(true);
      for (const member of network.members) {
        const svc = services(run).find((candidate) => candidate.name === `${owner}_${member}`);
        expect(svc && attachedNetworks(svc)).toContain(network.realName);
      }
    },
  );

  test.each(Object.entries(SEED_SHARED_NETWORK_STACKS))("shared %s is joined by the stacks the seed names", (key, stacks) => {
    const joined = new Set(services(run).filter((svc) => attachedNetworks(svc).includes(realName(key))).map((svc) => svc.stack));
    for (const stack of stacks) expect(joined).toContain(stack);
  });

  test("every network a service attaches to is one the program creates", () => {
    const created = new Set(networks(run).map((resource) => String(resource.inputs.name)));
    for (const svc of services(run)) for (const name of attachedNetworks(svc)) expect(created).toContain(name);
  });
});

describe("network map (seed: every edge)", () => {
  test.each(SEED_EDGES.map(([svc, net]) => [svc, net]))("%s --- %s", (name, key) => {
    const candidates = byShortName(name);
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.some((svc) => attachedNetworks(svc).includes(realName(key)))).toBe(true);
  });
});

describe("Caddy labels (seed: Caddy Label Convention)", () => {
  test("sonarr carries the seed's example site, its upstream inside the forward-auth route, on the service", () => {
    const sonarr = service(run, "application_media_core_sonarr");
    expect(sonarr.labels).toMatchObject({
      caddy: "sonarr.in.hypyr.space",
      "caddy.route.0_import": FORWARD_AUTH_SNIPPET,
      "caddy.route.1_reverse_proxy": "{{upstreams 8989}}",
      "caddy.tls.dns": "cloudflare {env.CLOUDFLARE_API_TOKEN}",
    });
    expect(Object.keys(sonarr.containerLabels)).toEqual(["com.docker.stack.namespace"]);
  });

  test("every site of the running lab is routed", () => {
    const hosts = new Set(services(run).flatMap((svc) => sitePrefixes(svc).map((prefix) => svc.labels[prefix]!)));
    expect(LAB_HOSTS.filter((host) => !hosts.has(host))).toEqual([]);
  });

  test("the running lab's public hosts are public: each is a tunnel rule", () => {
    const config = run.resources.find((resource) => resource.type === "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig")!;
    const tunnelHosts = ((config.inputs as { config: { ingresses: { hostname?: string }[] } }).config.ingresses).map((rule) => rule.hostname);
    expect(PUBLIC_HOSTS.filter((host) => !tunnelHosts.includes(host))).toEqual([]);
  });

  test("every site is on proxy_network, where Caddy reaches it, and declares TLS", () => {
    for (const svc of services(run)) {
      const prefixes = sitePrefixes(svc);
      if (prefixes.length === 0) continue;
      expect(attachedNetworks(svc)).toContain("proxy_network");
      for (const prefix of prefixes) expect(svc.labels[`${prefix}.tls.dns`]).toBe("cloudflare {env.CLOUDFLARE_API_TOKEN}");
    }
  });

  test("Caddy watches proxy_network through the socket proxy", () => {
    const caddy = service(run, "caddy_caddy");
    expect(caddy.container.env).toMatchObject({ CADDY_INGRESS_NETWORKS: "proxy_network", DOCKER_HOST: "tcp://docker-socket-proxy:2375" });
  });

  test("the ACME e-mail is a global option: its label prefix never names a site, and no site carries it", () => {
    const caddy = service(run, "caddy_caddy");
    const emails = Object.keys(caddy.labels).filter((key) => key.endsWith(".email"));
    expect(emails.map((key) => caddy.labels[key])).toEqual(["admin@hypyr.space"]);
    expect(caddy.labels[emails[0]!.split(".")[0]!]).toBeUndefined();
    expect(caddy.container.env?.CADDY_EMAIL).toBeUndefined();
  });
});

describe("forward auth", () => {
  const routed = () => services(run).filter((svc) => svc.labels.caddy !== undefined);
  const shortName = (svc: { name: string; stack: string }) => svc.name.slice(svc.stack.length + 1);

  const guarded = (svc: { labels: Record<string, string> }) => sitePrefixes(svc).filter((prefix) => svc.labels[`${prefix}.route.0_import`] === FORWARD_AUTH_SNIPPET);

  test.each(FORWARD_AUTH_SERVICES)("%s: every site is behind Authentik forward auth", (name) => {
    const found = routed().filter((svc) => shortName(svc) === name);
    expect(found.length).toBeGreaterThan(0);
    for (const svc of found) expect({ service: svc.name, guarded: guarded(svc) }).toEqual({ service: svc.name, guarded: sitePrefixes(svc) });
  });

  test.each(OWN_AUTH_SERVICES)("%s: no site is behind forward auth (it signs users in itself, or is open on purpose)", (name) => {
    const found = routed().filter((svc) => shortName(svc) === name);
    expect(found.length).toBeGreaterThan(0);
    for (const svc of found) expect({ service: svc.name, guarded: guarded(svc) }).toEqual({ service: svc.name, guarded: [] });
  });

  test("the forward-auth snippet is defined once, on Caddy, by the one helper, and nowhere else is forward_auth written", () => {
    const definitions = services(run).filter((svc) => Object.values(svc.labels).includes(`(${FORWARD_AUTH_SNIPPET})`));
    expect(definitions.map((svc) => svc.name)).toEqual(["caddy_caddy"]);
    const caddy = definitions[0]!;
    const prefix = Object.keys(caddy.labels).find((key) => caddy.labels[key] === `(${FORWARD_AUTH_SNIPPET})`)!;
    const snippet = Object.fromEntries(Object.entries(caddy.labels).filter(([key]) => key === prefix || key.startsWith(`${prefix}.`)));
    expect(snippet).toEqual(forwardAuthSnippetLabels(prefix));
    for (const svc of services(run)) {
      const written = Object.keys(svc.labels).filter((key) => key.includes("forward_auth") && !key.startsWith(`${prefix}.`));
      expect({ service: svc.name, written }).toEqual({ service: svc.name, written: [] });
    }
  });

  test("on a protected site the check comes first in one route, so Caddy cannot reorder it after the upstream", () => {
    for (const svc of routed()) {
      for (const prefix of sitePrefixes(svc)) {
        if (svc.labels[`${prefix}.route.0_import`] !== FORWARD_AUTH_SNIPPET) continue;
        const handlers = Object.keys(svc.labels).filter((key) => key.startsWith(`${prefix}.`) && !key.startsWith(`${prefix}.tls`));
        expect(handlers.every((key) => key.startsWith(`${prefix}.route.`))).toBe(true);
        expect(handlers.filter((key) => /\.route\.\d+_[a-z_]+$/.test(key)).sort()).toEqual([`${prefix}.route.0_import`, `${prefix}.route.1_reverse_proxy`]);
      }
    }
  });
});

describe("Docker socket proxy pattern", () => {
  const mountsSocket = (svc: { container: Record<string, any> }) => (svc.container.mounts ?? []).some((mount: { source?: string }) => mount.source === "/var/run/docker.sock");

  test("the lab's socket proxies mount the socket, and every service that does is a socket proxy: read-only, with writes disabled", () => {
    const mounting = services(run).filter(mountsSocket);
    expect(SOCKET_PROXIES.filter((name) => !mounting.some((svc) => svc.name === name))).toEqual([]);
    for (const svc of mounting) {
      expect({ service: svc.name, role: svc.labels[ROLE_LABEL] }).toEqual({ service: svc.name, role: "socket-proxy" });
      expect(svc.container.mounts).toEqual([{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }]);
      expect(svc.container.env?.POST).toBe("0");
      for (const write of ["EXEC", "IMAGES", "VOLUMES", "AUTH", "BUILD", "SECRETS", "ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS", "COMMIT", "PLUGINS", "SYSTEM"]) {
        expect(svc.container.env?.[write]).toBeUndefined();
      }
    }
  });

  test("Caddy, Homepage and AutoKuma reach the Docker API through a proxy on a stack network", () => {
    expect(service(run, "caddy_caddy").container.env?.DOCKER_HOST).toBe("tcp://docker-socket-proxy:2375");
    expect(service(run, "platform_observability_homepage").container.env?.HOMEPAGE_VAR_DOCKER_HOST).toBe("tcp://docker-socket-proxy:2375");
    expect(service(run, "platform_observability_autokuma").container.env?.AUTOKUMA__DOCKER__HOSTS).toBe("tcp://docker-socket-proxy:2375");
    expect(attachedNetworks(service(run, "caddy_docker-socket-proxy"))).toEqual(["caddy_docker_api"]);
    expect(attachedNetworks(service(run, "platform_observability_docker-socket-proxy"))).toEqual(["platform_observability_observability_internal"]);
  });
});

describe("placement", () => {
  const constraints = (name: string) => (service(run, name).task.placement?.constraints ?? []) as string[];

  test.each(PINNED_SERVICES)("%s is pinned to the storage node", (name) => {
    expect(constraints(name)).toEqual(["node.hostname == barbary"]);
  });

  test("the seed's other services float", () => {
    const seed = Object.entries(LAB_SERVICES).flatMap(([stack, names]) => names.map((name) => `${stack}_${name}`));
    const pinned = seed.filter((name) => !PINNED_SERVICES.includes(name) && constraints(name).length > 0);
    expect(pinned).toEqual([]);
  });

  test("a service is pinned exactly when it is stateful (protected in the state), whatever the lab holds", () => {
    for (const resource of run.resources.filter((candidate) => candidate.type === "docker:index/service:Service")) {
      const name = String(resource.inputs.name);
      expect({ service: name, pinned: constraints(name).length > 0 }).toEqual({ service: name, pinned: resource.protect });
    }
  });

  test("restart policy delay and window are explicit (no perpetual provider diff)", () => {
    for (const svc of services(run)) {
      // In the provider's read-back form (evaluation/units.ts), or the preview after an up shows a diff.
      expect(canonicalDuration(svc.task.restartPolicy?.delay ?? "(none)")).toBe(svc.task.restartPolicy?.delay);
      expect(svc.task.restartPolicy?.window).toBe("0s");
    }
  });
});

describe("monitors (Uptime Kuma through AutoKuma's labels)", () => {
  const kuma = () => service(run, "platform_observability_uptime-kuma");
  const monitorTargets = () =>
    services(run).flatMap((svc) =>
      Object.entries(svc.labels)
        .filter(([key]) => /^kuma\.[^.]+\.[^.]+\.(url|hostname)$/.test(key))
        .map(([key, value]) => ({ svc, key, host: key.endsWith(".url") ? new URL(value).hostname : value })),
    );

  test("every monitor names a service alias on a network Uptime Kuma is attached to, and only one service answers to it there", () => {
    const shared = new Set(attachedNetworks(kuma()));
    const targets = monitorTargets();
    expect(targets.length).toBeGreaterThan(0);
    for (const { key, host } of targets) {
      const answering = services(run).filter((svc) =>
        ((svc.task.networksAdvanceds ?? []) as { id: string; aliases?: string[] }[]).some((network) => shared.has(network.id) && (network.aliases ?? []).includes(host)),
      );
      expect({ key, answering: answering.length }).toEqual({ key, answering: 1 });
    }
  });

  test("no monitor accepts a redirect, which any login page would answer", () => {
    const accepted = services(run).flatMap((svc) => Object.entries(svc.labels).filter(([key]) => key.endsWith(".accepted_statuscodes")));
    expect(accepted.length).toBeGreaterThan(0);
    for (const [key, value] of accepted) expect({ key, codes: (JSON.parse(value) as string[]).filter((code) => code.startsWith("3")) }).toEqual({ key, codes: [] });
  });
});

describe("stack order", () => {
  /** Which stacks each stack's resources wait for, read from the registered dependencies. */
  const waitsFor = () => {
    const stackOf = new Map(run.resources.map((resource) => [resource.urn, /homelab:swarm:Stack::(.+)$/.exec(resource.parent)?.[1]]));
    const order = new Map<string, Set<string>>();
    for (const resource of run.resources) {
      const stack = stackOf.get(resource.urn);
      if (!stack) continue;
      const others = resource.dependencies.map((urn) => stackOf.get(urn)).filter((other): other is string => other !== undefined && other !== stack);
      order.set(stack, new Set([...(order.get(stack) ?? []), ...others]));
    }
    return order;
  };

  test.each(Object.keys(LAB_SERVICES))("%s waits only for the seed's stacks it needs at runtime", (stack) => {
    const seedStacks = new Set(Object.keys(LAB_SERVICES));
    expect([...(waitsFor().get(stack) ?? [])].filter((other) => seedStacks.has(other)).sort()).toEqual([...(STACK_DEPENDENCIES[stack] ?? [])].sort());
  });
});

describe("secrets (SEC-2)", () => {
  test.each(Object.entries(SECRET_FILES))("%s gets its secret variables as files, in its image's convention", (name, files) => {
    expect(service(run, name).container.env).toMatchObject(files);
  });

  test.each(Object.entries(MOUNTED_SECRETS))("%s receives only the secrets it uses", (name, targets) => {
    expect(((service(run, name).container.secrets ?? []) as { fileName: string }[]).map((secret) => secret.fileName).sort()).toEqual([...targets].sort());
  });
});
