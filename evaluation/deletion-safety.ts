import type { ServiceOverride } from "../config";
import type { Removal } from "../lab/model";
import type { EvaluatedLab } from "./evaluate-lab";
import { LabError } from "./validation";

/**
 * What a deployment consists of, as far as deletion safety cares: its stacks and its stateful
 * services. The program exports it as a stack output and reads the previous one back before it
 * registers anything, so that a stack or stateful service that disappears from the declaration
 * (a deleted file, a typo in `homelab:stacks`) is an error, not a deletion.
 */
export interface Inventory {
  readonly stacks: readonly string[];
  /** Every service, `<stack>/<service>`. */
  readonly services: readonly string[];
  /** The stateful ones among them. */
  readonly statefulServices: readonly string[];
}

/** What an evaluated lab deploys, in the form deletion safety compares between runs. */
export function inventoryOf(lab: Pick<EvaluatedLab, "stacks">): Inventory {
  return inventoryOfStacks(lab.stacks);
}

/** The inventory of declared stacks (each service once, `stateful` as declared). */
export function inventoryOfStacks(stacks: readonly { name: string; services: readonly { name: string; stateful?: boolean }[] }[]): Inventory {
  const plans = stacks.flatMap((stack) => stack.services.map((service) => ({ key: `${stack.name}/${service.name}`, stateful: service.stateful ?? false })));
  return {
    stacks: stacks.map((stack) => stack.name).sort(),
    services: plans.map((plan) => plan.key).sort(),
    statefulServices: plans.filter((plan) => plan.stateful).map((plan) => plan.key).sort(),
  };
}

/** Reads an inventory from a stack output, tolerating an absent or older output. */
export function parseInventory(value: unknown): Inventory | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { stacks, services, statefulServices } = value as Record<string, unknown>;
  const strings = (list: unknown) => (Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : []);
  return { stacks: strings(stacks), services: strings(services), statefulServices: strings(statefulServices) };
}

/** A stack or stateful service that would be deleted without anyone saying so, and why up refuses it. */
export interface UnmarkedRemoval {
  /** The stack, or `<stack>/<service>`. */
  readonly subject: string;
  readonly why: string;
}

export const removalProblem = (removal: UnmarkedRemoval): string => `${removal.subject}: ${removal.why}`;

/** The `<stack>/<service>` keys turned off in config (`homelab:services.<key>.enabled: false`), sorted. */
export function disabledServices(overrides: Readonly<Record<string, ServiceOverride>> | undefined): string[] {
  return Object.entries(overrides ?? {})
    .flatMap(([key, override]) => (override.enabled === false ? [key] : []))
    .sort();
}

/**
 * Every stack or stateful service the previous deployment had and this one drops without saying
 * so. `disabled` are the keys turned off in config (`disabledServices`): also an explicit decision.
 */
export function unmarkedRemovals(previous: Inventory | undefined, current: Inventory, removed: readonly Removal[], disabled: ReadonlySet<string>): UnmarkedRemoval[] {
  if (!previous) return [];
  const problems: UnmarkedRemoval[] = [];
  const stackRemoved = (stack: string) => removed.some((removal) => removal.stack === stack && removal.service === undefined);
  for (const stack of previous.stacks) {
    if (current.stacks.includes(stack) || stackRemoved(stack)) continue;
    problems.push({
      subject: stack,
      why:
        "this stack is deployed but no longer declared or selected (homelab:stacks); up would delete all its services. " +
        `If that is intended, add { stack: "${stack}", reason: "..." } to lab/removed.ts`,
    });
  }
  for (const key of previous.statefulServices) {
    const [stack = "", service = ""] = key.split("/", 2);
    // Still declared (even if no longer stateful), gone with its whole stack, or turned off in config.
    if (current.services.includes(key) || !current.stacks.includes(stack) || disabled.has(key)) continue;
    if (removed.some((removal) => removal.stack === stack && removal.service === service)) continue;
    problems.push({
      subject: key,
      why:
        "this stateful service is deployed but no longer declared; up would delete it. " +
        `If that is intended, add { stack: "${stack}", service: "${service}", reason: "..." } to lab/removed.ts`,
    });
  }
  return problems;
}

/**
 * Stops the run, naming each, when a deployed stack or stateful service would be deleted without
 * an entry in `removed` or its service turned off in config (`overrides`, homelab:services).
 */
export function checkDeletions(lab: Pick<EvaluatedLab, "stacks">, overrides: Readonly<Record<string, ServiceOverride>>, previous: Inventory | undefined, removed: readonly Removal[]): void {
  const problems = unmarkedRemovals(previous, inventoryOf(lab), removed, new Set(disabledServices(overrides)));
  if (problems.length > 0) throw new LabError(problems.map(removalProblem));
}
