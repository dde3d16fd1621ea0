/**
 * The order stacks are created in: each after the stacks it needs at runtime (`dependsOn`),
 * declaration order otherwise. The one walk of the dependency graph: lab validation reports the
 * cycle it finds, the evaluation orders the stacks by it.
 */

export interface Dependent {
  readonly name: string;
  readonly dependsOn?: readonly string[];
}

export type StackOrder<T> = { readonly order: readonly T[]; readonly cycle?: undefined } | { readonly order?: undefined; readonly cycle: readonly string[] };

/** The stacks in dependency order, or the first cycle met (`a -> b -> a`). Unknown names are skipped. */
export function stackOrder<T extends Dependent>(stacks: readonly T[]): StackOrder<T> {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const order: T[] = [];
  const placed = new Set<string>();
  let cycle: string[] | undefined;
  const visit = (stack: T, path: readonly string[]): void => {
    if (cycle || placed.has(stack.name)) return;
    if (path.includes(stack.name)) {
      cycle = [...path.slice(path.indexOf(stack.name)), stack.name];
      return;
    }
    for (const dependency of stack.dependsOn ?? []) {
      const needed = byName.get(dependency);
      if (needed) visit(needed, [...path, stack.name]);
    }
    if (cycle) return;
    placed.add(stack.name);
    order.push(stack);
  };
  for (const stack of stacks) visit(stack, []);
  return cycle ? { cycle } : { order };
}
