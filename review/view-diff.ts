import { exposureOf, type ExposureItem } from "./exposure-summary";
import {
  fileRefLine,
  healthcheckLine,
  type LabView,
  mountLine,
  networkLine,
  portLine,
  resourcesLine,
  restartLine,
  routeLine,
  type ServiceView,
  siteLine,
  type StackView,
  convergeLine,
  policyLine,
} from "./lab-view";

/**
 * What changes between two views of a stack of the program (the base revision's and the working
 * tree's), field by field, grouped by stack and service, headed by the exposure summary. Each
 * field is compared as a list of lines (the same lines the render shows, completed where the
 * render summarises), so a change is exactly the lines that left and the lines that came.
 */

export interface FieldChange {
  readonly field: string;
  /** Lines only the base has. */
  readonly removed: readonly string[];
  /** Lines only the working tree has. */
  readonly added: readonly string[];
}

export interface ServiceChange {
  readonly name: string;
  readonly status: "added" | "removed" | "changed";
  readonly changes: readonly FieldChange[];
}

export interface StackChange {
  readonly name: string;
  readonly status: "added" | "removed" | "changed";
  readonly changes: readonly FieldChange[];
  readonly services: readonly ServiceChange[];
}

export interface LabDiff {
  readonly stack: string;
  readonly changed: boolean;
  readonly exposure: readonly ExposureItem[];
  /** Lab-wide fields: secret source, forward auth, data paths, shared networks, ingress. */
  readonly lab: readonly FieldChange[];
  readonly stacks: readonly StackChange[];
}

type Fields = readonly (readonly [string, readonly string[]])[];

const keyed = (record: Readonly<Record<string, string>> | undefined, prefix = "") => Object.entries(record ?? {}).map(([key, value]) => `${prefix}${key}=${value}`);
const optional = (value: string | undefined) => (value === undefined ? [] : [value]);

/**
 * A field of a view as [label, lines]. Keyed by the view's own field names, so a field added to
 * `ServiceView` or `StackView` does not compile until the diff shows it: no registered difference
 * goes unseen.
 */
type FieldTable<View, Skipped extends keyof View> = { readonly [K in Exclude<keyof View, Skipped>]-?: readonly [label: string, lines: (view: View) => readonly string[]] };

const fieldsOf = <View, Skipped extends keyof View>(table: FieldTable<View, Skipped>, view: View): Fields =>
  (Object.values(table) as (readonly [string, (view: View) => readonly string[]])[]).map(([label, lines]) => [label, lines(view)]);

function runLines(run: ServiceView["run"]): string[] {
  return [
    ...(run.user ? [`user ${run.user}`] : []),
    ...(run.entrypoint ? [`entrypoint ${JSON.stringify(run.entrypoint)}`] : []),
    ...(run.command ? [`command ${JSON.stringify(run.command)}`] : []),
    ...run.hosts.map((host) => `host ${host}`),
    ...(run.stopGracePeriod ? [`stop grace period ${run.stopGracePeriod}`] : []),
    ...(run.init !== undefined ? [`init ${run.init}`] : []),
  ];
}

/** Every field of a service as lines, complete where the render summarises. Its names are the service itself. */
const SERVICE_FIELDS: FieldTable<ServiceView, "name" | "swarmName"> = {
  image: ["image", (service) => [service.image]],
  unpinned: ["unpinned", (service) => optional(service.unpinned)],
  replicas: ["replicas", (service) => [String(service.replicas)]],
  stateful: ["stateful", (service) => [service.stateful ? "yes" : "no"]],
  protected: ["protected", (service) => [service.protected ? "yes" : "no"]],
  role: ["role", (service) => optional(service.role)],
  update: ["update", (service) => [policyLine(service.update)]],
  rollback: ["rollback", (service) => (service.rollback ? [policyLine(service.rollback)] : [])],
  converge: ["converge", (service) => optional(convergeLine(service.converge))],
  placement: ["placement", (service) => service.placement],
  networks: ["networks", (service) => service.networks.map(networkLine)],
  sites: ["sites", (service) => service.sites.flatMap((site) => [siteLine(site), ...keyed(site.labels, `${site.host}: `)])],
  ports: ["ports", (service) => service.ports.map(portLine)],
  mounts: ["mounts", (service) => service.mounts.map(mountLine)],
  env: ["env", (service) => service.env.map((variable) => `${variable.name} (value ${variable.digest})`)],
  secrets: ["secrets", (service) => service.secrets.map(fileRefLine)],
  configs: ["configs", (service) => service.configs.map(fileRefLine)],
  labels: ["labels", (service) => keyed(service.labels)],
  derivedLabels: ["derived labels", (service) => keyed(service.derivedLabels)],
  homepage: ["homepage", (service) => keyed(service.homepage)],
  monitors: ["monitors", (service) => service.monitors.flatMap((monitor) => keyed(monitor.settings, `${monitor.id} (${monitor.type}) `))],
  limits: ["limits", (service) => optional(resourcesLine(service.limits))],
  reservations: ["reservations", (service) => optional(resourcesLine(service.reservations))],
  healthcheck: ["healthcheck", (service) => optional(healthcheckLine(service.healthcheck))],
  restart: ["restart", (service) => optional(restartLine(service.restart))],
  run: ["run", (service) => runLines(service.run)],
};

