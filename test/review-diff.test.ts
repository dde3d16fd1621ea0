import type { Removal } from "../lab/model";
import { inventoryOfStacks } from "../evaluation/deletion-safety";
import type { ExposureItem } from "../review/exposure-summary";
import type { LabView, RouteView, ServiceView, SiteView, StackView } from "../review/lab-view";
import { COMMENT_LIMIT, REVIEW_MARKER, reviewJson, reviewMarkdown, reviewText } from "../review/report";
import { WIDTH } from "../review/text-layout";
import { diffViews } from "../review/view-diff";

/**
 * The review's comparison, on small hand-made views: each kind of exposure the summary calls out,
 * planted one at a time into an otherwise equal lab, with exactly the items it must produce; the
 * deletion-safety verdicts; the field-by-field changes; and the three report formats.
 */

const site = (host: string, auth = "authentik", isPublic = false): SiteView => ({ host, public: isPublic, auth, upstream: "{{upstreams 80}}", labels: {} });

function service(name: string, extra: Partial<ServiceView> = {}): ServiceView {
  return {
    name,
    swarmName: `app_${name}`,
    image: "nginx:1.27-alpine",
    replicas: 1,
    stateful: false,
    protected: false,
    networks: [{ name: "proxy_network", aliases: [name] }],
    ports: [],
    mounts: [{ type: "bind", source: "/srv/lab/appdata/web", target: "/config", readOnly: false }],
    env: [{ name: "TZ", digest: "7e5f76c9" }],
    secrets: [{ name: `app_${name}_DB_PASSWORD-1a2b3c4d`, target: "/run/secrets/DB_PASSWORD", mode: "0440", owner: "0:0" }],
    configs: [],
    sites: [site(`${name}.in.example.test`)],
    monitors: [],
    labels: {},
    derivedLabels: {},
    placement: [],
    limits: { cpus: 1, memoryBytes: 512 * 1024 ** 2 },
    update: { order: "start-first", failureAction: "rollback" },
    run: { hosts: [] },
    ...extra,
  };
}

const stack = (name: string, services: readonly ServiceView[]): StackView => ({ name, tier: "application", description: `${name} (test)`, networks: [], dependsOn: [], services });

/** A view whose routes and inventory follow from its stacks, as the real builder's do. */
function lab(stacks: readonly StackView[], extra: { removals?: readonly Removal[]; disabledServices?: readonly string[] } = {}): LabView {
  const routes = stacks.flatMap((s) =>
    s.services.flatMap((svc) =>
      svc.sites.map(
        (entry): RouteView => ({
          host: entry.host,
          owner: `${s.name}/${svc.name}`,
          public: entry.public,
          auth: entry.auth.split(":")[0]!,
          caddySite: "caddy",
          internalRecord: undefined,
          noRecordBecause: "internal DNS not managed",
          tunnelRule: undefined,
          cloudflareRecord: undefined,
        }),
      ),
    ),
  );
  return {
    stack: "test",
    secretSource: "Pulumi config (homelab:secretValues)",
    forwardAuth: { enabled: true },
    dataPaths: ["/srv/lab/appdata", "/srv/lab/media"],
    unlockedImages: [],
    secretValues: [],
    inventory: inventoryOfStacks(stacks),
    removals: extra.removals ?? [],
    disabledServices: extra.disabledServices ?? [],
    sharedNetworks: [{ name: "proxy_network", purpose: "Caddy routing" }],
    stacks,
    ingress: { internalDns: "not managed (no homelab:unifi)", tunnel: undefined, routes, tunnelRules: [] },
    counts: {},
  };
}

const BASE = [
  stack("app", [service("web"), service("db", { stateful: true, protected: true, sites: [] })]),
  stack("tools", [service("tool", { mounts: [{ type: "bind", source: "/opt/tool", target: "/opt", readOnly: true }] })]),
];
const base = lab(BASE);

/** The base with one service of `app` edited. */
function editing(name: string, edit: (svc: ServiceView) => ServiceView | undefined, extra?: Parameters<typeof lab>[1]): LabView {
  const edited = BASE.map((s) => ({ ...s, services: s.services.flatMap((svc) => (svc.name === name ? [edit(svc)].filter((x): x is ServiceView => x !== undefined) : [svc])) }));
  return lab(edited, extra);
}

