import type { z } from "zod";
import { issueProblems } from "../../config/issues";
import { removalSchema, type StackSpec, stackSpecSchema } from "../../lab/model";
import { LabError } from "./lab-error";

/**
 * The first check of the lab, before any rule reads it: every object a stack file returns, and
 * every entry of `lab/removed.ts`, against the model's schema (lab/model/). A key the model does
 * not know is refused with the nearest valid key (`limits.memroy` → `limits.memory`), a value of
 * the wrong type with what was expected, each naming the stack, the service and the field: stack
 * files are TypeScript, but the render, the review and an unbuilt `pulumi up` never type-check
 * them, and a typo dropped in silence would deploy a service without the setting it meant.
 */

/** `limits.memory`, `mounts[0].source`: a field as a stack file spells it, from where its owner starts. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join("");
}

const named = (value: unknown, fallback: string): string => {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : fallback;
};

/** A path's owner and the rest: a service's fields belong to `<stack>/<service>`, the others to the stack. */
function split(stack: unknown, label: string, path: readonly PropertyKey[]): { owner: string; rest: readonly PropertyKey[] } {
  if (path[0] === "services" && typeof path[1] === "number" && path.length > 2) {
    const service = (stack as { services?: unknown[] }).services?.[path[1]];
    return { owner: `${label}/${named(service, `services[${path[1]}]`)}`, rest: path.slice(2) };
  }
  return { owner: label, rest: path };
}

function problemsOf(schema: z.ZodType, value: unknown, label: string, stack: boolean): string[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) =>
    issueProblems(issue, value, {
      project: "lab",
      schema,
      secret: () => false,
      keyName: (path) => fieldName(stack ? split(value, label, path).rest : path),
      owner: (path) => (stack ? split(value, label, path).owner : label),
    }).map((problem) => problem.replace(/^([^:]+): : /, "$1: ")),
  );
}

/** The stack files' results, checked against `stackSpecSchema`; throws a LabError naming every problem. */
export function checkDeclarations(values: readonly unknown[]): StackSpec[] {
  const problems = values.flatMap((value, index) => problemsOf(stackSpecSchema, value, named(value, `lab/index.ts STACKS[${index}]`), true));
  if (problems.length > 0) throw new LabError(problems);
  return values as StackSpec[];
}

/** `lab/removed.ts`'s entries, checked against `removalSchema`: one problem per bad field. */
export function removalShapeProblems(removals: readonly unknown[]): string[] {
  return removals.flatMap((removal, index) => problemsOf(removalSchema, removal, `lab/removed.ts [${index}]`, false));
}
