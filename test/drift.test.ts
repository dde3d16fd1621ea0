import { adoptMarkdown, planAdoption } from "../live/adopt";
import { compareSwarms, hasDrift, serviceDifferences, UNMANAGED_VALUE } from "../live/drift";
import type { DesiredSwarm, ServiceState, SwarmState } from "../live/swarm-state";

/** The comparison itself, on hand-made states: what counts as drift and what does not. */

function service(overrides: Partial<ServiceState> = {}): ServiceState {
  return {
    name: "app_web",
    image: "nginx:1.27",
    labels: { caddy: "web.in.example.com", "com.docker.stack.image": "nginx:1.27" },
    containerLabels: { "com.docker.stack.namespace": "app" },
    envNames: ["TZ"],
    networks: [{ name: "proxy_network", aliases: ["web"] }],
    mounts: [],
    constraints: [],
    replicas: 1,
    ports: [],
    secrets: [{ name: "app_web_token-0123abcd", target: "/run/secrets/token" }],
    configs: [],
    ...overrides,
  };
}

const network = { name: "proxy_network", driver: "overlay", attachable: true, labels: {} };

function desired(services: ServiceState[], extra: Partial<SwarmState> = {}): DesiredSwarm {
  return {
    networks: [network],
    services,
    secrets: [{ name: "app_web_token-0123abcd", labels: {} }],
    configs: [],
    ...extra,
    resources: new Map([
      ["network:proxy_network", { type: "docker:index/network:Network", logicalName: "proxy_network", parent: "homelab:swarm:SharedNetworks::shared-networks" }],
      ["service:app_web", { type: "docker:index/service:Service", logicalName: "app_web", parent: "homelab:swarm:Stack::app" }],
    ]),
    components: new Map([
      ["homelab:swarm:SharedNetworks::shared-networks", { type: "homelab:swarm:SharedNetworks", name: "shared-networks" }],
      ["homelab:swarm:Stack::app", { type: "homelab:swarm:Stack", name: "app" }],
    ]),
  };
}

const live = (services: ServiceState[], extra: Partial<SwarmState> = {}): SwarmState => ({
  networks: [{ ...network, id: "n1" }, { name: "ingress", id: "n0", driver: "overlay", attachable: false, labels: {} }],
  services: services.map((s, i) => ({ ...s, id: `s${i}` })),
  secrets: [{ name: "app_web_token-9f9f9f9f", id: "x1", labels: {} }],
  configs: [],
  ...extra,
});

describe("drift", () => {
  test("the same state is no drift: the engine's ingress network, a pinned image digest and another secret digest are not drift", () => {
    const report = compareSwarms(desired([service()]), live([service({ image: "nginx:1.27@sha256:" + "a".repeat(64), secrets: [{ name: "app_web_token-9f9f9f9f", target: "/run/secrets/token" }] })]));
    expect(hasDrift(report)).toBe(false);
  });

  test("a declared digest must match exactly", () => {
    const pinned = `nginx:1.27@sha256:${"a".repeat(64)}`;
    expect(serviceDifferences(service({ image: pinned }), service({ image: `nginx:1.27@sha256:${"b".repeat(64)}` }))).toEqual([
      { field: "image", declared: pinned, live: `nginx:1.27@sha256:${"b".repeat(64)}` },
    ]);
  });

  test("each field that matters is reported by name, environment by name only", () => {
    const changed = service({
      labels: { caddy: "other.in.example.com", "com.docker.stack.image": "nginx:1.27" },
      envNames: ["TZ", "DEBUG"],
      networks: [{ name: "proxy_network", aliases: ["web", "www"] }],
      constraints: ["node.hostname == nas"],
      replicas: 3,
      ports: ["8080:80/tcp (ingress)"],
    });
    expect(serviceDifferences(service(), changed).map((difference) => difference.field)).toEqual(["labels.caddy", "env (names)", "networks", "placement", "replicas", "ports"]);
  });

  test.each([
    ["a declared label changed by hand: both values", { caddy: "other.in.example.com" }, [{ field: "labels.caddy", declared: "web.in.example.com", live: "other.in.example.com" }]],
    ["a declared label removed by hand", {}, [{ field: "labels.caddy", declared: "web.in.example.com", live: "(absent)" }]],
    ["a label added by hand: by name only", { caddy: "web.in.example.com", "backup.password": "hunter2" }, [{ field: "labels.backup.password", declared: "(absent)", live: UNMANAGED_VALUE }]],
  ])("labels: %s", (_case, labels, expected) => {
    const live = service({ labels: { ...labels, "com.docker.stack.image": "nginx:1.27" } });
    expect(serviceDifferences(service(), live)).toEqual(expected);
  });

  test("a hand-made network label is shown by name only too", () => {
    const report = compareSwarms(desired([service()]), live([service()], { networks: [{ ...network, id: "n1", labels: { token: "hunter2" } }] }));
    expect(report.networks).toEqual([{ name: "proxy_network", id: "n1", differences: [{ field: "labels.token", declared: "(absent)", live: UNMANAGED_VALUE }] }]);
    expect(JSON.stringify(report)).not.toContain("hunter2");
  });

  test("unmanaged and missing objects, by kind", () => {
    const report = compareSwarms(desired([service(), service({ name: "app_db" })]), live([service(), service({ name: "manual" })], { configs: [{ name: "leftover", id: "c1", labels: {} }] }));
    expect(report.unmanaged).toEqual([
      { kind: "config", name: "leftover", id: "c1" },
      { kind: "service", name: "manual", id: "s1" },
    ]);
    expect(report.missing).toEqual([{ kind: "service", name: "app_db" }]);
  });
});