/** A stack's own fields; its services are compared one by one. */
const STACK_FIELDS: FieldTable<StackView, "name" | "services"> = {
  tier: ["tier", (stack) => [stack.tier]],
  description: ["description", (stack) => [stack.description]],
  networks: ["own networks", (stack) => stack.networks],
  dependsOn: ["needs at runtime", (stack) => stack.dependsOn],
};

function labFields(view: LabView): Fields {
  return [
    ["secret source", [view.secretSource]],
    ["forward auth", [view.forwardAuth.enabled ? "on (Authentik)" : `off: ${view.forwardAuth.reason}`]],
    ["data paths", view.dataPaths],
    ["images without a digest", view.unlockedImages.map((entry) => `${entry.service}: ${entry.image}`)],
    ["secret values to set", view.secretValues.map((value) => value.key)],
    ["removed on purpose", view.removals.map((removal) => `${removal.service ? `${removal.stack}/${removal.service}` : removal.stack}: ${removal.reason}`)],
    ["turned off in config", view.disabledServices],
    ["shared networks", view.sharedNetworks.map((network) => `${network.name}: ${network.purpose}`)],
    ["internal DNS", [view.ingress.internalDns]],
    ["tunnel", optional(view.ingress.tunnel)],
    ["routes", view.ingress.routes.map(routeLine)],
    ["tunnel rules", view.ingress.tunnelRules],
  ];
}

/** Lines of `a` not in `b`, counting repeats. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const line of b) left.set(line, (left.get(line) ?? 0) + 1);
  return a.filter((line) => {
    const count = left.get(line) ?? 0;
    if (count > 0) left.set(line, count - 1);
    return count === 0;
  });
}

/** The fields that differ. `before` or `after` absent: everything is removed or added. */
function compareFields(before: Fields | undefined, after: Fields | undefined): FieldChange[] {
  const names = [...new Set([...(before ?? []), ...(after ?? [])].map(([name]) => name))];
  const linesOf = (fields: Fields | undefined, name: string) => fields?.find(([candidate]) => candidate === name)?.[1] ?? [];
  return names.flatMap((field) => {
    const [old, now] = [linesOf(before, field), linesOf(after, field)];
    const change = { field, removed: minus(old, now), added: minus(now, old) };
    return change.removed.length > 0 || change.added.length > 0 ? [change] : [];
  });
}

function statusOf<T>(before: T | undefined, after: T | undefined): "added" | "removed" | "changed" {
  return before === undefined ? "added" : after === undefined ? "removed" : "changed";
}

/** Names in the order of `after`, then those only `before` has. */
function unionByName<T extends { name: string }>(before: readonly T[], after: readonly T[]): string[] {
  return [...new Set([...after.map((item) => item.name), ...before.map((item) => item.name)])];
}

function compareStack(before: StackView | undefined, after: StackView | undefined): StackChange | undefined {
  const services = unionByName(before?.services ?? [], after?.services ?? []).flatMap((name): ServiceChange[] => {
    const [old, now] = [before?.services.find((s) => s.name === name), after?.services.find((s) => s.name === name)];
    // A removed service is named, not listed field by field: what it had is in the base's render.
    const changes = now === undefined ? [] : compareFields(old && fieldsOf(SERVICE_FIELDS, old), fieldsOf(SERVICE_FIELDS, now));
    return now !== undefined && changes.length === 0 ? [] : [{ name, status: statusOf(old, now), changes }];
  });
  const changes = after === undefined ? [] : compareFields(before && fieldsOf(STACK_FIELDS, before), fieldsOf(STACK_FIELDS, after));
  if (before !== undefined && after !== undefined && changes.length === 0 && services.length === 0) return undefined;
  return { name: (after ?? before)!.name, status: statusOf(before, after), changes, services: after === undefined ? [] : services };
}

/** What changes between two views, stack by stack and service by service, and what it exposes. */
export function diffViews(before: LabView, after: LabView): LabDiff {
  const stacks = unionByName(before.stacks, after.stacks).flatMap((name) => {
    const change = compareStack(
      before.stacks.find((stack) => stack.name === name),
      after.stacks.find((stack) => stack.name === name),
    );
    return change ? [change] : [];
  });
  const lab = compareFields(labFields(before), labFields(after));
  return { stack: after.stack, changed: stacks.length > 0 || lab.length > 0, exposure: exposureOf(before, after), lab, stacks };
}
