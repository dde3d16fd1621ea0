import * as ts from "typescript";
import { stackFileText } from "../compose-import/emit";
import { addSharedNetworks, addStack, LabEditError } from "../compose-import/lab-edits";
import { importCaddyLabels } from "../compose-import/map-caddy";
import { isCredential, opValue } from "../compose-import/map-secrets";
import { type ImportPlan, planImport } from "../compose-import/map-stack";
import type { ImportNote } from "../compose-import/notes";
import { sourceLines } from "../compose-import/source-lines";
import * as model from "../lab/model";
import { Auth, op, opTemplate, SecretEnv, type StackDefinition } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import { labContext } from "../evaluation/evaluate-lab";
import type { IngressSettings } from "../evaluation/labels";
import { parseConfig } from "../config";
import { readStackConfig } from "../config/stack-file";
import { accountForDrift } from "./support/import-drift";

/**
 * The compose import's pure parts, on compose models written as `docker stack config` prints
 * them (the real reader is exercised by test/compose-import-engine.test.ts): where each key was
 * written, Caddy labels as sites, the notes for what cannot be carried over, the TypeScript it
 * writes (evaluated back to the same data), and the edits of the lab's two lists.
 */

const INGRESS: IngressSettings = { domain: "lab.localhost", internalDomain: "in.lab.localhost", storageNode: "dev", tls: "internal", acmeEmail: "dev@lab.localhost" };

describe("where each key was written", () => {
  const base = ["x-env: &env", "  TZ: UTC", "services:", "  web:", "    image: nginx", "    environment:", "      <<: *env", "      A: '1'", "    deploy:", "      replicas: 2", ""].join("\n");
  const override = ["services:", "  web:", "    deploy:", "      replicas: 3", ""].join("\n");
  const lines = sourceLines([{ name: "compose.yaml", text: base }, { name: "override.yaml", text: override }]);

  test.each([
    ["a key written in the file: its own line", ["services", "web", "image"], "compose.yaml", 5],
    ["a key merged in by `<<: *anchor`: the anchor's line", ["services", "web", "environment", "TZ"], "compose.yaml", 2],
    ["a key the second file overrides: the second file's line", ["services", "web", "deploy", "replicas"], "override.yaml", 4],
    ["a key neither file writes: its deepest written parent", ["services", "web", "deploy", "placement"], "override.yaml", 3],
  ])("%s", (_, path, file, line) => {
    expect(lines.locate(path)).toEqual({ file, line });
  });
});

describe("caddy-docker-proxy labels as sites", () => {
  const snippets = new Set(["authentik"]);
  const reason = "served without forward auth by the compose file";
  test.each([
    [
      "a plain site in the internal zone, exactly the labels the lab derives",
      { caddy: "web.in.lab.localhost", "caddy.reverse_proxy": "{{upstreams 80}}", "caddy.tls": "internal", "homepage.name": "Web" },
      [{ kind: "site", root: "caddy", site: { host: "web", port: 80, auth: Auth.none(reason) }, matchesDerived: true }],
      { "homepage.name": "Web" },
    ],
    [
      "a site importing a forward-auth snippet: behind Authentik, its labels the lab's route",
      { caddy: "wiki.in.lab.localhost", "caddy.import": "authentik", "caddy.reverse_proxy": "{{upstreams 3000}}" },
      [{ kind: "site", root: "caddy", site: { host: "wiki", port: 3000 }, matchesDerived: false }],
      {},
    ],
    [
      "the lab's own route form, a public host and a refinement of the upstream",
      { caddy_1: "app.lab.localhost", "caddy_1.route.0_import": "authentik", "caddy_1.route.1_reverse_proxy": "{{upstreams 8080}}", "caddy_1.reverse_proxy.flush_interval": "-1" },
      [{ kind: "site", root: "caddy_1", site: { host: "app", public: true, port: 8080, directives: { "reverse_proxy.flush_interval": "-1" } }, matchesDerived: false }],
      {},
    ],
    [
      "a snippet that is not forward auth, a host outside the zones, an unknown import: kept as raw labels",
      { caddy_0: "(cors)", "caddy_0.header": "Access-Control-Allow-Origin *", caddy_1: "example.org", "caddy_1.reverse_proxy": "{{upstreams 80}}", caddy_2: "x.in.lab.localhost", "caddy_2.import": "cors" },
      [
        { kind: "raw", root: "caddy_0", why: "a snippet other than forward auth" },
        { kind: "raw", root: "caddy_1", why: '"example.org" is not one host in in.lab.localhost or lab.localhost' },
        { kind: "raw", root: "caddy_2", why: 'it imports "cors", a snippet these files do not define as forward auth' },
      ],
      { caddy_0: "(cors)", "caddy_0.header": "Access-Control-Allow-Origin *", caddy_1: "example.org", "caddy_1.reverse_proxy": "{{upstreams 80}}", caddy_2: "x.in.lab.localhost", "caddy_2.import": "cors" },
    ],
    [
      "the forward-auth snippet and global options: the lab's ingress controller and config own them",
      { caddy_0: "(authentik)", "caddy_0.forward_auth": "authentik-server:9000", "caddy_1.email": "me@example.org" },
      [
        { kind: "forward-auth-snippet", root: "caddy_0" },
        { kind: "global-options", root: "caddy_1" },
      ],
      {},
    ],
  ])("%s", (_, labels, roots, remaining) => {
    const result = importCaddyLabels("stack", "web", labels, snippets, INGRESS, reason);
    expect(result.roots).toEqual(roots);
    expect(result.labels).toEqual(remaining);
  });
});

