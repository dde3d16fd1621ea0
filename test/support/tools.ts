import { spawnSync } from "node:child_process";

/**
 * The real programs a suite runs (Caddy, promtool, ShellCheck, PostgreSQL...), installed from
 * Debian by scripts/install-test-tools.sh. Without one, the suite is skipped with a warning on a
 * developer's machine, and fails under CI=true, where nothing may be skipped.
 */

export function hasProgram(program: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]', "sh", program]).status === 0;
}

/** `describe` when every program is present (and root is, if asked), else `describe.skip`; throws under CI. */
export function describeWith(programs: readonly string[], options: { root?: boolean } = {}): jest.Describe {
  const missing = programs.filter((program) => !hasProgram(program));
  const reasons = [
    ...(missing.length > 0 ? [`missing ${missing.join(", ")} (bash scripts/install-test-tools.sh, as root)`] : []),
    ...(options.root && process.getuid?.() !== 0 ? ["needs root"] : []),
  ];
  if (reasons.length === 0) return describe;
  const why = `${programs.join(", ")}: ${reasons.join("; ")}`;
  if (process.env.CI === "true") throw new Error(`cannot run under CI=true: ${why}`);
  console.warn(`skipped: ${why}`);
  return describe.skip;
}
