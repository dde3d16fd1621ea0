import { spawnSync } from "node:child_process";

/**
 * The real programs a suite runs (Caddy, promtool, ShellCheck, PostgreSQL, dockerd, sshd...),
 * installed from Debian by scripts/install-test-tools.sh. Without one (or without root, where a
 * suite needs it), the suite is skipped with a warning on a developer's machine, and fails under
 * CI=true, where nothing may be skipped. Every suite that needs a program says so through here.
 */

/** What a suite needs of the machine: programs (on the PATH or in /usr/sbin), and root for some. */
export interface Needs {
  readonly programs?: readonly string[];
  readonly root?: boolean;
}

/** A list of programs is short for the needs of just those programs. */
type Need = Needs | readonly string[];

const INSTALL_HINT = "bash scripts/install-test-tools.sh, as root";

/** Whether a program is on the PATH (or in /usr/sbin). */
export function hasProgram(program: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]', "sh", program]).status === 0;
}

const programsOf = (needs: readonly Need[]) => [...new Set(needs.flatMap((need) => (Array.isArray(need) ? need : ((need as Needs).programs ?? []))))];

/** Why a suite with these needs cannot run here (naming the programs and how to install them), or undefined when it can. */
export function unmet(...needs: Need[]): string | undefined {
  const programs = programsOf(needs);
  const missing = programs.filter((program) => !hasProgram(program));
  const reasons = [
    ...(missing.length > 0 ? [`missing ${missing.join(", ")} (${INSTALL_HINT})`] : []),
    ...(needs.some((need) => !Array.isArray(need) && (need as Needs).root) && process.getuid?.() !== 0 ? ["needs root"] : []),
  ];
  return reasons.length === 0 ? undefined : `${programs.join(", ")}: ${reasons.join("; ")}`;
}

/** True when the needs are met; false, with a warning, when not; throws under CI=true. */
function runnable(needs: readonly Need[]): boolean {
  const why = unmet(...needs);
  if (why === undefined) return true;
  if (process.env.CI === "true") throw new Error(`cannot run under CI=true: ${why}`);
  console.warn(`skipped: ${why}`);
  return false;
}

/** `describe` when every need is met, else `describe.skip` (under CI=true: throws). */
export function describeWith(...needs: Need[]): jest.Describe {
  return runnable(needs) ? describe : describe.skip;
}

/** `test` when every need is met, else `test.skip` (under CI=true: throws). */
export function testWith(...needs: Need[]): jest.It {
  return runnable(needs) ? test : test.skip;
}