const CASES: readonly [string, LabView, readonly ExposureItem[]][] = [
  [
    "a host that becomes public",
    editing("web", (svc) => ({ ...svc, sites: [...svc.sites, site("web.example.test", "authentik", true)] })),
    [{ kind: "public-host", subject: "web.example.test", detail: "now public, served by app/web (authentik)" }],
  ],
  [
    "a host that loses forward auth",
    editing("web", (svc) => ({ ...svc, sites: [site("web.in.example.test", "none: open for a demo")] })),
    [{ kind: "lost-forward-auth", subject: "web.in.example.test", detail: "no longer behind forward auth: app/web (none: open for a demo)" }],
  ],
  [
    "a new host without forward auth",
    editing("web", (svc) => ({ ...svc, sites: [...svc.sites, site("web-api.in.example.test", "own: API keys")] })),
    [{ kind: "lost-forward-auth", subject: "web-api.in.example.test", detail: "new, without forward auth: app/web (own: API keys)" }],
  ],
  [
    "a routing-mesh port on a service behind Caddy",
    editing("web", (svc) => ({ ...svc, ports: [{ published: 8080, target: 80, protocol: "tcp", mode: "ingress", reason: "a test" }] })),
    [
      {
        kind: "published-port",
        subject: "app/web",
        detail: "8080:80/tcp ingress (routing mesh, every node): a test; the routing mesh reaches it past Caddy and Authentik (its sites: web.in.example.test)",
      },
    ],
  ],
  [
    "a host-mode port",
    editing("web", (svc) => ({ ...svc, ports: [{ published: 9113, target: 9113, protocol: "tcp", mode: "host" }] })),
    [{ kind: "published-port", subject: "app/web", detail: "9113:9113/tcp host (host mode, the task's node)" }],
  ],
  [
    "a routing-mesh port on the ingress controller: its own front door, no bypass",
    editing("web", (svc) => ({ ...svc, role: "ingress-controller", ports: [{ published: 443, target: 443, protocol: "tcp", mode: "ingress", reason: "front door" }] })),
    [{ kind: "published-port", subject: "app/web", detail: "443:443/tcp ingress (routing mesh, every node): front door" }],
  ],
  [
    "a bind outside the data paths",
    editing("web", (svc) => ({ ...svc, mounts: [...svc.mounts, { type: "bind", source: "/srv/elsewhere", target: "/data", readOnly: true }] })),
    [{ kind: "host-bind", subject: "app/web", detail: "bind /srv/elsewhere -> /data ro" }],
  ],
  ["a bind inside the data paths: not an exposure", editing("web", (svc) => ({ ...svc, mounts: [...svc.mounts, { type: "bind", source: "/srv/lab/media", target: "/media", readOnly: true }] })), []],
  [
    "a bind of /: the Docker socket and a host path",
    editing("web", (svc) => ({ ...svc, mounts: [...svc.mounts, { type: "bind", source: "/", target: "/host", readOnly: true, reason: "why not" }] })),
    [
      { kind: "docker-socket", subject: "app/web", detail: "bind / -> /host ro (why not): reaches the Docker socket, root on its node" },
      { kind: "host-bind", subject: "app/web", detail: "bind / -> /host ro (why not); the node's whole file system" },
    ],
  ],
  [
    "a socket proxy's socket mount is called out too",
    lab([...BASE, stack("proxy", [service("docker-socket-proxy", { role: "socket-proxy", sites: [], mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }] })])]),
    [
      { kind: "docker-socket", subject: "proxy/docker-socket-proxy", detail: "bind /var/run/docker.sock -> /var/run/docker.sock ro: reaches the Docker socket, root on its node (a socket proxy)" },
      { kind: "host-bind", subject: "proxy/docker-socket-proxy", detail: "bind /var/run/docker.sock -> /var/run/docker.sock ro; system path /var/run" },
      { kind: "new-secret", subject: "proxy/docker-socket-proxy", detail: "app_docker-socket-proxy_DB_PASSWORD at /run/secrets/DB_PASSWORD" },
    ],
  ],
  [
    "a read-only bind made writable",
    editing("tool", (svc) => ({ ...svc, mounts: [{ type: "bind", source: "/opt/tool", target: "/opt", readOnly: false }] })),
    [{ kind: "host-bind", subject: "tools/tool", detail: "bind /opt/tool -> /opt rw" }],
  ],
  [
    "a secret the service newly receives",
    editing("web", (svc) => ({ ...svc, secrets: [...svc.secrets, { name: "app_web_API_KEY-99999999", target: "/run/secrets/API_KEY" }] })),
    [{ kind: "new-secret", subject: "app/web", detail: "app_web_API_KEY at /run/secrets/API_KEY" }],
  ],
  ["a rotated secret (same identity, new digest): not new", editing("web", (svc) => ({ ...svc, secrets: [{ ...svc.secrets[0]!, name: "app_web_DB_PASSWORD-ffffffff" }] })), []],
  ["a changed image", editing("web", (svc) => ({ ...svc, image: "nginx:1.28-alpine" })), [{ kind: "image", subject: "app/web", detail: "nginx:1.27-alpine -> nginx:1.28-alpine" }]],
  ["a stateless service removed", editing("web", () => undefined), [{ kind: "removed", subject: "app/web", detail: "stateless: up deletes it" }]],
  [
    "a stateful service removed without a removal entry",
    editing("db", () => undefined),
    [
      {
        kind: "removed",
        subject: "app/db",
        detail: 'up refuses: this stateful service is deployed but no longer declared; up would delete it. If that is intended, add { stack: "app", service: "db", reason: "..." } to lab/removed.ts',
      },
    ],
  ],
  [
    "a stateful service removed with its reason",
    editing("db", () => undefined, { removals: [{ stack: "app", service: "db", reason: "moved to a managed database" }] }),
    [{ kind: "removed", subject: "app/db", detail: "declared in lab/removed.ts (moved to a managed database); up deletes it; it is protected: pulumi state unprotect it first" }],
  ],
  [
    "a stateful service turned off in config",
    editing("db", () => undefined, { disabledServices: ["app/db"] }),
    [{ kind: "removed", subject: "app/db", detail: "turned off in config (homelab:services); up deletes it; it is protected: pulumi state unprotect it first" }],
  ],
  [
    "a stack removed without a removal entry",
    lab([BASE[0]!]),
    [
      {
        kind: "removed",
        subject: "stack tools",
        detail: 'up refuses: this stack is deployed but no longer declared or selected (homelab:stacks); up would delete all its services. If that is intended, add { stack: "tools", reason: "..." } to lab/removed.ts',
      },
    ],
  ],
  ["a stack removed with its reason", lab([BASE[0]!], { removals: [{ stack: "tools", reason: "retired" }] }), [{ kind: "removed", subject: "stack tools", detail: "declared in lab/removed.ts (retired); up deletes its 1 service" }]],
  [
    "a new service: its ports and secrets are new (its bind is inside the data paths)",
    lab([BASE[0]!, stack("tools", [...BASE[1]!.services, service("new", { ports: [{ published: 81, target: 81, protocol: "tcp", mode: "ingress" }] })])]),
    [
      { kind: "published-port", subject: "tools/new", detail: "81:81/tcp ingress (routing mesh, every node); the routing mesh reaches it past Caddy and Authentik (its sites: new.in.example.test)" },
      { kind: "new-secret", subject: "tools/new", detail: "app_new_DB_PASSWORD at /run/secrets/DB_PASSWORD" },
    ],
  ],
  ["an unrelated edit (a memory limit): a change, no exposure", editing("web", (svc) => ({ ...svc, limits: { cpus: 1, memoryBytes: 768 * 1024 ** 2 } })), []],
];