describe("values that are secrets", () => {
  test.each([
    ["op://vault/item/field alone is a field", "op://homelab/sonarr/api_key", op("sonarr", "api_key")],
    ["inside a text, a template (the vault is config's)", "postgres://u:op://homelab/db/password@db/app", opTemplate("postgres://u:{{ op://db/password@db/app }}")],
    ["a plain value is none", "http://sonarr:8989", undefined],
  ])("%s", (_, value, expected) => {
    expect(opValue(value)).toEqual(expected);
  });

  test.each([
    ["DB_PASSWORD", "s3cret", true],
    ["APP_SECRET_KEY", "x", true],
    ["SONARR__AUTH__APIKEY", "abc", true],
    ["POSTGRES_PASSWORD_FILE", "/run/secrets/db", false],
    ["FILE__PASSWORD", "/run/secrets/db", false],
    ["TOKEN", "", false],
    ["TZ", "UTC", false],
  ])("%s=%s is a credential: %s", (name, value, expected) => {
    expect(isCredential(name, value)).toBe(expected);
  });
});

/** A plan from an inline model, the source lines taken from the YAML of that model. */
function plan(model: Record<string, unknown>, options: { pinStateful?: boolean; files?: Record<string, string> } = {}): ImportPlan {
  const text = require("yaml").stringify(model) as string;
  return planImport(model, sourceLines([{ name: "compose.yaml", text }]), {
    stack: "app",
    tier: "application",
    ingress: INGRESS,
    pinStateful: options.pinStateful ?? true,
    sharedNetworks: SHARED_NETWORKS,
    readFile: (file) => options.files?.[file] ?? "",
    isFile: (file) => options.files?.[file] !== undefined,
    composeDir: "/compose",
    files: ["compose.yaml"],
  });
}

const notesOf = (result: ImportPlan) => result.notes.map((note) => [note.kind, note.key, note.message]);

