import type { Healthcheck } from "../lab/model";
import { addDurations, parseDuration, shortDuration } from "./units";

/**
 * How a service is rolled out, and what makes an `up` wait for it: the update and rollback
 * policies swarm applies, and the provider's convergence wait (`converge_config`), all derived
 * from the service's health check. Pure; the values are in the provider's read-back form.
 *
 * What the provider (kreuzwerker/terraform-provider-docker v4.5.0) does with them:
 * - create (`resourceDockerServiceCreate`): with `converge_config` it waits until every replica's
 *   task is running, and a task with a health check only runs once healthy (swarm's executor holds
 *   it in "starting" until then). A service that does not converge in time is **deleted** and the
 *   create fails, so the timeout must cover a first image pull on the slowest node.
 * - update (`resourceDockerServiceUpdate`): it waits until the updated tasks run; when swarm rolls a
 *   failed update back (`failureAction: rollback`) it fails with "service rollback completed".
 * - global services: the schema refuses `converge_config` with `mode.0.global` (ConflictsWith),
 *   and its progress check counts replicas only, so they are not gated by the provider; swarm
 *   still rolls a failed update of them back, which the next drift review shows.
 */

export interface UpdatePolicy {
  readonly parallelism: number;
  readonly delay: string;
  readonly failureAction: "rollback" | "pause";
  /** How long after a task starts running swarm still counts its failure against the update. */
  readonly monitor: string;
  /** The schema's string form ("0.0"), as `flattenServiceUpdateOrRollbackConfig` formats it. */
  readonly maxFailureRatio: string;
  readonly order: "start-first" | "stop-first";
}

export interface Convergence {
  /** Wait before the first check (the provider's default). */
  readonly delay: string;
  /** The whole wait, after which a create is deleted and an update reported as not converged. */
  readonly timeout: string;
}

export interface Rollout {
  readonly update: UpdatePolicy;
  readonly rollback: UpdatePolicy;
  /** Undefined for global services (see above). */
  readonly converge: Convergence | undefined;
}

/**
 * The time a first start may spend pulling the image on the slowest node: the lab's largest
 * images (Plex, Jellyfin, Kometa) are 300-700 MB, 10 minutes covers them at about 10 Mbit/s.
 */
export const FIRST_PULL_ALLOWANCE = "10m";
/** The shortest monitor window: a task that dies soon after starting rolls its update back. */
export const MIN_MONITOR = "1m";
/** Docker's defaults for a health check the image defines and the lab does not declare. */
const IMAGE_CHECK_DEFAULTS: Required<Omit<Healthcheck, "test">> = { interval: "30s", timeout: "30s", retries: 3, startPeriod: "0s" };
/** Docker's stop timeout when the service sets none. */
const DEFAULT_STOP_GRACE = "10s";

/**
 * The longest a task can take to turn healthy (or be declared unhealthy): the start period, then
 * one probe per retry plus one, each up to `interval` apart and `timeout` long. Zero without a check.
 */
export function healthBudget(check: Healthcheck | undefined): bigint {
  if (check?.test[0] === "NONE") return 0n;
  const probe = { ...IMAGE_CHECK_DEFAULTS, ...(check ? definedOnly(check) : {}) };
  // "0s" means "Docker's default" in a health check.
  const interval = parseDuration(probe.interval) || parseDuration(IMAGE_CHECK_DEFAULTS.interval);
  const timeout = parseDuration(probe.timeout) || parseDuration(IMAGE_CHECK_DEFAULTS.timeout);
  const retries = BigInt(probe.retries || IMAGE_CHECK_DEFAULTS.retries);
  return parseDuration(probe.startPeriod) + (retries + 1n) * (interval + timeout);
}

function definedOnly(check: Healthcheck): Partial<Healthcheck> {
  return Object.fromEntries(Object.entries(check).filter(([, value]) => value !== undefined));
}

export interface RolloutInput {
  readonly replicas: number | "global";
  readonly healthcheck: Healthcheck | undefined;
  /** Two copies must never run at once (node-local state, host-mode ports): stop the old task first. */
  readonly stopFirst: boolean;
  readonly stopGracePeriod: string | undefined;
}

/**
 * A service's update and rollback policy and the convergence an `up` waits for, from its health
 * check and stop order.
 */
export function rolloutOf(service: RolloutInput): Rollout {
  const order = service.stopFirst ? "stop-first" : "start-first";
  const budget = healthBudget(service.healthcheck);
  // A declared check: watch the task for as long as the check needs to fail it. Without one the
  // image's own check (if any) is unknown; a task that never turns healthy fails the update anyway.
  const declared = service.healthcheck !== undefined && service.healthcheck.test[0] !== "NONE";
  const monitor = declared && budget > parseDuration(MIN_MONITOR) ? shortDuration(budget) : MIN_MONITOR;
  const policy = (failureAction: UpdatePolicy["failureAction"]): UpdatePolicy => ({ parallelism: 1, delay: "0s", failureAction, monitor, maxFailureRatio: "0.0", order });
  if (service.replicas === "global") return { update: policy("rollback"), rollback: policy("pause"), converge: undefined };
  // Replicas update one at a time, each: stop the old task, pull on its node, start, turn healthy.
  const perTask = parseDuration(addDurations(FIRST_PULL_ALLOWANCE, budget, service.stopFirst ? (service.stopGracePeriod ?? DEFAULT_STOP_GRACE) : "0s"));
  const tasks = BigInt(Math.max(1, service.replicas));
  return { update: policy("rollback"), rollback: policy("pause"), converge: { delay: "7s", timeout: shortDuration(perTask * tasks) } };
}