describe("the exposure summary", () => {
  test.each(CASES)("%s", (_, after, expected) => {
    const diff = diffViews(base, after);
    expect(diff.exposure).toEqual(expected);
    expect(diff.changed).toBe(true);
  });

  test("an identical lab: no change and nothing to call out", () => {
    expect(diffViews(base, lab(BASE))).toEqual({ stack: "test", changed: false, exposure: [], lab: [], stacks: [] });
  });
});

describe("the changes, field by field", () => {
  test("an edited field lists the lines that left and the lines that came", () => {
    const diff = diffViews(base, editing("web", (svc) => ({ ...svc, limits: { cpus: 1, memoryBytes: 768 * 1024 ** 2 } })));
    expect(diff.stacks).toEqual([{ name: "app", status: "changed", changes: [], services: [{ name: "web", status: "changed", changes: [{ field: "limits", removed: ["1 CPU, 512 MiB"], added: ["1 CPU, 768 MiB"] }] }] }]);
  });

  test("an environment value changes by digest, never by value", () => {
    const diff = diffViews(base, editing("web", (svc) => ({ ...svc, env: [{ name: "TZ", digest: "00000000" }] })));
    expect(diff.stacks[0]!.services[0]!.changes).toEqual([{ field: "env", removed: ["TZ (value 7e5f76c9)"], added: ["TZ (value 00000000)"] }]);
  });

  test("an added service shows every field it has; a removed one is named; order within a field does not count", () => {
    const reordered = lab([stack("app", [service("web", { networks: [...BASE[0]!.services[0]!.networks].reverse() }), BASE[0]!.services[1]!]), stack("tools", [service("extra")])]);
    const diff = diffViews(base, reordered);
    const tools = diff.stacks.find((s) => s.name === "tools")!;
    expect(tools.services.map((svc) => [svc.name, svc.status])).toEqual([
      ["extra", "added"],
      ["tool", "removed"],
    ]);
    expect(tools.services[0]!.changes.map((change) => change.field)).toEqual(["image", "replicas", "stateful", "protected", "update", "networks", "sites", "mounts", "env", "secrets", "limits"]);
    expect(tools.services[1]!.changes).toEqual([]);
    expect(diff.stacks.map((s) => s.name)).toEqual(["tools"]);
  });

  test("lab-wide settings: forward auth turned off", () => {
    const after = { ...lab(BASE), forwardAuth: { enabled: false, reason: "a laptop" } };
    expect(diffViews(base, after).lab).toEqual([{ field: "forward auth", removed: ["on (Authentik)"], added: ["off: a laptop"] }]);
  });
});

