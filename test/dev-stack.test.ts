import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { runOffline } from "../offline/run";

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
