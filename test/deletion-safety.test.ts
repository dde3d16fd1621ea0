import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import { type Inventory, unmarkedRemovals } from "../lib/deletion-safety";
import { LabError } from "../lib/validation";
import { OfflineRunError, type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../offline/stack-config";
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
    expect(unmarkedRemovals(previous, current, [], new Set())).toEqual([
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

describe("in the program", () => {
  let deployed: OfflineRun;
  beforeAll(async () => {
    deployed = await runOffline({ stack: "prod" });
  });
  const lastRun = () => ({ inventory: deployed.outputs.inventory });
  const cause = (error: unknown) => (error as OfflineRunError).cause;

  test("the inventory output lists the stacks and the stateful services", () => {
    expect(deployed.outputs.inventory.stacks).toHaveLength(9);
    expect(deployed.outputs.inventory.statefulServices).toContain("platform_postgres/postgresql");
    expect(deployed.outputs.inventory.statefulServices).not.toContain("caddy/caddy");
  });

  test("the same lab again passes", async () => {
    const again = await runOffline({ stack: "prod", previousOutputs: lastRun() });
    expect(services(again)).toHaveLength(44);
  });

  test("a typo'd stack subset in config stops the run, and nothing but the read-only self-reference is registered", async () => {
    const raw = { ...readStackConfig("prod"), "homelab:stacks": JSON.stringify(["op-connect", "caddy", "platform_postgres", "platform_authentik", "platform_monitoring", "platform_observability", "application_media_core", "application_media_support"]) };
    const failure = await runOffline({ stack: "prod", rawConfig: raw, previousOutputs: lastRun() }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OfflineRunError);
    expect(cause(failure)).toBeInstanceOf(LabError);
    expect((cause(failure) as LabError).problems).toEqual([expect.stringMatching(/^application_media_enrichment: this stack is deployed but no longer declared or selected/)]);
    expect((failure as OfflineRunError).resources.map((resource) => resource.type)).toEqual(["pulumi:pulumi:StackReference"]);
  });

  test("a stateful service deleted from its stack file stops the run; marked as removed, it passes", async () => {
    const withoutPgBackup: StackDefinition[] = STACKS.map((define) => (lab) => {
      const stack = define(lab);
      return stack.name === "platform_postgres" ? { ...stack, services: stack.services.filter((service) => service.name !== "pg-backup") } : stack;
    });
    const failure = await runOffline({ stack: "prod", previousOutputs: lastRun(), deploy: { definitions: withoutPgBackup } }).catch((error: unknown) => error);
    expect((cause(failure) as LabError).problems).toEqual([expect.stringMatching(/^platform_postgres\/pg-backup: this stateful service is deployed but no longer declared/)]);

    const marked = await runOffline({
      stack: "prod",
      previousOutputs: lastRun(),
      deploy: { definitions: withoutPgBackup, removed: [{ stack: "platform_postgres", service: "pg-backup", reason: "backups move to restic" }] },
    });
    expect(services(marked).map((svc) => svc.name)).not.toContain("platform_postgres_pg-backup");
  });

  test("a stateful service turned off in config is an explicit decision", async () => {
    const raw = { ...readStackConfig("prod"), "homelab:services": JSON.stringify({ "platform_postgres/pg-backup": { enabled: false } }) };
    const run = await runOffline({ stack: "prod", rawConfig: raw, previousOutputs: lastRun() });
    expect(services(run).map((svc) => svc.name)).not.toContain("platform_postgres_pg-backup");
  });

  test("stateful services, the database among them, are protected in Pulumi's state; stateless ones are not", () => {
    const registered = deployed.resources.filter((resource) => resource.type === "docker:index/service:Service");
    const isProtected = (name: string) => registered.find((resource) => resource.inputs.name === name)!.protect;
    expect(isProtected("platform_postgres_postgresql")).toBe(true);
    expect(isProtected("application_media_core_sonarr")).toBe(true);
    expect(isProtected("caddy_caddy")).toBe(false);
    const statefulNames = deployed.outputs.inventory.statefulServices.map((key) => key.replace("/", "_"));
    expect(registered.filter((resource) => resource.protect).map((resource) => String(resource.inputs.name)).sort()).toEqual(statefulNames.sort());
  });
});