describe("the reports", () => {
  const review = {
    base: { ref: "main", commit: "0123456789abcdef0123456789abcdef01234567" },
    diff: diffViews(base, editing("web", (svc) => ({ ...svc, image: `registry.example.test/${"very-long-name/".repeat(8)}nginx:1.28`, ports: [{ published: 8080, target: 80, protocol: "tcp", mode: "ingress", reason: "`quoted` *stars* <tags>" }] }))),
  };

  test("text: headed by the exposure summary, every line at most 100 columns", () => {
    const text = reviewText(review);
    expect(text.split("\n").filter((line) => line.length > WIDTH)).toEqual([]);
    expect(text.indexOf("exposure summary:")).toBeLessThan(text.indexOf("changes, by stack and service:"));
    expect(text).toContain("  new published ports:\n    ! app/web: 8080:80/tcp ingress");
    expect(reviewText({ ...review, diff: diffViews(base, base) })).toBe('homelab review of stack "test": the working tree against main (0123456789ab)\nno change to the desired state\n');
  });

  test("Markdown: the marker first, escaped text, one fenced diff that nothing inside can close", () => {
    const markdown = reviewMarkdown({ ...review, diff: { ...review.diff, stacks: [{ ...review.diff.stacks[0]!, name: "has ``` inside" }] } });
    expect(markdown.split("\n")[0]).toBe(REVIEW_MARKER);
    expect(markdown).toContain("\\`quoted\\` \\*stars\\* \\<tags\\>");
    const fences = markdown.split("\n").filter((line) => /^`{3,}/.test(line));
    expect(fences).toEqual(["````diff", "````"]);
    expect(markdown).toContain("-       nginx:1.27-alpine\n+       registry.example.test/");
  });

  describe("Markdown within a limit (a pull-request comment)", () => {
    // Four backticks in every line: the fence is five, and the cut must close it with five.
    const added = Array.from({ length: 5000 }, (_, i) => `a \`\`\`\` line of the diff, number ${i}`);
    const long = { ...review, diff: { ...review.diff, stacks: [{ name: "app", status: "changed" as const, changes: [{ field: "labels", removed: [], added }], services: [] }] } };
    const whole = reviewMarkdown(long);
    const cut = reviewMarkdown(long, { limit: COMMENT_LIMIT, file: "review.md", artifact: "homelab-review" });
    const kept = cut.slice(0, cut.lastIndexOf("\n`````\n") + 1);

    test("a review that fits is the whole review", () => {
      expect(reviewMarkdown(review, { limit: COMMENT_LIMIT, file: "review.md" })).toBe(reviewMarkdown(review));
    });

    test("a long one is cut at a line to fit the limit, the marker first, using the room it has", () => {
      expect(whole.length).toBeGreaterThan(COMMENT_LIMIT);
      expect(cut.length).toBeLessThanOrEqual(COMMENT_LIMIT);
      expect(cut.split("\n")[0]).toBe(REVIEW_MARKER);
      expect(whole.startsWith(kept)).toBe(true);
      expect(kept.length).toBeGreaterThan(COMMENT_LIMIT - 300);
    });

    test("the cut closes the fence and the details it opened, so the note after them is text, not diff", () => {
      expect(cut.split("\n").filter((line) => /^`{3,}/.test(line))).toEqual(["`````diff", "`````"]);
      const [total, shown] = [whole.split("\n").length - 1, kept.split("\n").length - 1];
      expect(cut.slice(kept.length)).toBe(`\`\`\`\`\`\n\n</details>\n\n_Cut here to fit ${COMMENT_LIMIT} characters, ${total - shown} of the review's ${total} lines left out: the whole review is \`review.md\` in this run's artifact \`homelab-review\`._\n`);
      expect(() => reviewMarkdown(long, { limit: 100, file: "review.md" })).toThrow("the review cannot be cut to fit 100 characters");
    });
  });

  test("JSON: everything, parseable", () => {
    const parsed = JSON.parse(reviewJson(review)) as { base: unknown; changed: boolean; exposure: ExposureItem[] };
    expect(parsed.base).toEqual(review.base);
    expect(parsed.changed).toBe(true);
    expect(parsed.exposure.map((item) => item.kind)).toEqual(["published-port", "image"]);
  });
});
