/**
 * Every quantity the lab declares, in the one form the Docker provider reads back.
 *
 * @pulumi/docker 5.2.0 wraps kreuzwerker/terraform-provider-docker v4.5.0. After a create, every
 * preview compares the declaration with what the provider's read ("flatten") functions make of
 * the live service, with no diff suppression on these fields. So a declared value must already be
 * in the read-back form, or it is a perpetual diff: "60s" is stored as 60e9 ns and read back as
 * "1m". This module converts what the lab writes (compose-style sizes, any Go duration spelling)
 * into exactly that form; nothing else in the program formats these values.
 */

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
};

/**
 * "512M" → bytes. Units are binary, as in compose files (`memory: 512M` is 512 MiB). Bytes are
 * read back as the integer sent (`flattenResourceLimits`: `memory_bytes = MemoryBytes`).
 */
export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]?B?)$/i.exec(value.trim());
  if (!match) throw new Error(`expected a size such as "512M" or "1G", got "${value}"`);
  const amount = Number(match[1]);
  const unit = MEMORY_UNITS[(match[2] ?? "").toUpperCase()];
  if (unit === undefined || amount <= 0) throw new Error(`expected a positive size such as "512M", got "${value}"`);
  return Math.round(amount * unit);
}

/** "0.5" → 500000000 nano-CPUs, an integer, read back as sent (`nano_cpus = NanoCPUs`). */
export function parseCpus(value: string | number): number {
  const amount = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(amount) || amount <= 0) throw new Error(`expected a positive number of CPUs such as "0.5", got "${value}"`);
  return Math.round(amount * 1e9);
}

// ─── Durations ───────────────────────────────────────────────────────────────────────────────────

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // µ (micro sign), as Go prints it
  "\u03bcs": 1_000n, // μ (Greek mu), which Go also accepts
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const SECOND = NS_PER.s!;
const DURATION_PART = /(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Nanoseconds of a Go duration string, parsed as Go's `time.ParseDuration` does (the provider's
 * expanders, e.g. `createRestartPolicy`, call it): one or more `<decimal><unit>` parts, units
 * ns, us/µs, ms, s, m, h; "0" alone is zero. Fractions are truncated to whole nanoseconds as Go
 * does. Negative durations are refused (the schema's `validateDurationGeq0`).
 */
export function parseDuration(value: string): bigint {
  const problem = () => new Error(`expected a duration such as "30s", "1m30s" or "500ms", got "${value}"`);
  if (value === "0") return 0n;
  if (value.length === 0 || value.startsWith("-")) throw problem();
  const text = value.startsWith("+") ? value.slice(1) : value;
  let total = 0n;
  let at = 0;
  while (at < text.length) {
    DURATION_PART.lastIndex = at;
    const part = DURATION_PART.exec(text);
    const [whole = "", fraction = ""] = [part?.[1], part?.[2]];
    if (!part || (whole === "" && fraction === "")) throw problem();
    const unit = NS_PER[part[3]!]!;
    total += BigInt(whole || "0") * unit;
    if (fraction !== "") total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    at = DURATION_PART.lastIndex;
  }
  return total;
}

/** `<whole>[.<fraction>]` of `value / unit`, trailing zeros trimmed, as Go's `fmtFrac`. */
function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

/** Go's `time.Duration.String()` for a non-negative duration: "1h0m5s", "1m30s", "1.5s", "300ms", "0s". */
export function goDurationString(nanos: bigint): string {
  if (nanos === 0n) return "0s";
  if (nanos < NS_PER.us!) return `${nanos}ns`;
  if (nanos < NS_PER.ms!) return `${decimal(nanos, NS_PER.us!)}\u00b5s`;
  if (nanos < SECOND) return `${decimal(nanos, NS_PER.ms!)}ms`;
  const hours = nanos / NS_PER.h!;
  const minutes = (nanos % NS_PER.h!) / NS_PER.m!;
  const seconds = decimal(nanos % NS_PER.m!, SECOND);
  return `${hours > 0n ? `${hours}h` : ""}${hours > 0n || minutes > 0n ? `${minutes}m` : ""}${seconds}s`;
}

/**
 * The provider's read-back form of a duration: `shortDur` in resource_docker_service_structures.go
 * takes Go's `String()` and drops a trailing "m0s", then a trailing "h0m" ("1m0s" → "1m",
 * "1h0m0s" → "1h"); every flatten function that returns a duration uses it.
 */
export function shortDuration(nanos: bigint): string {
  let text = goDurationString(nanos);
  if (text.endsWith("m0s")) text = text.slice(0, -2);
  if (text.endsWith("h0m")) text = text.slice(0, -2);
  return text;
}

/** Any duration the lab writes ("60s", "90s", "1.5m"), as the provider reads it back ("1m", "1m30s"). */
export function canonicalDuration(value: string): string {
  return shortDuration(parseDuration(value));
}

/** Whether `value` is a duration the lab may write (see `parseDuration`). */
export function isDuration(value: string): boolean {
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

/** Sum of durations in read-back form (for budgets such as a health check's worst case). */
export function addDurations(...values: readonly (string | bigint)[]): string {
  return shortDuration(values.reduce<bigint>((sum, value) => sum + (typeof value === "bigint" ? value : parseDuration(value)), 0n));
}

// ─── File modes ──────────────────────────────────────────────────────────────────────────────────

/**
 * A secret's or config's file mode: permission bits only (0 to 0o777). The provider sends
 * `os.FileMode(mode)` and reads back `int(File.Mode)`, so any integer would round-trip, but the
 * engine ignores bits above the permissions: refuse them rather than declare what never applies.
 */
export function checkFileMode(mode: number): string | undefined {
  return Number.isInteger(mode) && mode >= 0 && mode <= 0o777 ? undefined : `expected permission bits between 0 and 0o777 (e.g. 0o440), got ${mode}`;
}
