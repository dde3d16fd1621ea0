import type { StackSpec } from "../../lab/model";
import { checkFileMode } from "../units";

/**
 * Lab rules for quantities the provider would otherwise accept and then read back differently or
 * the engine would ignore: the file modes of secrets and configs (evaluation/units.ts owns the forms).
 */
export function checkQuantities(stacks: readonly StackSpec[], problems: string[]): void {
  for (const stack of stacks) {
    for (const service of stack.services) {
      const where = `${stack.name}/${service.name}`;
      const files = [
        ...(service.secretFiles ?? []).map((file) => ({ field: "secretFiles", target: file.target, mode: file.mode })),
        ...(service.configs ?? []).map((file) => ({ field: "configs", target: file.target, mode: file.mode })),
      ];
      for (const file of files) {
        const problem = file.mode === undefined ? undefined : checkFileMode(file.mode);
        if (problem) problems.push(`${where}: ${file.field}: ${file.target}: mode: ${problem}`);
      }
    }
  }
}