describe("what cannot be carried over is noted, each with its key", () => {
  const IMAGE = "nginx:1.27";
  test.each([
    [
      "update and rollback policies, and a constraint other than the storage node",
      { services: { web: { image: IMAGE, deploy: { update_config: { parallelism: 1 }, placement: { constraints: ["node.hostname == dev", "node.role == manager"] } } } } },
      [
        ["not-representable", "services.web.deploy.update_config", "the program sets every service's update and rollback policy itself (health-gated, rolled back on failure: evaluation/rollout.ts)"],
        ["not-representable", "services.web.deploy.placement.constraints.1", '"node.role == manager": the lab pins a service only to the storage node (stateful: true)'],
      ],
    ],
    [
      "the Docker socket, an anonymous volume, and an extra alias",
      {
        services: { web: { image: IMAGE, networks: { back: { aliases: ["web", "www"] } }, volumes: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }, { type: "volume", target: "/cache" }] } },
        networks: { back: {} },
      },
      [
        ["not-representable", "services.web.volumes.0", "the Docker socket: in the lab only a socketProxy() service mounts it; give this service a socket proxy (lab/shared/socket-proxy.ts)"],
        ["not-representable", "services.web.volumes.1", "an anonymous volume: the lab mounts only the stack's named volumes"],
        ["not-representable", "services.web.networks.back.aliases", "aliases www: the lab gives each service its own name as its one alias"],
      ],
    ],
    [
      "keys stack deploy ignores, a key the lab has no word for, extension fields ignored as docker ignores them",
      { "x-common": { a: 1 }, services: { web: { image: IMAGE, restart: "always", container_name: "web", cap_add: ["NET_ADMIN"], "x-note": "mine" } } },
      [
        ["ignored-by-stack-deploy", "services.web.restart", "restart never reached the swarm"],
        ["ignored-by-stack-deploy", "services.web.container_name", "container_name never reached the swarm"],
        ["not-representable", "services.web.cap_add", "cap_add is not in the lab's vocabulary"],
      ],
    ],
    [
      "a compose-style name and a credential without a known way to deliver it",
      { services: { my_app: { image: IMAGE, environment: { API_TOKEN: "abc123" } } } },
      [
        ["changed", "services.my_app", 'named "my-app" in the lab (lower-case letters, digits and \'-\'), so its swarm name and alias change'],
        [
          "not-representable",
          "services.my_app.environment.API_TOKEN",
          'its value belongs in 1Password, item "app", field "API_TOKEN" (not written to the stack file); the image\'s way of reading a secret file is unknown and its entrypoint is not in the compose file: declare secretEnv with a secretEnvDelivery',
        ],
      ],
    ],
  ])("%s", (_, model, notes) => {
    expect(notesOf(plan(model))).toEqual(notes);
  });

  test("a one-shot job is left out (as a service it would run again and again); a file of the compose project becomes a config, a folder stays a bind", () => {
    const result = plan(
      {
        services: {
          hydrate: { image: IMAGE, deploy: { mode: "replicated-job" } },
          web: { image: IMAGE, volumes: [{ type: "bind", source: "/compose/nginx.conf", target: "/etc/nginx/nginx.conf", read_only: true }, { type: "bind", source: "/compose/html", target: "/usr/share/nginx/html" }] },
        },
      },
      { files: { "/compose/nginx.conf": "events {}\n" } },
    );
    expect(result.spec.services.map((service) => service.name)).toEqual(["web"]);
    expect(result.spec.services[0]!.configs).toEqual([{ file: "nginx.conf", target: "/etc/nginx/nginx.conf" }]);
    expect(result.spec.services[0]!.mounts).toEqual([model.bind("/compose/html", "/usr/share/nginx/html")]);
    expect([...result.files]).toEqual([["nginx.conf", "events {}\n"]]);
    expect(notesOf(result)).toEqual([
      ["not-representable", "services.hydrate.deploy.mode", "a replicated-job: the provider has no job mode; left out (run it by hand, or make it a long-running service)"],
      ["changed", "services.web.volumes.0", "a file beside the compose file: shipped from the stack's folder (nginx.conf) as a swarm config"],
      ["changed", "services.web.volumes.1", "/compose/html is bound from the machine that deploys, as written: it must exist on every node the service may run on (the lab ships files, not folders)"],
    ]);
  });

  test("a renamed service is announced whole to drift (unmanaged and missing), never field by field", () => {
    const result = plan({ services: { my_app: { image: IMAGE, networks: { back: { aliases: ["extra"] } } } }, networks: { back: {} } });
    expect(result.notes.map((note) => note.drift)).toEqual([
      { unmanaged: [{ kind: "service", name: "app_my_app" }], missing: [{ kind: "service", name: "app_my-app" }] },
      undefined,
    ]);
  });

  test("credentials go to 1Password by the image's own convention; the value is in no field of the stack", () => {
    const result = plan({ services: { db: { image: "postgres:17", environment: { POSTGRES_USER: "app", POSTGRES_PASSWORD: "hunter2" } } } });
    expect(result.spec.services[0]).toEqual({
      name: "db",
      image: "postgres:17",
      networks: ["default"],
      env: { POSTGRES_USER: "app" },
      secretEnv: { POSTGRES_PASSWORD: op("app", "POSTGRES_PASSWORD") },
      secretEnvDelivery: SecretEnv.postgres,
    });
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });

  test("external networks: a shared network the lab knows keeps its key; an unknown one is added", () => {
    const result = plan({
      services: { web: { image: IMAGE, networks: { proxy: null, metrics: null } } },
      networks: { proxy: { external: true, name: "proxy_network" }, metrics: { external: true, name: "platform_metrics" } },
    });
    expect(result.spec.services[0]!.networks).toEqual(["proxy_network", "metrics"]);
    expect(result.newSharedNetworks).toEqual([{ key: "metrics", name: "platform_metrics", purpose: expect.stringContaining("external network of the app stack") }]);
    expect(result.spec.networks).toBeUndefined();
  });

  test("a stack's own network that is one of the lab's shared networks (platform_postgres_postgres) joins it by its key", () => {
    const result = planImport({ services: { db: { image: IMAGE, networks: { postgres: null } } }, networks: { postgres: {} } }, sourceLines([{ name: "compose.yaml", text: "" }]), {
      stack: "platform_postgres",
      tier: "platform",
      ingress: INGRESS,
      pinStateful: true,
      sharedNetworks: [{ key: "pg", name: "platform_postgres_postgres", namespace: "platform_postgres", purpose: "shared" }],
      readFile: () => "",
      isFile: () => false,
      composeDir: "/compose",
      files: ["compose.yaml"],
    });
    expect(result.spec.services[0]!.networks).toEqual(["pg"]);
    expect(result.spec.networks).toBeUndefined();
    expect(result.notes.map((note) => [note.message, note.drift])).toEqual([
      ['the lab\'s shared network "pg" (lab/networks.ts), created before any stack', { network: "platform_postgres_postgres", fields: ["attachable"] }],
    ]);
  });

  test("hostname is the model's hostname, with no note", () => {
    const result = plan({ services: { wiki: { image: IMAGE, hostname: "wiki" } } });
    expect(result.spec.services[0]!.hostname).toBe("wiki");
    expect(result.notes.filter((note) => note.key.includes("hostname"))).toEqual([]);
  });

  test("the storage node's constraint is stateful: true; where config does not pin, drift will show it", () => {
    const result = plan({ services: { db: { image: IMAGE, deploy: { placement: { constraints: ["node.hostname == dev"] } } } } }, { pinStateful: false });
    expect(result.spec.services[0]!.stateful).toBe(true);
    expect(result.notes.map((note) => note.drift)).toEqual([{ service: "app_db", fields: ["placement"] }]);
  });
});

