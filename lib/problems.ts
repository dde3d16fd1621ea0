/**
 * An error that carries every problem found, not just the first: configuration, lab declaration,
 * secret reads. Each problem is one line naming the key or field and what was expected; the
 * message lists them all under a heading that says what was being checked.
 */
export class ProblemList extends Error {
  constructor(
    heading: string,
    readonly problems: readonly string[],
  ) {
    super(`${heading} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = new.target.name;
  }
}
