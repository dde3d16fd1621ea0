import { ConfigError, parseConfig } from "../config";
import { STACKS } from "../lab";
import { Auth, bind, DOCKER_SOCKET, hostBind, type Removal, type ServiceSpec, type StackSpec } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { LabError, validateLab } from "../evaluation/validation";
import { exposureProblems } from "../evaluation/validation/exposure";
import { readStackConfig } from "../config/stack-file";

/**
 * The exposure guardrails of lab validation (evaluation/validation/exposure.ts): a minimal valid lab
 * broken one way per case, in a table of [sentence, stacks, removals, exact problems]; then the
 * same rules on the real program's path (validateLab, evaluateLab with the dev config).
 */

function web(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return { name: "web", image: "nginx:1.27-alpine", networks: ["proxy_network"], sites: [{ host: "web", port: 80 }], ...overrides };
}

const authentik: ServiceSpec = { name: "authentik-server", image: "ghcr.io/goauthentik/server:2025.12.4", networks: ["proxy_network"], sites: [{ host: "auth", port: 9000, auth: Auth.own("the identity provider") }] };

const app = (services: readonly ServiceSpec[], withAuthentik = true): StackSpec[] => [
  { name: "app", tier: "application", description: "test", services },
  ...(withAuthentik ? [{ name: "platform_authentik", tier: "platform" as const, description: "test", services: [authentik] }] : []),
];

const MESH = "is published on the routing mesh (every node's address)";

const CASES: readonly [string, readonly StackSpec[], readonly Removal[], readonly string[]][] = [
  ["the baseline lab", app([web()]), [], []],
  [
    "a routing-mesh port on a service with a Caddy site",
    app([web({ ports: [{ target: 8989, published: 8989, mode: "ingress" }] })]),
    [],
    [`app/web: ports[0]: 8989/tcp ${MESH}, which reaches this service past Caddy and Authentik; serve it through its site, or declare the port with a reason`],
  ],
  ["the same port declared with its reason", app([web({ ports: [{ target: 8989, published: 8989, mode: "ingress", reason: "an API client that cannot do SSO" }] })]), [], []],
  [
    "a blank reason is no reason",
    app([web({ ports: [{ target: 53, published: 53, mode: "ingress", protocol: "udp", reason: "  " }] })]),
    [],
    [`app/web: ports[0]: 53/udp ${MESH}, which reaches this service past Caddy and Authentik; serve it through its site, or declare the port with a reason`],
  ],
  ["a routing-mesh port on a service without sites", app([web({ sites: [], ports: [{ target: 53, published: 53, mode: "ingress" }] })]), [], []],
  ["a host-mode port on a routed service (the policy pack grants those)", app([web({ ports: [{ target: 9113, published: 9113, mode: "host" }] })]), [], []],
  [
    "the ingress controller's own mesh ports need a reason too",
    app([web({ name: "caddy", role: "ingress-controller", sites: [{ host: "*", auth: Auth.none("catch-all"), directives: { respond: "404" } }], ports: [{ target: 443, published: 443, mode: "ingress" }] })]),
    [],
    [`app/caddy: ports[0]: 443/tcp ${MESH}, the lab's front door; declare the port with a reason`],
  ],
  [
    "a bind of / (the planted sonarr change)",
    app([web({ mounts: [bind("/", "/host")] })]),
    [],
    ['app/web: mounts[0]: bind of / (the node\'s whole file system) needs a reason: bind only what the service needs, or declare it with hostBind("/", "/host", "<reason>")'],
  ],
  ["a bind of / declared with hostBind and a reason", app([web({ mounts: [hostBind("/", "/host/rootfs", "file system usage metrics")] })]), [], []],
  [
    "system paths, read-only or not, however spelled",
    app([web({ mounts: [bind("/etc/localtime", "/etc/localtime", true), bind("/proc/../sys/", "/sys"), bind("/var", "/host/var"), bind("/var/run", "/run/host"), bind("/root/.ssh", "/keys")] })]),
    [],
    [
      'app/web: mounts[0]: bind of /etc/localtime (system path /etc) needs a reason: bind only what the service needs, or declare it with hostBind("/etc/localtime", "/etc/localtime", "<reason>")',
      'app/web: mounts[1]: bind of /proc/../sys/ (system path /sys) needs a reason: bind only what the service needs, or declare it with hostBind("/proc/../sys/", "/sys", "<reason>")',
      'app/web: mounts[2]: bind of /var (the node\'s /var, which holds /var/run and the engine\'s data) needs a reason: bind only what the service needs, or declare it with hostBind("/var", "/host/var", "<reason>")',
      'app/web: mounts[3]: bind of /var/run (system path /var/run) needs a reason: bind only what the service needs, or declare it with hostBind("/var/run", "/run/host", "<reason>")',
      'app/web: mounts[4]: bind of /root/.ssh (system path /root) needs a reason: bind only what the service needs, or declare it with hostBind("/root/.ssh", "/keys", "<reason>")',
    ],
  ],
  ["binds of data paths and of /dev with a reason", app([web({ mounts: [bind("/mnt/apps01/appdata/web", "/config"), hostBind("/dev/dri", "/dev/dri", "GPU", { readOnly: false })] })]), [], []],
  [
    "the socket, however spelled, is the socket-proxy rule's (evaluation/validation/service.ts, tested in lab-validation), not this module's",
    app([web({ mounts: [bind(DOCKER_SOCKET, DOCKER_SOCKET, true), hostBind("/run/docker.sock", "/var/run/docker.sock", "it wants to see containers")] })]),
    [],
    [],
  ],
  [
    "protected sites in a selection without Authentik",
    app([web({ sites: [{ host: "web", port: 80 }, { host: "web-admin", port: 81, auth: Auth.own("its own login") }, { host: "web-api", port: 82 }] })], false),
    [],
    [0, 2].map(
      (index) =>
        `app/web: sites[${index}].auth: behind Authentik forward auth, but no selected stack runs authentik-server on proxy_network; add its stack to homelab:stacks, or set homelab:forwardAuth to {enabled: false, reason: "..."}`,
    ),
  ],
  [
    "Authentik that Caddy cannot reach (not on proxy_network) does not count",
    [...app([web()], false), { name: "auth", tier: "platform", description: "test", services: [{ ...authentik, networks: ["op-connect"], sites: [] }] }],
    [],
    ['app/web: sites[0].auth: behind Authentik forward auth, but no selected stack runs authentik-server on proxy_network; add its stack to homelab:stacks, or set homelab:forwardAuth to {enabled: false, reason: "..."}'],
  ],
  ["a selection without Authentik and without protected sites", app([web({ sites: [{ host: "web", port: 80, auth: Auth.own("its own login") }] })], false), [], []],
  [
    "removals without a reason",
    app([web()]),
    [
      { stack: "old_stack", reason: "" },
      { stack: "app", service: "db", reason: "   " },
      { stack: "app", service: "cache", reason: "replaced by the shared redis" },
    ],
    [
      "lab/removed.ts[0] (old_stack): reason: expected why it is removed; up deletes it on the strength of this entry",
      "lab/removed.ts[1] (app/db): reason: expected why it is removed; up deletes it on the strength of this entry",
    ],
  ],
];