describe("adoption plan", () => {
  test("imports by live ID under the declared component; secrets are not importable and created by up", () => {
    const plan = planAdoption(desired([service()]), live([service()]), "5.2.0");
    expect(plan.importFile.resources).toEqual([
      { type: "homelab:swarm:Stack", name: "app", component: true },
      { type: "homelab:swarm:SharedNetworks", name: "shared-networks", component: true },
      { type: "docker:index/network:Network", name: "proxy_network", id: "n1", parent: "shared-networks", version: "5.2.0" },
      { type: "docker:index/service:Service", name: "app_web", id: "s0", parent: "app", version: "5.2.0" },
    ]);
    expect(plan.notImportable.map((secret) => secret.name)).toEqual(["app_web_token-0123abcd"]);
    expect(plan.createdByUp).toEqual([{ kind: "secret", name: "app_web_token-0123abcd" }]);
  });

  test("a network or an attachment that differs is flagged as a replacement (downtime); a label as an update", () => {
    const plan = planAdoption(
      desired([service()]),
      live([service({ networks: [{ name: "proxy_network", aliases: [] }], labels: { caddy: "x", "com.docker.stack.image": "nginx:1.27" } })], {
        networks: [{ ...network, id: "n1", attachable: false }],
      }),
      "5.2.0",
    );
    expect(plan.replacements.map((replacement) => [replacement.kind, replacement.name, replacement.fields.map((field) => field.field)])).toEqual([
      ["network", "proxy_network", ["attachable"]],
      ["service", "app_web", ["networks"]],
    ]);
    expect(plan.updates).toEqual([]);

    const labelOnly = planAdoption(desired([service()]), live([service({ labels: { caddy: "x", "com.docker.stack.image": "nginx:1.27" } })]), "5.2.0");
    expect(labelOnly.replacements).toEqual([]);
    expect(labelOnly.updates.map((update) => update.fields.map((field) => field.field))).toEqual([["labels.caddy"]]);
  });

  test("container labels, replicas, image and ports update in place (the provider replaces only for network attachments)", () => {
    const changed = service({ containerLabels: { "com.docker.stack.namespace": "other" }, replicas: 3, image: "nginx:1.28", ports: ["8080:80/tcp (ingress)"] });
    const plan = planAdoption(desired([service()]), live([changed]), "5.2.0");
    expect(plan.replacements).toEqual([]);
    expect(plan.updates.map((update) => update.fields.map((field) => field.field))).toEqual([["image", "containerLabels.com.docker.stack.namespace", "replicas", "ports"]]);
  });

  test.each([
    ["named by this program (identity and digest): the up would create that very name", "app_web_token-9f9f9f9f", "app_web_token-9f9f9f9f", ["app_web"]],
    ["named by other tooling: a new name", "app_token", undefined, []],
  ])("a live secret %s", (_case, liveName, existing, mayUpdate) => {
    const liveSecret = { name: liveName, id: "x1", labels: {} };
    const plan = planAdoption(desired([service()]), live([service({ secrets: [{ name: liveName, target: "/run/secrets/token" }] })], { secrets: [liveSecret] }), "5.2.0");
    expect(plan.notImportable).toEqual([{ name: "app_web_token-0123abcd", reason: expect.any(String), ...(existing ? { existing } : {}) }]);
    expect(plan.updatesIfValueChanged).toEqual(mayUpdate);
    const markdown = adoptMarkdown(plan, { stack: "prod", host: "ssh://deploy@nas", importFile: "reports/import.json" });
    expect(markdown).toContain(existing ? `- \`app_web_token-…\`: live \`${liveName}\`` : "**New names (1).**");
  });
});