/** Evaluates a stack file's text as the lab does, its `../../../model` import bound to lab/model.ts. */
function evaluateStackFile(text: string): StackDefinition {
  const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const exports: { default?: StackDefinition } = {};
  new Function("require", "exports", js)((name: string) => (name === "../../../model" ? model : require(name)), exports);
  return exports.default!;
}

describe("the stack file it writes", () => {
  const rich = plan(
    {
      services: {
        web: {
          image: "lscr.io/linuxserver/sonarr:4",
          environment: { TZ: "UTC", SONARR__API_KEY: "op://homelab/sonarr/api_key" },
          networks: { proxy: null },
          ports: [{ mode: "ingress", target: 8989, published: 8989, protocol: "tcp" }, { mode: "host", target: 53, published: 53, protocol: "udp" }],
          volumes: [
            { type: "bind", source: "/srv/sonarr", target: "/config" },
            { type: "bind", source: "/srv/media", target: "/data", read_only: true },
            { type: "bind", source: "/etc/localtime", target: "/etc/localtime", read_only: true },
            { type: "volume", source: "cache", target: "/cache" },
            { type: "tmpfs", target: "/tmp", tmpfs: { size: 1048576 } },
          ],
          secrets: [{ source: "token", target: "token", mode: 256 }],
          configs: [{ source: "conf", target: "/etc/app.conf" }],
          healthcheck: { test: ["CMD-SHELL", "wget -q localhost"], interval: "30s", retries: 3 },
          deploy: {
            replicas: 2,
            labels: { caddy: "sonarr.in.lab.localhost", "caddy.reverse_proxy": "{{upstreams 8989}}", "homepage.group": "Media" },
            resources: { limits: { cpus: "1", memory: "536870912" } },
            restart_policy: { condition: "on-failure", delay: "10s", max_attempts: 3 },
          },
        },
      },
      networks: { proxy: { external: true, name: "proxy_network" } },
      volumes: { cache: {} },
      secrets: { token: { file: "/compose/token" } },
      configs: { conf: { file: "/compose/app.conf" } },
    },
    { files: { "/compose/token": "op://homelab/app/token\n", "/compose/app.conf": "port: 8989\n" } },
  );
  const text = stackFileText(rich.spec, rich.notes, "../../../model");

  test("evaluates to exactly the data it was written from", () => {
    const context = labContext(parseConfig(readStackConfig("dev"), { purpose: "evaluate" }).homelab);
    expect(evaluateStackFile(text)(context)).toEqual(JSON.parse(JSON.stringify(rich.spec)));
  });

  test("a host path under the lab's roots is written through lab.appdata(...) and friends, and evaluates to the same path", () => {
    const paths = { appdata: "/srv", media: "/srv/media", backups: "/srv/backups", dockerRoot: "/var/lib/docker" };
    const withPaths = stackFileText(rich.spec, rich.notes, "../../../model", paths);
    expect(withPaths).toContain("export default defineStack((lab): StackSpec => {");
    expect(withPaths).toContain('bind(lab.appdata("sonarr"), "/config")');
    expect(withPaths).toContain('bindRO(lab.media(""), "/data")');
    const homelab = parseConfig(readStackConfig("dev"), { purpose: "evaluate" }).homelab;
    expect(evaluateStackFile(withPaths)(labContext({ ...homelab, paths }))).toEqual(JSON.parse(JSON.stringify(rich.spec)));
  });

  test("uses the model's helpers, and ships the config beside it", () => {
    for (const helper of ['SecretEnv.linuxserver', 'op("sonarr", "api_key")', 'op("app", "token")', 'bind("/srv/sonarr", "/config")', 'bindRO("/srv/media", "/data")', 'volume("cache", "/cache")', 'tmpfs("/tmp", 1048576)', "hostBind(", "Auth.none(", "mode: 0o400"]) {
      expect(text).toContain(helper);
    }
    expect([...rich.files]).toEqual([["app.conf", "port: 8989\n"]]);
  });
});

