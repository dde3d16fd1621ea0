import { addDurations, canonicalDuration, checkFileMode, goDurationString, parseDuration, shortDuration } from "../evaluation/units";
import { checkQuantities } from "../evaluation/validation/quantities";
import { healthBudget, rolloutOf } from "../evaluation/rollout";

/**
 * The read-back forms, case by case. The expected strings are what the provider
 * (kreuzwerker/terraform-provider-docker v4.5.0) stores after a read: Go's `time.Duration.String()`
 * passed through `shortDur` (resource_docker_service_structures.go), which every duration flatten
 * (`flattenTaskRestartPolicy`, `flattenServiceHealthcheck`, `flattenContainerSpec` for
 * stop_grace_period, `flattenServiceUpdateOrRollbackConfig`) uses.
 */

describe("durations: what the lab writes, and what the provider reads back", () => {
  test.each([
    // written, read back
    ["60s", "1m"],
    ["1m", "1m"],
    ["90s", "1m30s"],
    ["1m30s", "1m30s"],
    ["5s", "5s"],
    ["0s", "0s"],
    ["0", "0s"],
    ["300s", "5m"],
    ["3600s", "1h"],
    ["60m", "1h"],
    ["1h30m", "1h30m"],
    ["1h0m5s", "1h0m5s"], // shortDur only trims a trailing "m0s", then "h0m"
    ["3605s", "1h0m5s"],
    ["1.5s", "1.5s"],
    ["1.5m", "1m30s"],
    ["1.5h", "1h30m"],
    ["500ms", "500ms"],
    ["1500ms", "1.5s"],
    ["0.5s", "500ms"],
    ["1000ms", "1s"],
    ["250us", "250\u00b5s"], // Go prints the micro sign
    ["250\u00b5s", "250\u00b5s"],
    ["1500ns", "1.5\u00b5s"],
    ["100ns", "100ns"],
    ["2h45m30s", "2h45m30s"],
    ["24h", "24h"],
    ["1m60s", "2m"],
    ["+5s", "5s"],
    ["1.s", "1s"],
    [".5s", "500ms"],
  ])("%j is read back as %j", (written, readBack) => {
    expect(canonicalDuration(written)).toBe(readBack);
    // The read-back form is a fixed point: declaring it gives no diff either.
    expect(canonicalDuration(readBack)).toBe(readBack);
  });

  test.each([["10 seconds"], ["5"], [""], ["-5s"], ["1min"], ["s"], ["."], ["1d"], ["5S"]])("%j is refused with the accepted forms named", (written) => {
    expect(() => parseDuration(written)).toThrow(`expected a duration such as "30s", "1m30s" or "500ms", got "${written}"`);
  });

  test.each<[bigint, string, string]>([
    [0n, "0s", "0s"],
    [60_000_000_000n, "1m0s", "1m"],
    [3_600_000_000_000n, "1h0m0s", "1h"],
    [3_660_000_000_000n, "1h1m0s", "1h1m"],
    [3_601_000_000_000n, "1h0m1s", "1h0m1s"],
    [1_500_000n, "1.5ms", "1.5ms"],
  ])("%s ns: Go prints %j, shortDur %j", (nanos, go, short) => {
    expect(goDurationString(nanos)).toBe(go);
    expect(shortDuration(nanos)).toBe(short);
  });

  test("sums come out in read-back form", () => {
    expect(addDurations("10m", "4m", "10s")).toBe("14m10s");
    expect(addDurations("30s", "30s")).toBe("1m");
  });
});

describe("file modes", () => {
  test.each<[number, string | undefined]>([
    [0o440, undefined],
    [0o444, undefined],
    [0, undefined],
    [0o777, undefined],
    [0o1440, "expected permission bits between 0 and 0o777 (e.g. 0o440), got 800"],
    [-1, "expected permission bits between 0 and 0o777 (e.g. 0o440), got -1"],
    [4.5, "expected permission bits between 0 and 0o777 (e.g. 0o440), got 4.5"],
  ])("%o: %s", (mode, problem) => {
    expect(checkFileMode(mode)).toBe(problem);
  });
});

