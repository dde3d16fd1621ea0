/** The middle value (the upper middle for an even count): every bench figure is a median. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
