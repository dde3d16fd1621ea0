import { ProblemList } from "../../lib/problems";

/** The lab declaration is refused: every problem found, each naming the stack, service and field. */
export class LabError extends ProblemList {
  constructor(problems: readonly string[]) {
    super("Invalid lab declaration", problems);
  }
}