describe("rollout: health-gated updates and convergence", () => {
  const check = { test: ["CMD", "true"], interval: "30s", timeout: "10s", retries: 3, startPeriod: "30s" };

  test.each<[string, Parameters<typeof healthBudget>[0], string]>([
    ["a declared check: start period, then (retries + 1) probes", check, "3m10s"],
    ["no declared check: the image's may use Docker's defaults", undefined, "4m"],
    ["a check turned off", { test: ["NONE"] }, "0s"],
    ["0s means Docker's default interval", { test: ["CMD", "true"], interval: "0s", timeout: "5s", retries: 1 }, "1m10s"],
  ])("health budget, %s: %s", (_, healthcheck, budget) => {
    expect(shortDuration(healthBudget(healthcheck))).toBe(budget);
  });

  test.each<[string, Parameters<typeof rolloutOf>[0], { order: string; monitor: string; converge: string | undefined }]>([
    ["stateless, declared check", { replicas: 1, healthcheck: check, stopFirst: false, stopGracePeriod: undefined }, { order: "start-first", monitor: "3m10s", converge: "13m10s" }],
    ["stateful, no check: stop grace added", { replicas: 1, healthcheck: undefined, stopFirst: true, stopGracePeriod: "5m" }, { order: "stop-first", monitor: "1m", converge: "19m" }],
    ["stop-first with Docker's stop timeout", { replicas: 1, healthcheck: { test: ["NONE"] }, stopFirst: true, stopGracePeriod: undefined }, { order: "stop-first", monitor: "1m", converge: "10m10s" }],
    ["two replicas update one after the other", { replicas: 2, healthcheck: { test: ["NONE"] }, stopFirst: false, stopGracePeriod: undefined }, { order: "start-first", monitor: "1m", converge: "20m" }],
    ["scaled to zero still converges", { replicas: 0, healthcheck: { test: ["NONE"] }, stopFirst: false, stopGracePeriod: undefined }, { order: "start-first", monitor: "1m", converge: "10m" }],
    ["global: the provider refuses converge_config", { replicas: "global", healthcheck: check, stopFirst: true, stopGracePeriod: undefined }, { order: "stop-first", monitor: "3m10s", converge: undefined }],
  ])("%s", (_, input, expected) => {
    const rollout = rolloutOf(input);
    expect({ order: rollout.update.order, monitor: rollout.update.monitor, converge: rollout.converge?.timeout }).toEqual(expected);
    expect(rollout.update).toMatchObject({ failureAction: "rollback", parallelism: 1, delay: "0s", maxFailureRatio: "0.0" });
    expect(rollout.rollback).toEqual({ ...rollout.update, failureAction: "pause" });
  });
});

describe("lab rule: file modes of secrets and configs", () => {
  const lab = (service: Partial<import("../lab/model").ServiceSpec>) => [
    { name: "app", tier: "application" as const, description: "", services: [{ name: "web", image: "busybox:1", networks: [], ...service }] },
  ];
  test.each<[string, Partial<import("../lab/model").ServiceSpec>, string[]]>([
    ["permission bits", { secretFiles: [{ target: "/run/secrets/a", value: { kind: "op", item: "a", field: "b" }, mode: 0o440 }] }, []],
    ["no mode: the default", { configs: [{ file: "x", target: "/etc/x" }] }, []],
    ["a secret with the sticky bit", { secretFiles: [{ target: "/run/secrets/a", value: { kind: "op", item: "a", field: "b" }, mode: 0o1440 }] }, ["app/web: secretFiles: /run/secrets/a: mode: expected permission bits between 0 and 0o777 (e.g. 0o440), got 800"]],
    ["a config with a decimal typo (644, not 0o644)", { configs: [{ file: "x", target: "/etc/x", mode: 644 }] }, ["app/web: configs: /etc/x: mode: expected permission bits between 0 and 0o777 (e.g. 0o440), got 644"]],
  ])("%s", (_, service, expected) => {
    const problems: string[] = [];
    checkQuantities(lab(service), problems);
    expect(problems).toEqual(expected);
  });
});
