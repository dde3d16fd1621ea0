import { InvalidArgumentError, Option } from "commander";

/** `--timeout`, as every command that waits on a remote (an engine, a registry) takes it. */

/** The longest deadline Node's timers keep (about 24.8 days); longer ones would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A positive number with its unit, seconds (`30s`, `2.5s`) or milliseconds (`1500ms`); a bare number is refused. */
export function parseTimeout(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/.exec(value);
  const ms = match ? Math.round(Number(match[1]) * (match[2] === "s" ? 1000 : 1)) : Number.NaN;
  if (!match || ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new InvalidArgumentError(`expected a positive duration with its unit, seconds or milliseconds (e.g. 30s or 1500ms), got "${value}"`);
  }
  return ms;
}

/** The option, parsed to milliseconds; `what` says what the deadline bounds. */
export function timeoutOption(what: string, defaultSeconds: number): Option {
  return new Option("--timeout <duration>", `${what}, in seconds or milliseconds: 30s, 1500ms`).argParser(parseTimeout).default(defaultSeconds * 1000, `${defaultSeconds}s`);
}
