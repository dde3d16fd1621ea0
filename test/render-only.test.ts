import { spawnSync } from "node:child_process";
import type { LabView } from "../review/lab-view";
import { PROJECT_DIR } from "../lib/project-dir";
import { onlyView } from "../review/view-only";
import { evaluateView } from "../review/revision";

/** `render --only <stack>[/<service>]`, on whatever the lab holds: that stack or service, nothing else. */

const render = (args: readonly string[]) => spawnSync("npm", ["run", "-s", "render", "--", ...args], { cwd: PROJECT_DIR, encoding: "utf8" });

let view: LabView;
beforeAll(async () => {
  view = await evaluateView(PROJECT_DIR, "prod");
}, 120_000);

test("one stack: its services only, and the routes they serve", () => {
  const stack = view.stacks.at(-1)!;
  const only = onlyView(view, stack.name);
  expect(only.stacks.map((s) => s.name)).toEqual([stack.name]);
  expect(only.stacks[0]!.services).toEqual(stack.services);
  expect(only.ingress.routes.every((route) => route.owner.startsWith(`${stack.name}/`))).toBe(true);
  expect(only.unlockedImages.every((entry) => entry.service.startsWith(`${stack.name}/`))).toBe(true);
});

test("one service, through the CLI: its block and no other service's", () => {
  const stack = view.stacks[0]!;
  const [service, ...others] = stack.services;
  const result = render(["--only", `${stack.name}/${service!.name}`]);
  expect(result.status).toBe(0);
  expect(result.stdout).toContain(`  ${service!.name} (${service!.swarmName})`);
  for (const other of [...others, ...view.stacks.slice(1).flatMap((s) => s.services)]) expect(result.stdout).not.toContain(`(${other.swarmName})\n`);
});

test("an unknown stack or service is refused with the names there are, and the nearest", () => {
  const stack = view.stacks[0]!;
  expect(() => onlyView(view, `${stack.name}x`)).toThrow(`--only ${stack.name}x: no stack "${stack.name}x"; the nearest stack is ${stack.name}; the stacks are ${view.stacks.map((s) => s.name).join(", ")}`);
  expect(() => onlyView(view, `${stack.name}/nosuchservice`)).toThrow(`its services are ${stack.services.map((s) => s.name).join(", ")}`);
  const cli = render(["--only", `${stack.name}/nosuchservice`]);
  expect([cli.status, cli.stderr.startsWith(`render: --only ${stack.name}/nosuchservice: stack ${stack.name} has no service "nosuchservice"`)]).toEqual([1, true]);
});

test("--only is refused with --diff: a review covers the whole stack", () => {
  const result = render(["--only", view.stacks[0]!.name, "--diff", "HEAD"]);
  expect([result.status, result.stderr]).toEqual([1, "render: --only shows one stack or service of a render; a review (--diff) covers the whole stack\n"]);
});
