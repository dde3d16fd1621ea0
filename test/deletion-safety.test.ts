import { bind, defineStack, type Removal, type StackDefinition } from "../lab/model";
import { type Inventory, removalProblem, unmarkedRemovals } from "../evaluation/deletion-safety";
import { LabError } from "../evaluation/validation";
import { OfflineRunError, type OfflineRun, runOffline } from "../offline/run";
import { FIXTURE_CONFIG, FIXTURE_STACK } from "./fixtures/review-lab";
import { services } from "./helpers";

/**
 * Deletion safety: a stack or stateful service that was deployed and is no longer declared stops
 * the program before it registers anything, unless it is marked as removed; stateful services are
 * protected in Pulumi's state.
 */

const previous: Inventory = {
  stacks: ["apps", "db"],
  services: ["apps/web", "db/postgres", "db/backup"],
  statefulServices: ["db/postgres", "db/backup"],
};

describe("unmarkedRemovals", () => {
  test("nothing to compare on a first deployment", () => {
    expect(unmarkedRemovals(undefined, { stacks: [], services: [], statefulServices: [] }, [], new Set())).toEqual([]);
  });

  test("a dropped stack and a dropped stateful service are errors that say how to remove them on purpose", () => {
    const current = { stacks: ["db"], services: ["db/backup"], statefulServices: ["db/backup"] };
    expect(unmarkedRemovals(previous, current, [], new Set()).map(removalProblem)).toEqual([
      'apps: this stack is deployed but no longer declared or selected (homelab:stacks); up would delete all its services. If that is intended, add { stack: "apps", reason: "..." } to lab/removed.ts',
      'db/postgres: this stateful service is deployed but no longer declared; up would delete it. If that is intended, add { stack: "db", service: "postgres", reason: "..." } to lab/removed.ts',
    ]);
  });

  test("marked removals, services turned off in config, and services that merely stopped being stateful pass", () => {
    const current = { stacks: ["db"], services: ["db/postgres"], statefulServices: [] };
    expect(unmarkedRemovals(previous, current, [{ stack: "apps", reason: "retired" }], new Set(["db/backup"]))).toEqual([]);
    expect(unmarkedRemovals(previous, { stacks: ["apps", "db"], services: ["apps/web", "db/postgres"], statefulServices: ["db/postgres"] }, [{ stack: "db", service: "backup", reason: "replaced by restic" }], new Set())).toEqual([]);
  });

  test("a stateless service may go without ceremony", () => {
    const current = { stacks: ["apps", "db"], services: ["db/postgres", "db/backup"], statefulServices: ["db/postgres", "db/backup"] };
    expect(unmarkedRemovals(previous, current, [], new Set())).toEqual([]);
  });
});

/**
 * A small lab of this suite's own: a stateless web stack and a database stack with two stateful
 * services, under the review fixture's config (no 1Password, one node).
 */
const fixtureLab: StackDefinition[] = [
  defineStack(() => ({ name: "apps", tier: "application", description: "a stateless web service", services: [{ name: "web", image: "nginx:1.27", networks: [] }] })),
  defineStack((lab) => ({
    name: "db",
    tier: "platform",
    description: "a database and its backup, both with state on the node",
    services: [
      { name: "postgres", image: "postgres:17-alpine", networks: [], stateful: true, mounts: [bind(lab.appdata("db"), "/var/lib/postgresql/data")] },
      { name: "backup", image: "postgres:17-alpine", networks: [], stateful: true, mounts: [bind(lab.backups("db"), "/backups")] },
    ],
  })),
];
const withoutBackup: StackDefinition[] = fixtureLab.map((define) => (lab) => {
  const stack = define(lab);
  return stack.name === "db" ? { ...stack, services: stack.services.filter((service) => service.name !== "backup") } : stack;
});

