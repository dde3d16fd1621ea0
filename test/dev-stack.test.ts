import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runOffline } from "../offline/run";
import { describeWith } from "../servers/tools";

/**
 * `npm run dev-stack`, which the round-trip workflow uses to prepare its one-node swarm: the bind
 * sources to create (only under the dev stack's data roots) and exactly the secret keys the
 * program asks for in config.
 */

const ROOT = path.resolve(__dirname, "..");
const devStack = (...args: string[]) => spawnSync("npx", ["ts-node", "--transpile-only", "scripts/dev-stack.ts", ...args], { cwd: ROOT, encoding: "utf8" });
const lines = (text: string) => text.split("\n").filter((line) => line.length > 0);

test("bind-sources: every bind mount of the dev stack under its data roots, and nothing outside them", async () => {
  const result = devStack("bind-sources");
  expect(result.status).toBe(0);
  const run = await runOffline({ stack: "dev" });
  const binds = run.lab.stacks.flatMap((stack) => stack.services).flatMap((plan) => plan.mounts.filter((mount) => mount.type === "bind").map((mount) => mount.source!));
  const expected = [...new Set(binds.filter((source) => source.startsWith("/srv/homelab-dev/")))].sort();
  expect(expected.length).toBeGreaterThan(0);
  expect(lines(result.stdout)).toEqual(expected);
  expect(binds).toContain("/var/run/docker.sock"); // the socket proxies' mount, never created by the script
});

test("secret-keys: exactly the homelab:secretValues keys the program reads", async () => {
  const result = devStack("secret-keys");
  expect(result.status).toBe(0);
  const run = await runOffline({ stack: "dev" });
  expect(lines(result.stdout)).toEqual([...run.fakeSecrets.keys()].filter((key) => !key.startsWith("program:")).sort());
});

test("refuses a stack whose secrets come from 1Password, naming the key", () => {
  const result = devStack("secret-keys", "--stack", "prod");
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('dev-stack: Pulumi.prod.yaml: homelab:secrets.source is "onepassword"');
});

describeWith({ programs: [], root: true })("create-bind-sources, as root", () => {
  test("creates every bind source under --root, each owned by the user its service runs as (Caddy's data is Caddy's)", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "homelab-binds-"));
    try {
      const result = devStack("create-bind-sources", "--root", root);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const run = await runOffline({ stack: "dev" });
      const listed = lines(devStack("bind-sources").stdout);
      expect(lines(result.stdout).map((line) => line.split(" ")[0])).toEqual(listed.map((source) => path.join(root, source)));
      // The ingress controller runs as a numeric non-root user and writes under its binds.
      const caddy = run.lab.stacks.flatMap((stack) => stack.services).find((plan) => plan.role === "ingress-controller")!;
      const [uid, gid] = caddy.user!.split(":").map(Number);
      expect(uid).toBeGreaterThan(0);
      const caddyBinds = caddy.mounts.filter((mount) => mount.type === "bind" && listed.includes(mount.source!));
      expect(caddyBinds.length).toBeGreaterThan(0);
      for (const mount of caddyBinds) expect(statSync(path.join(root, mount.source!))).toMatchObject({ uid, gid });
      expect(lines(result.stdout)).toContain(`${path.join(root, caddyBinds[0]!.source!)} ${uid}:${gid} (${caddy.stack}/${caddy.name})`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
