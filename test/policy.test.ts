import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type EnforcementLevel, type ResourceValidationArgs, unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import { ROLE_LABEL as PROGRAM_ROLE_LABEL, swarmName } from "../lib/naming";
import { isSecretWrapper, type OfflineRun, runOffline } from "../offline/run";
import { FORWARD_AUTH_EXCEPTIONS } from "../policy/forward-auth-exceptions";
import { HOST_PORTS } from "../policy/host-ports";
import { FORWARD_AUTH_SNIPPET, POLICIES, PUBLIC_INGRESS_TYPE, RESOURCE_TYPES, ROLE_LABEL, parseImage } from "../policy/policies";
import { SHARED_STORAGE_ROOTS } from "../policy/shared-storage";

/**
 * The policy pack, exercised the way @pulumi/policy's analyzer runs it: for every policy and every
 * resource, `validateResource` gets the inputs with Pulumi secrets unwrapped (as the SDK hands them
 * to validations) behind the SDK's own unknown-checking proxy, the registration's options and the
 * policy's config; `notApplicable` and unknown values are handled as the SDK does. No PolicyPack is
 * constructed (that starts a gRPC server); `pulumi preview --policy-pack policy` runs the real one.
 */

// ─── A small analyzer ────────────────────────────────────────────────────────────────────────────

interface TestResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The parent's URN. */
  readonly parent?: string;
  readonly additionalSecretOutputs?: readonly string[];
}

interface Finding {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly resource: string;
  readonly message: string;
}

type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

class NotApplicable extends Error {}

/** What the SDK does to a secret before a validation sees it: the plain value. */
function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  return value;
}