describe("in the program", () => {
  const runFixture = (options: { rawConfig?: Record<string, string>; previousOutputs?: Record<string, unknown>; definitions?: readonly StackDefinition[]; removed?: readonly Removal[] } = {}) =>
    runOffline({
      stack: FIXTURE_STACK,
      rawConfig: options.rawConfig ?? FIXTURE_CONFIG,
      ...(options.previousOutputs ? { previousOutputs: options.previousOutputs } : {}),
      deploy: { definitions: options.definitions ?? fixtureLab, removed: options.removed ?? [] },
    });
  let deployed: OfflineRun;
  beforeAll(async () => {
    deployed = await runFixture();
  });
  const lastRun = () => ({ inventory: deployed.outputs.inventory });
  const cause = (error: unknown) => (error as OfflineRunError).cause;

  test("the inventory output lists the stacks and the stateful services", () => {
    expect([...deployed.outputs.inventory.stacks].sort()).toEqual(["apps", "db"]);
    expect([...deployed.outputs.inventory.statefulServices].sort()).toEqual(["db/backup", "db/postgres"]);
  });

  test("the same lab again passes", async () => {
    const again = await runFixture({ previousOutputs: lastRun() });
    expect(services(again).map((svc) => svc.name).sort()).toEqual(["apps_web", "db_backup", "db_postgres"]);
  });

  test("a stack subset in config that leaves a deployed stack out stops the run, and nothing but the read-only self-reference is registered", async () => {
    const failure = await runFixture({ rawConfig: { ...FIXTURE_CONFIG, "homelab:stacks": JSON.stringify(["db"]) }, previousOutputs: lastRun() }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OfflineRunError);
    expect(cause(failure)).toBeInstanceOf(LabError);
    expect((cause(failure) as LabError).problems).toEqual([expect.stringMatching(/^apps: this stack is deployed but no longer declared or selected/)]);
    expect((failure as OfflineRunError).resources.map((resource) => resource.type)).toEqual(["pulumi:pulumi:StackReference"]);
  });

  test("a stateful service deleted from its stack file stops the run; marked as removed, it passes", async () => {
    const failure = await runFixture({ previousOutputs: lastRun(), definitions: withoutBackup }).catch((error: unknown) => error);
    expect((cause(failure) as LabError).problems).toEqual([expect.stringMatching(/^db\/backup: this stateful service is deployed but no longer declared/)]);

    const marked = await runFixture({ previousOutputs: lastRun(), definitions: withoutBackup, removed: [{ stack: "db", service: "backup", reason: "backups move to restic" }] });
    expect(services(marked).map((svc) => svc.name)).not.toContain("db_backup");
  });

  test("a stateful service turned off in config is an explicit decision", async () => {
    const run = await runFixture({ rawConfig: { ...FIXTURE_CONFIG, "homelab:services": JSON.stringify({ "db/backup": { enabled: false } }) }, previousOutputs: lastRun() });
    expect(services(run).map((svc) => svc.name)).not.toContain("db_backup");
  });

  test("stateful services are protected in Pulumi's state; stateless ones are not", () => {
    const registered = deployed.resources.filter((resource) => resource.type === "docker:index/service:Service");
    expect(registered.map((resource) => [String(resource.inputs.name), resource.protect]).sort()).toEqual([
      ["apps_web", false],
      ["db_backup", true],
      ["db_postgres", true],
    ]);
  });
});

describe("in the lab", () => {
  test("the lab's stateful services are exactly the ones protected in Pulumi's state", async () => {
    const run = await runOffline({ stack: "prod" });
    const registered = run.resources.filter((resource) => resource.type === "docker:index/service:Service");
    const statefulNames = run.outputs.inventory.statefulServices.map((key) => key.replace("/", "_"));
    expect(statefulNames.length).toBeGreaterThan(0);
    expect(registered.filter((resource) => resource.protect).map((resource) => String(resource.inputs.name)).sort()).toEqual([...statefulNames].sort());
  });
});