describe("the lab's lists", () => {
  const index = ['import type { StackDefinition } from "./model";', 'import caddy from "./stacks/infrastructure/caddy";', "", "export const STACKS: readonly StackDefinition[] = [", "  caddy,", "];", ""].join("\n");

  test("the stack is imported after the last import and listed last", () => {
    expect(addStack(index, "stacks/application/media-server")).toEqual({
      name: "mediaServer",
      text: ['import type { StackDefinition } from "./model";', 'import caddy from "./stacks/infrastructure/caddy";', 'import mediaServer from "./stacks/application/media-server";', "", "export const STACKS: readonly StackDefinition[] = [", "  caddy,", "  mediaServer,", "];", ""].join("\n"),
    });
  });

  test("a name taken by another import gets a number; a folder imported already, or a file without STACKS, is refused", () => {
    expect(addStack(index, "stacks/platform/caddy").name).toBe("caddy2");
    expect(() => addStack(index, "stacks/infrastructure/caddy")).toThrow(new LabEditError("lab/index.ts already imports ./stacks/infrastructure/caddy"));
    expect(() => addStack("export const OTHER = [\n];\n", "stacks/application/x")).toThrow(LabEditError);
  });

  test("new shared networks go at the end of SHARED_NETWORKS", () => {
    const networks = "export const SHARED_NETWORKS: readonly SharedNetworkSpec[] = [\n  { key: \"a\", name: \"a\", purpose: \"A\" },\n];\n";
    expect(addSharedNetworks(networks, [{ key: "metrics", name: "platform_metrics", purpose: "metrics" }])).toBe(
      'export const SHARED_NETWORKS: readonly SharedNetworkSpec[] = [\n  { key: "a", name: "a", purpose: "A" },\n  { key: "metrics", name: "platform_metrics", purpose: "metrics" },\n];\n',
    );
  });
});

describe("drift held to the notes (the round trip's judge)", () => {
  const note = (drift: ImportNote["drift"]): ImportNote => ({ file: "compose.yaml", line: 3, kind: "changed", key: "services.web", message: "m", ...(drift ? { drift } : {}) });
  const report = {
    unmanaged: [{ kind: "secret" as const, name: "app_token" }],
    missing: [{ kind: "secret" as const, name: "app_web_token-0a1b2c3d" }],
    services: [{ name: "app_web", differences: [{ field: "labels.caddy.import", declared: "(absent)", live: "x" }] }],
    networks: [],
    counts: { declared: 0, live: 0 },
  };
  test.each([
    ["every difference announced, every announcement seen", [note({ unmanaged: [{ kind: "secret", name: "app_token" }], missing: [{ kind: "secret", name: "app_web_token" }] }), note({ service: "app_web", fields: ["labels.caddy"] })], { unexplained: [], unseen: [] }],
    [
      "a difference nobody announced, and an announcement drift does not show",
      [note({ unmanaged: [{ kind: "secret", name: "app_token" }], missing: [{ kind: "secret", name: "app_web_token" }] }), note({ service: "app_web", fields: ["placement"] })],
      { unexplained: ["service app_web: labels.caddy.import: declared (absent), live x"], unseen: ["compose.yaml:3 services.web: service app_web placement"] },
    ],
  ])("%s", (_, notes, expected) => {
    expect(accountForDrift(report, notes)).toEqual(expected);
  });
});