describe("exposure guardrails", () => {
  test.each(CASES)("%s", (_, stacks, removed, expected) => {
    expect(exposureProblems(stacks, removed)).toEqual(expected);
  });

  test("are lab-validation errors: validateLab stops with each of them before anything is registered", () => {
    let problems: readonly string[] = [];
    try {
      validateLab(app([web({ ports: [{ target: 8989, published: 8989, mode: "ingress" }], mounts: [bind("/", "/host")] })]), { sharedNetworks: SHARED_NETWORKS });
    } catch (error) {
      expect(error).toBeInstanceOf(LabError);
      problems = (error as LabError).problems;
    }
    expect(problems.map((problem) => problem.split(":").slice(0, 2).join(":"))).toEqual(["app/web: ports[0]", "app/web: mounts[0]"]);
  });
});

describe("forward auth and the dev stack", () => {
  const dev = () => ({ ...readStackConfig("dev") });

  test("dev as shipped validates: its subset runs no Authentik, and its config turns forward auth off with a reason", () => {
    const lab = evaluateLab(parseConfig(dev()).homelab, STACKS);
    const auths = lab.stacks.flatMap((stack) => stack.services.flatMap((service) => (service.sites ?? []).map((site) => site.auth?.kind ?? "authentik")));
    expect(auths.length).toBeGreaterThan(0);
    expect(auths).not.toContain("authentik");
  });

  test("dev without the switch is refused, naming every protected site", () => {
    const raw = dev();
    delete raw["homelab:forwardAuth"];
    const error = (() => {
      try {
        evaluateLab(parseConfig(raw).homelab, STACKS);
      } catch (caught) {
        return caught;
      }
      throw new Error("expected a LabError");
    })();
    expect(error).toBeInstanceOf(LabError);
    const problems = (error as LabError).problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems).toContain(
      'application_media_core/sonarr: sites[0].auth: behind Authentik forward auth, but no selected stack runs authentik-server on proxy_network; add its stack to homelab:stacks, or set homelab:forwardAuth to {enabled: false, reason: "..."}',
    );
  });

  test.each([
    ["off without a reason", { enabled: false }, ["homelab:forwardAuth.reason: required, turning forward auth off needs a reason (the render shows it on every site it opens)"]],
    ["an unknown key", { enabled: true, mode: "basic" }, ['homelab:forwardAuth.mode: unknown key']],
  ] as const)("homelab:forwardAuth %s is a config error naming the key", (_, value, expected) => {
    expect(() => parseConfig({ ...dev(), "homelab:forwardAuth": JSON.stringify(value) })).toThrow(ConfigError);
    try {
      parseConfig({ ...dev(), "homelab:forwardAuth": JSON.stringify(value) });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(expected);
    }
  });

  test("never for a public site: prod with forward auth off is refused, naming the public site", () => {
    const raw = { ...readStackConfig("prod"), "onepassword:serviceAccountToken": "test", "homelab:forwardAuth": JSON.stringify({ enabled: false, reason: "a test" }) };
    const definitions = [...STACKS, () => ({ name: "edge_test", tier: "application" as const, description: "test", services: [web({ sites: [{ host: "edge-test", port: 80, public: true }] })] })];
    try {
      evaluateLab(parseConfig(raw).homelab, definitions);
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(["homelab:forwardAuth.enabled: false would serve the public site edge_test/web sites[0] (edge-test) without sign-in"]);
    }
  });
});