async function analyze(resources: readonly TestResource[], config: PackConfig = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const policy of POLICIES) {
    const configured = config[policy.name];
    const settings = typeof configured === "string" ? { enforcementLevel: configured } : (configured ?? {});
    const { enforcementLevel: configuredLevel, ...properties } = settings;
    const level = configuredLevel ?? policy.enforcementLevel ?? "mandatory";
    if (level === "disabled" || policy.validateResource === undefined) continue;
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const resource of resources) {
      const props = unknownCheckingProxy(unwrapSecrets(resource.inputs) as Record<string, unknown>);
      const args: ResourceValidationArgs = {
        type: resource.type,
        name: resource.name,
        urn: `urn:pulumi:test::homelab::${resource.type}::${resource.name}`,
        props,
        opts: {
          protect: false,
          ignoreChanges: [],
          aliases: [],
          customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
          additionalSecretOutputs: [...(resource.additionalSecretOutputs ?? [])],
          ...(resource.parent !== undefined ? { parent: resource.parent } : {}),
        },
        stackTags: new Map(),
        isType: (resourceClass) => (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === resource.type,
        asType: ((resourceClass: unknown) => ((resourceClass as { __pulumiType?: string }).__pulumiType === resource.type ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => properties as T,
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      };
      for (const validation of validations) {
        try {
          await validation(args, (message) => findings.push({ policy: policy.name, level, resource: resource.name, message }));
        } catch (error) {
          if (error instanceof NotApplicable) continue;
          // Typed loosely by the SDK's declarations (marked internal), exported at run time.
          if (error instanceof UnknownValueError) {
            findings.push({ policy: policy.name, level: "advisory", resource: resource.name, message: `can't run during preview: ${(error as Error).message}` });
            continue;
          }
          throw error;
        }
      }
    }
  }
  return findings;
}

const only = (findings: readonly Finding[], policy: string) => findings.filter((finding) => finding.policy === policy);
const messages = (findings: readonly Finding[], policy: string) => only(findings, policy).map((finding) => finding.message);

// ─── Fabricated resources ────────────────────────────────────────────────────────────────────────

interface ServiceShape {
  readonly image?: string;
  readonly labels?: Record<string, string>;
  readonly env?: Record<string, unknown>;
  readonly mounts?: readonly Record<string, unknown>[];
  readonly constraints?: readonly string[];
  readonly ports?: readonly Record<string, unknown>[];
  readonly global?: boolean;
}

function service(name: string, shape: ServiceShape = {}): TestResource {
  return {
    type: RESOURCE_TYPES.service,
    name,
    inputs: {
      name,
      labels: Object.entries(shape.labels ?? {}).map(([label, value]) => ({ label, value })),
      mode: shape.global ? { global: true } : { replicated: { replicas: 1 } },
      taskSpec: {
        containerSpec: {
          image: shape.image ?? "nginx:1.27.3",
          ...(shape.env ? { env: shape.env } : {}),
          mounts: shape.mounts ?? [],
        },
        ...(shape.constraints ? { placement: { constraints: shape.constraints } } : {}),
      },
      ...(shape.ports ? { endpointSpec: { ports: shape.ports } } : {}),
    },
  };
}

const bind = (source: string, target: string, readOnly = false) => ({ type: "bind", source, target, readOnly });
const volume = (source: string, target: string) => ({ type: "volume", source, target, readOnly: false });
const hostPort = (publishedPort: number, protocol = "tcp") => ({ targetPort: publishedPort, publishedPort, publishMode: "host", protocol });
const proxyLabels = { [ROLE_LABEL]: "socket-proxy" };
const SOCKET = "/var/run/docker.sock";
const INGRESS_PARENT = `urn:pulumi:prod::homelab::${PUBLIC_INGRESS_TYPE}::public-ingress`;
const TUNNEL_ID = "982a903b-099f-4cbc-88ba-182436554578";
/** The SDK's sentinel for a string that is unknown during preview. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A site as lib/labels.ts writes a protected one. */
const protectedSite = (prefix: string, host: string, port: number) => ({
  [prefix]: host,
  [`${prefix}.route.0_import`]: FORWARD_AUTH_SNIPPET,
  [`${prefix}.route.1_reverse_proxy`]: `{{upstreams ${port}}}`,
});

// ─── The policies one by one ─────────────────────────────────────────────────────────────────────

describe("docker-socket-only-in-socket-proxy", () => {
  const policy = "docker-socket-only-in-socket-proxy";

  it("lets a socket proxy mount the socket read-only with POST off or unset", async () => {
    const findings = await analyze([
      service("caddy_docker-socket-proxy", { labels: proxyLabels, env: { CONTAINERS: "1", POST: "0" }, mounts: [bind(SOCKET, SOCKET, true)] }),
      service("other_docker-socket-proxy", { labels: proxyLabels, env: { INFO: "1" }, mounts: [bind(SOCKET, SOCKET, true)] }),
      service("web", { mounts: [bind("/mnt/apps01/appdata/web", "/data")] }),
    ]);
    expect(only(findings, policy)).toEqual([]);
  });

  it("rejects the socket, or the directory that holds it, in any other service", async () => {
    const findings = await analyze([
      service("app_portainer", { mounts: [bind(SOCKET, SOCKET, true)] }),
      service("app_sneaky", { mounts: [bind("/var/run", "/host-run", true)] }),
      service("app_rootless", { mounts: [bind("/run/user/1000/docker.sock", SOCKET)] }),
    ]);
    expect(messages(findings, policy)).toEqual([
      expect.stringMatching(/^app_portainer mounts \/var\/run\/docker\.sock \(the Docker socket\) but is not a socket proxy/),
      expect.stringMatching(/^app_sneaky mounts \/var\/run \(the Docker socket's directory\) but is not a socket proxy/),
      expect.stringMatching(/^app_rootless mounts \/run\/user\/1000\/docker\.sock \(the Docker socket\) but is not a socket proxy/),
    ]);
  });

  it("rejects a proxy that mounts the socket writable or enables POST", async () => {
    const findings = await analyze([
      service("caddy_docker-socket-proxy", { labels: proxyLabels, env: { POST: "1" }, mounts: [bind(SOCKET, SOCKET, false)] }),
    ]);
    expect(messages(findings, policy)).toEqual([
      "caddy_docker-socket-proxy is a socket proxy but mounts /var/run/docker.sock writable: mount it read-only.",
      'caddy_docker-socket-proxy is a socket proxy with POST enabled: set POST to "0" (or leave it unset) so the proxy refuses every write.',
    ]);
  });

  it("advises against binding / or /var, which contain the socket, outside socket proxies", async () => {
    const findings = await analyze([
      service("platform_monitoring_node-exporter", { global: true, mounts: [bind("/", "/host/rootfs", true), bind("/proc", "/host/proc", true)] }),
      service("caddy_docker-socket-proxy", { labels: proxyLabels, mounts: [bind("/var", "/host-var", true)] }),
    ]);
    expect(only(findings, "docker-socket-ancestor-not-mounted")).toEqual([
      expect.objectContaining({
        level: "advisory",
        resource: "platform_monitoring_node-exporter",
        message: expect.stringContaining("binds /, which contains the Docker socket"),
      }),
    ]);
    expect(only(findings, policy)).toEqual([]);
  });
});

describe("caddy-sites-use-forward-auth", () => {
  const policy = "caddy-sites-use-forward-auth";
  const controllerLabels = {
    [ROLE_LABEL]: "ingress-controller",
    caddy: "(authentik_forward_auth)",
    "caddy.0_reverse_proxy": "/outpost.goauthentik.io/* http://authentik-server:9000",
    "caddy.1_forward_auth": "http://authentik-server:9000",
    "caddy.1_forward_auth.uri": "/outpost.goauthentik.io/auth/caddy",
  };

  it("passes protected sites, site-level imports, services without sites and the snippet's definition", async () => {
    const findings = await analyze([
      service("app_sonarr", { labels: { ...protectedSite("caddy", "sonarr.in.example.com", 8989), ...protectedSite("caddy_1", "tv.in.example.com", 8989) } }),
      service("app_radarr", { labels: { caddy: "radarr.in.example.com", "caddy.import": FORWARD_AUTH_SNIPPET, "caddy.reverse_proxy": "{{upstreams 7878}}" } }),
      service("app_worker", { labels: { "homepage.name": "Worker" } }),
      service("caddy_caddy", { labels: controllerLabels }),
    ]);
    expect(only(findings, policy)).toEqual([]);
  });

  it("rejects an open site, an import that runs after the upstream or behind a matcher, another snippet, and a handle that answers first", async () => {
    const findings = await analyze([
      service("app_open", { labels: { caddy: "open.in.example.com", "caddy.reverse_proxy": "{{upstreams 80}}", ...protectedSite("caddy_1", "ok.in.example.com", 80) } }),
      service("app_late", { labels: { caddy: "late.in.example.com", "caddy.route.0_reverse_proxy": "{{upstreams 80}}", "caddy.route.1_import": FORWARD_AUTH_SNIPPET } }),
      service("app_partial", { labels: { ...protectedSite("caddy", "partial.in.example.com", 80), "caddy.route": "/admin/*" } }),
      service("app_other_snippet", { labels: { caddy: "x.in.example.com", "caddy.route.0_import": "basic_auth_users", "caddy.route.1_reverse_proxy": "{{upstreams 80}}" } }),
      // Caddy runs `handle` before `route`: /api/* would be answered before the check.
      service("app_handle", { labels: { ...protectedSite("caddy", "api.in.example.com", 80), "caddy.handle_0": "/api/*", "caddy.handle_0.reverse_proxy": "{{upstreams 81}}" } }),
    ]);
    expect(messages(findings, policy)).toEqual([
      expect.stringMatching(/^app_open: site "open\.in\.example\.com" \(label caddy\) is served without Authentik forward auth\. .*list app_open in policy\/forward-auth-exceptions\.ts\.$/),
      expect.stringMatching(/^app_late: site "late\.in\.example\.com" \(label caddy\) is served without Authentik forward auth/),
      expect.stringMatching(/^app_partial: site "partial\.in\.example\.com" \(label caddy\) is served without Authentik forward auth/),
      expect.stringMatching(/^app_other_snippet: site "x\.in\.example\.com" \(label caddy\) is served without Authentik forward auth/),
      expect.stringMatching(/^app_handle: site "api\.in\.example\.com" \(label caddy\) is served without Authentik forward auth/),
    ]);
  });

  it("exempts the listed services, from the pack's list and from config", async () => {
    const open = { caddy: "plex.in.example.com", "caddy.reverse_proxy": "{{upstreams 32400}}" };
    expect(FORWARD_AUTH_EXCEPTIONS["application_media_core_plex"]).toBeDefined();
    const resources = [service("application_media_core_plex", { labels: open }), service("app_kiosk", { labels: open })];
    expect(messages(await analyze(resources), policy)).toEqual([expect.stringMatching(/^app_kiosk: site "plex\.in\.example\.com"/)]);
    expect(only(await analyze(resources, { [policy]: { exceptions: { app_kiosk: "a wall display without a keyboard" } } }), policy)).toEqual([]);
    // An exception without a reason is no exception.
    expect(only(await analyze(resources, { [policy]: { exceptions: { app_kiosk: " " } } }), policy)).toHaveLength(1);
  });

  it("requires the ingress controller to define the snippet", async () => {
    const findings = await analyze([service("caddy_caddy", { labels: { [ROLE_LABEL]: "ingress-controller", caddy: "(other)", "caddy.respond": "ok" } })]);
    expect(messages(findings, policy)).toEqual([
      "caddy_caddy is the ingress controller but defines no (authentik_forward_auth) snippet with a forward_auth directive; every protected site imports it.",
    ]);
  });
});

describe("env-holds-no-secret-values", () => {
  const policy = "env-holds-no-secret-values";

  it("passes the lab's ways of pointing at secret files, switches and ordinary settings", async () => {
    const findings = await analyze([
      service("app_env", {
        env: {
          POSTGRES_PASSWORD_FILE: "/run/secrets/POSTGRES_PASSWORD",
          GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/GF_SECURITY_ADMIN_PASSWORD",
          FILE__SONARR__POSTGRES__PASSWORD: "/run/secrets/SONARR__POSTGRES__PASSWORD",
          TUNNEL_TOKEN_FILE: "/run/secrets/TUNNEL_TOKEN",
          AUTHENTIK_SECRET_KEY: "file:///run/secrets/AUTHENTIK_SECRET_KEY",
          API_KEY: "/run/secrets/api_key",
          PGPASSFILE: "/run/secrets/pgpass",
          SECRETS: "0",
          AUTH_TOKEN_REQUIRED: "true",
          PASSTHROUGH_MODE: "strict",
          REDIS_URL: "redis://tracearr-redis:6379",
          DOCKER_HOST: "tcp://docker-socket-proxy:2375",
          GF_SECURITY_DISABLE_GRAVATAR: "true",
        },
      }),
    ]);
    expect(only(findings, policy)).toEqual([]);
  });

  it("rejects a plain password, a _FILE variable that holds the secret itself, URL credentials and keys, without quoting them", async () => {
    const findings = await analyze([
      service("app_leaky", {
        env: {
          DB_PASSWORD: "hunter2",
          POSTGRES_PASSWORD_FILE: "hunter2",
          DATABASE_URL: "postgresql://tracearr:hunter2@db:5432/tracearr",
          JWT_SECRET: "s3cr3t-value",
          SONARR_API_KEY: "0123456789abcdef",
          TLS_KEY: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
          DB_PASS: "hunter2",
        },
      }),
    ]);
    const found = messages(findings, policy);
    expect(found).toEqual([
      expect.stringMatching(/^app_leaky: DATABASE_URL embeds credentials in a URL \(user:password@\)/),
      expect.stringMatching(/^app_leaky: DB_PASS looks like a secret but holds a literal value \(not shown\)/),
      expect.stringMatching(/^app_leaky: DB_PASSWORD looks like a secret but holds a literal value \(not shown\)\. Deliver it as a swarm secret/),
      expect.stringMatching(/^app_leaky: JWT_SECRET looks like a secret/),
      expect.stringMatching(/^app_leaky: POSTGRES_PASSWORD_FILE looks like a secret/),
      expect.stringMatching(/^app_leaky: SONARR_API_KEY looks like a secret/),
      expect.stringMatching(/^app_leaky: TLS_KEY holds a private key/),
    ]);
    for (const message of found) expect(message).not.toMatch(/hunter2|s3cr3t|0123456789abcdef|MIIE/);
  });

  it("takes names that only look like secrets from config", async () => {
    const resources = [service("app_tokens", { env: { TOKEN_ENDPOINT: "https://idp.example.com/token" } })];
    expect(only(await analyze(resources), policy)).toHaveLength(1);
    expect(only(await analyze(resources, { [policy]: { allowedNames: ["TOKEN_ENDPOINT"] } }), policy)).toEqual([]);
  });
});

describe("swarm-secret-data-is-secret", () => {
  const policy = "swarm-secret-data-is-secret";
  const secret = (name: string, inputs: Record<string, unknown>, additionalSecretOutputs: readonly string[]): TestResource => ({
    type: RESOURCE_TYPES.secret,
    name,
    inputs: { name, ...inputs },
    additionalSecretOutputs,
  });

  it("passes data registered as a secret, even while its value is unknown", async () => {
    const findings = await analyze([
      secret("app_db_password-1a2b3c4d", { data: "aHVudGVyMg==" }, ["data"]),
      secret("caddy_cloudflared_TUNNEL_TOKEN-5e6f7a8b", { data: UNKNOWN_STRING }, ["data"]),
    ]);
    expect(findings.filter((finding) => finding.resource.startsWith("app_db") || finding.resource.startsWith("caddy_cloudflared"))).toEqual([]);
  });

  it("rejects data that is not registered as a secret, and a secret without data", async () => {
    const findings = await analyze([secret("app_plain-1a2b3c4d", { data: "aHVudGVyMg==" }, []), secret("app_empty-1a2b3c4d", {}, ["data"])]);
    expect(messages(findings, policy)).toEqual([
      expect.stringMatching(/^swarm secret app_plain-1a2b3c4d: data is not registered as a Pulumi secret \(additionalSecretOutputs lacks "data"\)/),
      "swarm secret app_empty-1a2b3c4d has no data.",
    ]);
  });
});

describe("node-local-state-is-pinned and databases-not-floating-on-shared-storage", () => {
  const policy = "node-local-state-is-pinned";

  it("passes pinned state, shared storage, read-only binds, tmpfs, the socket and global services", async () => {
    const findings = await analyze([
      service("app_op-connect", { mounts: [volume("app_data", "/data")], constraints: ["node.hostname == barbary"] }),
      service("app_gpu", { mounts: [bind("/dev/dri", "/dev/dri")], constraints: ["node.labels.gpu == true"] }),
      service("app_radarr", { mounts: [bind("/mnt/apps01/appdata/media/radarr/config", "/config"), bind("/mnt/data01/data", "/data")] }),
      service("app_cadvisor", { mounts: [bind("/sys", "/sys", true), bind("/var/lib/docker", "/var/lib/docker", true)] }),
      service("app_transcoder", { mounts: [{ type: "tmpfs", target: "/transcode", tmpfsOptions: { sizeBytes: 1024 } }] }),
      service("app_docker-socket-proxy", { labels: proxyLabels, mounts: [bind(SOCKET, SOCKET, true)] }),
      service("app_agent", { global: true, mounts: [volume("agent_state", "/state"), bind("/var/lib/agent", "/var/lib/agent")] }),
      service("app_nfs", { mounts: [{ ...volume("nfs_data", "/data"), volumeOptions: { driverName: "local", driverOptions: { type: "nfs", o: "addr=nas" } } }] }),
      service("app_scratch", { mounts: [{ type: "volume", target: "/scratch" }] }),
    ]);
    expect(only(findings, policy)).toEqual([]);
  });

  it("rejects a local volume, a writable bind off shared storage and a device on a floating service", async () => {
    const findings = await analyze([
      service("app_volume", { mounts: [volume("app_volume_data", "/data")] }),
      service("app_local", { mounts: [bind("/srv/app", "/data"), bind("/mnt/apps01/appdata/app", "/config")], constraints: ["node.hostname != barbary"] }),
      service("app_gpu", { mounts: [bind("/dev/dri", "/dev/dri")] }),
      service("app_escape", { mounts: [bind("/mnt/apps01/appdata/../../srv", "/data")] }),
    ]);
    expect(messages(findings, policy)).toEqual([
      expect.stringMatching(/^app_volume keeps state on the node it runs on \(volume app_volume_data\) but no placement constraint pins it/),
      expect.stringMatching(/^app_local keeps state on the node it runs on \(bind \/srv\/app\) but no placement constraint pins it/),
      expect.stringMatching(/^app_gpu keeps state on the node it runs on \(device \/dev\/dri\)/),
      expect.stringMatching(/^app_escape keeps state on the node it runs on \(bind \/mnt\/apps01\/appdata\/\.\.\/\.\.\/srv\)/),
    ]);
  });

  it("takes further shared roots from config", async () => {
    const resources = [service("app_local", { mounts: [bind("/srv/nfs/app", "/data")] })];
    expect(only(await analyze(resources), policy)).toHaveLength(1);
    expect(only(await analyze(resources, { [policy]: { sharedStorageRoots: ["/srv/nfs"] } }), policy)).toEqual([]);
  });

  it("advises pinning a database engine that floats on shared storage", async () => {
    const findings = await analyze([
      service("platform_authentik_postgresql", { image: "postgres:18", mounts: [bind("/mnt/apps01/appdata/authentik/postgres", "/var/lib/postgresql")] }),
      service("platform_postgres_postgresql", { image: "postgres:17-alpine", mounts: [bind("/mnt/apps01/appdata/postgres/data", "/var/lib/postgresql/data")], constraints: ["node.hostname == barbary"] }),
      service("app_cache", { image: "redis:8-alpine", mounts: [bind("/mnt/apps01/appdata/cache", "/data")] }),
    ]);
    expect(only(findings, "databases-not-floating-on-shared-storage")).toEqual([
      expect.objectContaining({
        level: "advisory",
        resource: "platform_authentik_postgresql",
        message: expect.stringMatching(/^platform_authentik_postgresql runs postgres \(a database engine\) on shared storage \(\/mnt\/apps01\/appdata\/authentik\/postgres\)/),
      }),
    ]);
  });
});

describe("host-ports-only-where-declared", () => {
  const policy = "host-ports-only-where-declared";

  it("passes declared host ports and anything on the routing mesh", async () => {
    const findings = await analyze([
      service("application_media_core_plex", { ports: [hostPort(32400)] }),
      service("caddy_caddy", { ports: [{ targetPort: 443, publishedPort: 443, publishMode: "ingress", protocol: "tcp" }] }),
    ]);
    expect(only(findings, policy)).toEqual([]);
  });

  it("rejects undeclared host ports, by service, port and protocol", async () => {
    const findings = await analyze([
      service("application_media_core_plex", { ports: [hostPort(32400), hostPort(32469), hostPort(32400, "udp")] }),
      service("app_dns", { ports: [hostPort(53, "udp")] }),
    ]);
    expect(messages(findings, policy)).toEqual([
      expect.stringMatching(/^application_media_core_plex publishes 32469\/tcp in host mode, which is not declared/),
      expect.stringMatching(/^application_media_core_plex publishes 32400\/udp in host mode, which is not declared/),
      expect.stringMatching(/^app_dns publishes 53\/udp in host mode, which is not declared: .*grant it in policy\/host-ports\.ts/),
    ]);
  });

  it("takes further grants from config", async () => {
    const resources = [service("app_dns", { ports: [hostPort(53, "udp"), hostPort(53)] })];
    expect(only(await analyze(resources, { [policy]: { allowed: { app_dns: ["53/udp", "53"] } } }), policy)).toEqual([]);
  });
});

describe("tunnel-dns-records-are-proxied-cnames and tunnel-config-ends-with-catch-all", () => {
  const record = (name: string, inputs: Record<string, unknown>, parent = INGRESS_PARENT): TestResource => ({
    type: RESOURCE_TYPES.dnsRecord,
    name: `public-ingress-record-${name}`,
    parent,
    inputs: { zoneId: "ddce6d6c99c8c4cb71d57f003c8e1c13", name, type: "CNAME", content: `${TUNNEL_ID}.cfargotunnel.com`, proxied: true, ttl: 1, ...inputs },
  });
  const rules = (ingresses: readonly Record<string, unknown>[]): TestResource => ({
    type: RESOURCE_TYPES.tunnelConfig,
    name: "public-ingress-rules",
    parent: INGRESS_PARENT,
    inputs: { accountId: "fae9c0a7019dd832bcebf1beeeb1a2c2", tunnelId: TUNNEL_ID, config: { ingresses } },
  });

  it("passes a proxied CNAME to the tunnel, and leaves other records alone", async () => {
    const findings = await analyze([
      record("status.example.com", {}),
      record("mail.example.com", { type: "MX", content: "mx.example.net", proxied: false }, "urn:pulumi:prod::homelab::pulumi:pulumi:Stack::homelab-prod"),
    ]);
    expect(only(findings, "tunnel-dns-records-are-proxied-cnames")).toEqual([]);
  });

  it("rejects a record of the public ingress that is not a proxied CNAME to <id>.cfargotunnel.com", async () => {
    const findings = await analyze([
      record("a.example.com", { type: "A", content: "203.0.113.7" }),
      record("b.example.com", { proxied: false }),
      record("c.example.com", { content: "homelab.cfargotunnel.com" }, "urn:pulumi:prod::homelab::pulumi:pulumi:Stack::homelab-prod"),
    ]);
    expect(messages(findings, "tunnel-dns-records-are-proxied-cnames")).toEqual([
      "tunnel record a.example.com is of type A: it must be a CNAME to the tunnel.",
      "tunnel record a.example.com points at 203.0.113.7: it must point at <tunnel-id>.cfargotunnel.com.",
      "tunnel record b.example.com is not proxied: set proxied: true, or the tunnel's host is published unproxied.",
      "tunnel record c.example.com points at homelab.cfargotunnel.com: it must point at <tunnel-id>.cfargotunnel.com.",
    ]);
  });

  it("checks type and proxied while the tunnel id is unknown, then reports the content as not checkable", async () => {
    const findings = await analyze([record("d.example.com", { proxied: false, content: UNKNOWN_STRING })]);
    expect(only(findings, "tunnel-dns-records-are-proxied-cnames")).toEqual([
      expect.objectContaining({ level: "mandatory", message: expect.stringMatching(/^tunnel record d\.example\.com is not proxied/) }),
      expect.objectContaining({ level: "advisory", message: "can't run during preview: string value at .content can't be known during preview" }),
    ]);
  });

  it("requires the tunnel's rules to end with the one catch-all", async () => {
    const origin = { service: "https://caddy:443", originRequest: { noTlsVerify: true } };
    const findings = await analyze([
      rules([{ hostname: "status.example.com", ...origin }, { service: "http_status:404" }]),
      rules([{ hostname: "status.example.com", ...origin }]),
      rules([{ service: "http_status:404" }, { hostname: "status.example.com", ...origin }, { service: "http_status:404" }]),
      rules([]),
    ]);
    expect(messages(findings, "tunnel-config-ends-with-catch-all")).toEqual([
      'public-ingress-rules: the last ingress rule (status.example.com) is not a catch-all: end with a rule without hostname, e.g. { service: "http_status:404" }.',
      "public-ingress-rules: ingress rule 0 has no hostname, so it catches everything and hides the rules after it; only the last rule may.",
      'public-ingress-rules has no ingress rules: it needs at least the catch-all, e.g. { service: "http_status:404" }.',
    ]);
  });
});

describe("images-have-tag-or-digest and images-avoid-latest", () => {
  it("parses references with registries, ports, tags and digests", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(parseImage("registry.local:5000/team/app")).toEqual({ repository: "registry.local:5000/team/app", tag: undefined, digest: undefined });
    expect(parseImage(`redis:8-alpine@${digest}`)).toEqual({ repository: "redis", tag: "8-alpine", digest });
    expect(parseImage("ghcr.io/cpritchett/caddy-labels:latest")).toEqual({ repository: "ghcr.io/cpritchett/caddy-labels", tag: "latest", digest: undefined });
  });

  it("requires a tag or a digest, and advises against latest without a digest", async () => {
    const digest = `sha256:${"b".repeat(64)}`;
    const findings = await analyze([
      service("app_tagged", { image: "alpine:3" }),
      service("app_digest", { image: `postgres@${digest}` }),
      service("app_both", { image: `postgres:18@${digest}` }),
      service("app_latest_pinned", { image: `ghcr.io/org/app:latest@${digest}` }),
      service("app_bare", { image: "nginx" }),
      service("app_registry_port", { image: "registry.local:5000/team/app" }),
      service("app_bad_digest", { image: "nginx@sha256:1234" }),
      service("app_latest", { image: "lscr.io/linuxserver/sonarr:latest" }),
      service("app_latest_variant", { image: "timescale/timescaledb:latest-pg17" }),
    ]);
    expect(messages(findings, "images-have-tag-or-digest")).toEqual([
      "app_bare: image nginx has neither tag nor digest, so it means :latest; name a version (repo:1.2.3) or pin a digest (repo@sha256:...).",
      "app_registry_port: image registry.local:5000/team/app has neither tag nor digest, so it means :latest; name a version (repo:1.2.3) or pin a digest (repo@sha256:...).",
      "app_bad_digest: image nginx@sha256:1234 has a malformed digest (expected @sha256:<64 hex>).",
    ]);
    expect(only(findings, "images-avoid-latest")).toEqual([
      expect.objectContaining({ level: "advisory", resource: "app_latest", message: 'app_latest: image lscr.io/linuxserver/sonarr:latest floats on "latest"; pin a version tag or a digest.' }),
      expect.objectContaining({ level: "advisory", resource: "app_latest_variant", message: expect.stringContaining('floats on "latest-pg17"') }),
    ]);
  });
});

describe("the pack", () => {
  it("names each policy once, describes it and sets its enforcement level", () => {
    const names = POLICIES.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    for (const policy of POLICIES) {
      expect(policy.description.length).toBeGreaterThan(20);
      expect(["mandatory", "advisory"]).toContain(policy.enforcementLevel);
    }
  });

  it("reads the role label the program writes", () => {
    expect(ROLE_LABEL).toBe(PROGRAM_ROLE_LABEL);
  });
});

// ─── The lab itself ──────────────────────────────────────────────────────────────────────────────

describe("the lab's renders", () => {
  let prod: OfflineRun;
  let dev: OfflineRun;
  /** `additionalSecretOutputs` as each registration sent it (the mocks are not told). */
  const secretOutputs = new Map<string, readonly string[]>();
  const mocks = require("@pulumi/pulumi/runtime/mocks") as {
    MockMonitor: { prototype: { registerResource(request: { getType(): string; getName(): string; getAdditionalsecretoutputsList(): string[] }, callback: unknown): unknown } };
  };
  const original = mocks.MockMonitor.prototype.registerResource;

  beforeAll(async () => {
    mocks.MockMonitor.prototype.registerResource = function (request, callback) {
      secretOutputs.set(`${request.getType()}::${request.getName()}`, request.getAdditionalsecretoutputsList());
      return original.call(this, request, callback);
    };
    try {
      prod = await runOffline({ stack: "prod" });
      dev = await runOffline({ stack: "dev" });
    } finally {
      mocks.MockMonitor.prototype.registerResource = original;
    }
  });

  const asResources = (run: OfflineRun): TestResource[] =>
    run.resources.map((resource) => ({
      type: resource.type,
      name: resource.name,
      inputs: resource.inputs,
      parent: resource.parent,
      additionalSecretOutputs: secretOutputs.get(`${resource.type}::${resource.name}`) ?? [],
    }));
  const devConfig = (): PackConfig => JSON.parse(readFileSync(path.join(__dirname, "..", "policy", "config.dev.json"), "utf8")) as PackConfig;
  const summary = (findings: readonly Finding[]) => findings.map((finding) => `${finding.policy}: ${finding.resource}`).sort();

  /** The services of a render whose image floats on `latest` or a `latest-*` tag without a digest (read from what it registered, whatever the lab holds). */
  const onLatest = (run: OfflineRun) =>
    run.resources
      .filter((resource) => resource.type === "docker:index/service:Service")
      .filter((resource) => /:latest(-[\w.-]*)?$/.test(String((resource.inputs as { taskSpec: { containerSpec: { image: string } } }).taskSpec.containerSpec.image)))
      .map((resource) => String(resource.inputs.name));
  const latest = (names: readonly string[]) => names.map((name) => `images-avoid-latest: ${name}`);

  it("prod: no mandatory violation; the advisories are exactly these", async () => {
    const findings = await analyze(asResources(prod));
    expect(findings.filter((finding) => finding.level === "mandatory")).toEqual([]);
    expect(onLatest(prod).length).toBeGreaterThan(0); // the advisory below is seen to fire
    expect(summary(findings)).toEqual(
      [
        ...latest(onLatest(prod)),
        // node-exporter's view of the host's root file system includes /run/docker.sock.
        "docker-socket-ancestor-not-mounted: platform_monitoring_node-exporter",
      ].sort(),
    );
  });

  /** Dev turns forward auth off (homelab:forwardAuth): the services whose sites it opens. */
  const openedInDev = () =>
    dev.lab.stacks.flatMap((stack) =>
      stack.services.filter((svc) => (svc.sites ?? []).some((site) => site.auth?.kind === "none" && site.auth.reason.includes("homelab:forwardAuth"))).map((svc) => swarmName(stack.name, svc.name)),
    );

  it("dev, with policy/config.dev.json: no mandatory violation; the advisories are the latest images and the sites dev opens", async () => {
    const findings = await analyze(asResources(dev), devConfig());
    expect(findings.filter((finding) => finding.level === "mandatory")).toEqual([]);
    expect(openedInDev()).toContain("application_media_core_sonarr");
    expect(summary(findings)).toEqual([...latest(onLatest(dev)), ...openedInDev().map((name) => `caddy-sites-use-forward-auth: ${name}`)].sort());
  });

  it("dev without its config: the single-node swarm pins nothing, and its open sites have no forward auth: all the pack reports", async () => {
    const findings = await analyze(asResources(dev));
    const mandatory = findings.filter((finding) => finding.level === "mandatory");
    expect(new Set(mandatory.map((finding) => finding.policy))).toEqual(new Set(["node-local-state-is-pinned", "caddy-sites-use-forward-auth"]));
    expect(mandatory.map((finding) => finding.resource)).toContain("platform_postgres_postgresql");
  });

  it("the program marks every swarm secret's data secret and puts no Pulumi secret in any environment (what the pack cannot see)", () => {
    for (const run of [prod, dev]) {
      const secrets = run.resources.filter((resource) => resource.type === RESOURCE_TYPES.secret);
      expect(secrets.length).toBeGreaterThan(0);
      for (const secret of secrets) {
        expect({ name: secret.name, dataIsSecret: isSecretWrapper(secret.inputs.data) }).toEqual({ name: secret.name, dataIsSecret: true });
        expect(secretOutputs.get(`${secret.type}::${secret.name}`)).toContain("data");
      }
      const containsSecret = (value: unknown): boolean =>
        isSecretWrapper(value) || (value !== null && typeof value === "object" && Object.values(value).some(containsSecret));
      for (const resource of run.resources.filter((candidate) => candidate.type === RESOURCE_TYPES.service)) {
        const env = (resource.inputs.taskSpec as { containerSpec?: { env?: unknown } } | undefined)?.containerSpec?.env;
        expect({ service: resource.name, secretInEnv: containsSecret(env) }).toEqual({ service: resource.name, secretInEnv: false });
      }
    }
  });

  it("the forward-auth exceptions are exactly the lab's declared opt-outs, with their reasons", () => {
    const declared: Record<string, string> = {};
    const mixed: string[] = [];
    for (const stack of prod.lab.stacks) {
      for (const svc of stack.services) {
        const sites = svc.sites ?? [];
        const optOuts = sites.flatMap((site) => (site.auth && site.auth.kind !== "authentik" ? [site.auth.reason] : []));
        if (optOuts.length === 0) continue;
        declared[swarmName(stack.name, svc.name)] = optOuts.join("; ");
        if (optOuts.length !== sites.length) mixed.push(swarmName(stack.name, svc.name));
      }
    }
    expect(FORWARD_AUTH_EXCEPTIONS).toEqual(declared);
    // The pack exempts whole services; a service that mixes open and protected sites needs a finer list.
    expect(mixed).toEqual([]);
  });

  it("the host-port grants are exactly the lab's declared host-mode ports", () => {
    const declared: Record<string, string[]> = {};
    for (const stack of prod.lab.stacks) {
      for (const svc of stack.services) {
        const ports = (svc.ports ?? []).filter((port) => port.mode === "host").map((port) => `${port.published}/${port.protocol ?? "tcp"}`);
        if (ports.length > 0) declared[swarmName(stack.name, svc.name)] = ports;
      }
    }
    expect(Object.fromEntries(Object.entries(HOST_PORTS).map(([name, grant]) => [name, [...grant.ports]]))).toEqual(declared);
  });

  it("the shared storage roots are prod's appdata and media paths", () => {
    const { context } = prod.lab;
    expect([...SHARED_STORAGE_ROOTS].sort()).toEqual([context.appdata(""), context.media("")].sort());
  });
});
