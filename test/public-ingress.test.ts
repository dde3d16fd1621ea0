import { tunnelName } from "../lib/naming";
import { PUBLIC_INGRESS_TYPES, SWARM_TYPES } from "../lib/resource-types";
import { FAKE_TUNNEL_TOKEN_KEY } from "../offline/fake-secrets";
import { isSecretWrapper, type RegisteredResource } from "../lib/registered";
import { type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { services } from "./helpers";

/**
 * The Cloudflare tunnel under the mock monitor, held to terraform-provider-cloudflare v5's
 * comparison (internal/services/zero_trust_tunnel_cloudflared/schema.go: `account_id`
 * RequiresReplace, `config_src` RequiresReplaceIfConfigured, `name` in place) and the API's refusal
 * of a second tunnel of one name (code 1013): a replacement is created first under a new name,
 * cloudflared moves to the new tunnel's token, and the old tunnel goes last.
 */

const ACCOUNT_A = "0123456789abcdef0123456789abcdef";
const ACCOUNT_B = "fedcba9876543210fedcba9876543210";

function withAccount(accountId: string): Record<string, string> {
  const raw = readStackConfig("prod");
  const cloudflare = JSON.parse(raw["homelab:cloudflare"] ?? "{}") as Record<string, unknown>;
  return { ...raw, "homelab:cloudflare": JSON.stringify({ ...cloudflare, accountId }) };
}

const tunnelOf = (run: OfflineRun): RegisteredResource => run.resources.find((resource) => resource.type === PUBLIC_INGRESS_TYPES.tunnel)!;

/** The swarm secrets that hold the tunnel's token, and the services that mount them. */
function tokenMounts(run: OfflineRun): { secrets: string[]; services: string[] } {
  const token = run.fakeSecrets.get(FAKE_TUNNEL_TOKEN_KEY)!;
  const plain = (value: unknown) => String(isSecretWrapper(value) ? value.value : value);
  const secrets = run.resources
    .filter((resource) => resource.type === SWARM_TYPES.secret && Buffer.from(plain(resource.inputs.data), "base64").toString("utf8").includes(token))
    .map((resource) => plain(resource.inputs.name));
  const users = services(run).filter((svc) => (svc.container.secrets ?? []).some((secret) => secrets.includes(plain(secret.secretName))));
  return { secrets, services: users.map((svc) => plain(svc.inputs.name)) };
}

describe("replacing the tunnel (another account) cannot fail halfway", () => {
  let a: OfflineRun;
  let b: OfflineRun;

  beforeAll(async () => {
    a = await runOffline({ stack: "prod", rawConfig: withAccount(ACCOUNT_A) });
    b = await runOffline({ stack: "prod", rawConfig: withAccount(ACCOUNT_B) });
  }, 120_000);

  test("the default create-first order, and a name that changes with the replacement, so the new tunnel never meets the old one's name", () => {
    for (const run of [a, b]) expect(tunnelOf(run).options.deleteBeforeReplace).toBe(false);
    const nameA = tunnelOf(a).inputs.name;
    const nameB = tunnelOf(b).inputs.name;
    // Not a secret: only a digest of the account id is in it.
    expect(isSecretWrapper(nameA)).toBe(false);
    expect(nameA).toBe(tunnelName("homelab", ACCOUNT_A, "cloudflare"));
    expect(nameB).toBe(tunnelName("homelab", ACCOUNT_B, "cloudflare"));
    expect(nameA).not.toBe(nameB);
    expect(String(nameA)).toMatch(/^homelab-[0-9a-f]{6}$/);
  });

  test("cloudflared follows the new tunnel: its token is a new swarm secret, which the service mounts instead", () => {
    const [before, after] = [tokenMounts(a), tokenMounts(b)];
    expect(before.secrets).toHaveLength(1);
    expect(after.secrets).toHaveLength(1);
    expect(after.secrets[0]).not.toBe(before.secrets[0]);
    expect(after.services).toEqual(before.services);
    expect(before.services.length).toBeGreaterThan(0);
  });

  test("the tunnel's rules and records follow the new tunnel by its id", () => {
    const tunnelId = (run: OfflineRun) => String(run.resources.find((resource) => resource.type === PUBLIC_INGRESS_TYPES.tunnelConfig)!.inputs.tunnelId);
    expect(tunnelId(a)).not.toBe(tunnelId(b));
    const records = b.resources.filter((resource) => resource.type === PUBLIC_INGRESS_TYPES.record);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record.inputs.content).toBe(`${tunnelId(b)}.cfargotunnel.com`);
  });
});

describe("the zone", () => {
  test("a lookup by name that does not find exactly one zone fails naming homelab:cloudflare.zoneId", async () => {
    const failure = await runOffline({ stack: "prod", failingCalls: [PUBLIC_INGRESS_TYPES.getZone] }).then(
      () => new Error("expected the run to fail"),
      (error: unknown) => error as Error,
    );
    expect(failure.message).toContain('homelab:cloudflare.zoneId: looking up the zone "hypyr.space" by name failed (');
    expect(failure.message).toContain("failed to find exactly one result: 2 found); set homelab:cloudflare.zoneId to the zone's id");
    // Stopped before the tunnel or any record was registered.
    const registered = (failure as { resources?: readonly RegisteredResource[] }).resources ?? [];
    expect(registered.filter((resource) => resource.type === PUBLIC_INGRESS_TYPES.tunnel || resource.type === PUBLIC_INGRESS_TYPES.record)).toEqual([]);
    expect(registered.map((resource) => resource.type)).toContain(PUBLIC_INGRESS_TYPES.provider);
  }, 60_000);

  test("with homelab:cloudflare.zoneId there is no lookup", async () => {
    const raw = readStackConfig("prod");
    const cloudflare = JSON.parse(raw["homelab:cloudflare"] ?? "{}") as Record<string, unknown>;
    const run = await runOffline({ stack: "prod", rawConfig: { ...raw, "homelab:cloudflare": JSON.stringify({ ...cloudflare, zoneId: ACCOUNT_A }) }, failingCalls: [PUBLIC_INGRESS_TYPES.getZone] });
    expect(run.invocations.map((call) => call.token)).not.toContain(PUBLIC_INGRESS_TYPES.getZone);
    for (const record of run.resources.filter((resource) => resource.type === PUBLIC_INGRESS_TYPES.record)) expect(record.inputs.zoneId).toBe(ACCOUNT_A);
  }, 60_000);
});
