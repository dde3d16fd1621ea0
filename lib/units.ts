/** Compose-style resource quantities, converted to what the Docker API takes. */

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

/** "512M" → bytes. Units are binary, as in compose files (`memory: 512M` is 512 MiB). */
export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]?B?)$/i.exec(value.trim());
  if (!match) throw new Error(`expected a size such as "512M" or "1G", got "${value}"`);
  const amount = Number(match[1]);
  const unit = MEMORY_UNITS[(match[2] ?? "").toUpperCase()];
  if (unit === undefined || amount <= 0) throw new Error(`expected a positive size such as "512M", got "${value}"`);
  return Math.round(amount * unit);
}

/** "0.5" → 500000000 nano-CPUs. */
export function parseCpus(value: string | number): number {
  const amount = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(amount) || amount <= 0) throw new Error(`expected a positive number of CPUs such as "0.5", got "${value}"`);
  return Math.round(amount * 1e9);
}

/** Docker duration strings as the API echoes them back ("5s", "1m30s", "300ms"). */
export function isDuration(value: string): boolean {
  return /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/.test(value);
}
