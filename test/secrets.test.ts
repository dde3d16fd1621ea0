import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { OfflineRunError, type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { services, stringsIn, withoutSecrets } from "./helpers";

/** Secret handling: nothing in plain text, each item read once, rotation by name. */
let run: OfflineRun;
beforeAll(async () => {
  run = await runOffline({ stack: "prod" });
});

/** A fake value, plain and in the forms it could leak in: base64, inside a base64 file. */
function leaks(haystack: readonly string[], fakes: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [key, fake] of fakes) {
    const forms = [fake, Buffer.from(fake).toString("base64")];
    if (fake.length % 4 === 0) forms.push(Buffer.from(fake, "base64").toString("utf8")); // decoded base64 fields
    for (const text of haystack) if (forms.some((form) => form.length >= 8 && text.includes(form))) found.push(`${key} in ${text.slice(0, 80)}`);
  }
  return found;
}

describe("no secret value outside Pulumi secrets", () => {
  test("the fake values are really used (the scan below can fail)", () => {
    const all = run.resources.flatMap((resource) => stringsIn(resource.inputs));
    expect(run.fakeSecrets.size).toBeGreaterThan(0);
    expect(leaks(all, run.fakeSecrets).length).toBeGreaterThan(0);
  });

  test("no registered input holds a fake value, plain or base64, outside a Pulumi secret", () => {
    const visible = run.resources.flatMap((resource) => stringsIn(withoutSecrets(resource.inputs)));
    expect(leaks(visible, run.fakeSecrets)).toEqual([]);
  });

  test("every swarm secret's data is a Pulumi secret", () => {
    const secrets = run.resources.filter((resource) => resource.type === "docker:index/secret:Secret");
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect((withoutSecrets(secret.inputs) as { data: unknown }).data).toBe("[secret]");
  });

  test("no environment value of any service is a secret value (secret variables point at files)", () => {
    for (const svc of services(run)) {
      for (const [name, value] of Object.entries((svc.container.env ?? {}) as Record<string, string>)) {
        expect(leaks([name, value], run.fakeSecrets)).toEqual([]);
      }
    }
  });

  test("the rendered outputs (text, JSON, stack outputs) hold no secret value", () => {
    const tsNode = path.join(__dirname, "..", "node_modules", ".bin", "ts-node");
    const render = (...args: string[]) => execFileSync(tsNode, ["--transpile-only", "scripts/render.ts", ...args], { cwd: path.join(__dirname, ".."), encoding: "utf8" });
    const text = render();
    const json = render("--json");
    expect(text).toContain(services(run)[0]!.name);
    expect(JSON.parse(json).stacks.length).toBe(run.resources.filter((resource) => resource.type === "homelab:swarm:Stack").length);
    expect(leaks([text, json, JSON.stringify(run.outputs)], run.fakeSecrets)).toEqual([]);
  });
});

describe("1Password reads", () => {
  const getItems = () => run.invocations.filter((call) => call.token === "onepassword:index/getItem:getItem");

  test("each item is read exactly once, and only items the lab uses", () => {
    const titles = getItems().map((call) => String(call.args.title));
    const fields = [...run.fakeSecrets.keys()].filter((key) => !key.startsWith("program:"));
    const used = [...new Set(fields.map((key) => key.split("/")[0]))];
    expect(titles.sort()).toEqual(used.sort());
    expect(new Set(titles).size).toBe(titles.length);
    expect(run.invocations.filter((call) => call.token === "onepassword:index/getVault:getVault")).toHaveLength(1);
  });

  test("a failing read stops the run before any resource is created (only the read-only self-reference), naming the item", async () => {
    const failing = getItems().slice(0, 2).map((call) => String(call.args.title));
    expect(failing).toHaveLength(2);
    const failure = await runOffline({ stack: "prod", failingItems: failing }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OfflineRunError);
    const error = failure as OfflineRunError;
    for (const item of failing) expect(error.message).toContain(`item "${item}" in vault "homelab" could not be read`);
    // The last deployment's inventory is read beside the secrets; nothing else is registered.
    expect(error.resources.map((resource) => resource.type)).toEqual(["pulumi:pulumi:StackReference"]);
  });
});

describe("rotation", () => {
  test("a changed value renames only the secrets that hold it, so services roll to a new secret", async () => {
    const raw = readStackConfig("dev");
    const first = await runOffline({ stack: "dev", rawConfig: raw });
    const secrets = (r: OfflineRun) => r.resources.filter((x) => x.type === "docker:index/secret:Secret");
    const holding = (key: string) =>
      secrets(first)
        .filter((secret) => stringsIn(secret.inputs.data).some((text) => text.includes(first.fakeSecrets.get(key)!)))
        .map((secret) => secret.name);
    // The field the most secrets hold (several services, or a template beside a plain value).
    const [field] = [...first.fakeSecrets.keys()].filter((key) => key.includes("/")).sort((a, b) => holding(b).length - holding(a).length);
    expect(holding(field!).length).toBeGreaterThan(1);
    const values = { ...Object.fromEntries(first.fakeSecrets), [field!]: "rotated-password-value" };
    const second = await runOffline({ stack: "dev", rawConfig: { ...raw, "homelab:secretValues": JSON.stringify(values) } });
    const names = (r: OfflineRun) => new Map(secrets(r).map((x) => [x.name, String(x.inputs.name)]));
    const before = names(first);
    const after = names(second);
    const changed = [...before].filter(([logical, name]) => after.get(logical) !== name).map(([logical]) => logical);
    expect(changed.sort()).toEqual(holding(field!).sort());
    expect(changed.length).toBeLessThan(before.size);
    expect([...after.values()].every((name) => name.length <= 64)).toBe(true);
  });
});
