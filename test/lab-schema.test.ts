import type { z } from "zod";
import { describe as quote } from "../config/issues";
import { removalSchema, type StackDefinition, stackSpecSchema } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import { LabError, validateLab } from "../evaluation/validation";
import { checkDeclarations } from "../evaluation/validation/declaration";
import { OfflineRunError, runOffline } from "../offline/run";
import { FIXTURE_CONFIG } from "./fixtures/review-lab";
import { FULL_REMOVAL, FULL_STACK } from "./fixtures/full-stack";

/**
 * The lab file is checked as strictly as the config: every field of every type of the model, each
 * broken twice (a misspelt key beside it, a value of the wrong type), is refused naming the stack,
 * the service and the field, through the pure check and through the program under the mock
 * monitor (what the render, the review, adopt, drift and `pulumi up` run), nothing registered.
 */

type Path = readonly (string | number)[];
type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[] };
const def = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const unwrap = (schema: z.ZodType): z.ZodType => (def(schema).innerType ? unwrap(def(schema).innerType!) : schema);
/** The branch of a union the value is in. */
const resolve = (schema: z.ZodType, value: unknown): z.ZodType => {
  const inner = unwrap(schema);
  if (def(inner).type !== "union") return inner;
  const branch = def(inner).options!.find((option) => option.safeParse(value).success);
  if (!branch) throw new Error(`the fixture's ${JSON.stringify(value)} fits no branch`);
  return resolve(branch, value);
};

/** Every field of every object type reachable from a schema, as `<object type #>.<key>`. */
function schemaFields(root: z.ZodType, ids: Map<z.ZodType, number>): Set<string> {
  const fields = new Set<string>();
  const seen = new Set<z.ZodType>();
  const visit = (schema: z.ZodType) => {
    const inner = unwrap(schema);
    if (seen.has(inner)) return;
    seen.add(inner);
    const d = def(inner);
    if (d.type === "object") {
      if (!ids.has(inner)) ids.set(inner, ids.size);
      for (const [key, field] of Object.entries(d.shape!)) {
        fields.add(`${ids.get(inner)}.${key}`);
        visit(field);
      }
    }
    for (const child of [d.element, d.valueType, ...(d.options ?? [])]) if (child) visit(child);
  };
  visit(root);
  return fields;
}

interface Node {
  readonly path: Path;
  readonly value: unknown;
  /** The object type holding the node's keys, when the node is an object of the model. */
  readonly object?: z.ZodType;
}

/** Every value of a declaration with its path, walked along the schema. */
function nodes(schema: z.ZodType, value: unknown, path: Path = []): Node[] {
  const inner = resolve(schema, value);
  const d = def(inner);
  if (d.type === "object") {
    const entries = Object.entries(value as object);
    return [{ path, value, object: inner }, ...entries.flatMap(([key, field]) => nodes(d.shape![key]!, field, [...path, key]))];
  }
  if (d.type === "array") return [{ path, value }, ...(value as unknown[]).flatMap((item, index) => nodes(d.element!, item, [...path, index]))];
  if (d.type === "record") return [{ path, value }, ...Object.entries(value as object).flatMap(([key, field]) => nodes(d.valueType!, field, [...path, key]))];
  return [{ path, value }];
}

const clone = <T>(value: T): T => structuredClone(value);
function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], root);
  parent[path.at(-1)!] = value;
}
/** A typo one swap away from the key: `memory` → `memoyr`. */
const typo = (key: string) => (key.length < 2 ? `${key}${key}` : `${key.slice(0, -2)}${key.at(-1)}${key.at(-2)}`);
/** A value no field of the original's type accepts. */
const wrongFor = (value: unknown): unknown => (typeof value === "string" ? true : typeof value === "number" ? true : typeof value === "boolean" ? "yes" : "x");
const kindOf = (value: unknown) => (Array.isArray(value) ? "array" : typeof value === "object" ? "object|record" : typeof value);

/** `limits.memory`, `mounts[0].source`, as the problem names it. */
const fieldName = (path: Path) => path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("");
/** The owner the problem names (the stack, or `<stack>/<service>`) and the field below it. */
function where(path: Path): { owner: string; field: string } {
  const stack = path.length === 1 && path[0] === "name" ? "lab/index.ts STACKS[0]" : FULL_STACK.name;
  if (path[0] === "services" && typeof path[1] === "number" && path.length > 2) {
    const service = path.length === 3 && path[2] === "name" ? `services[${path[1]}]` : FULL_STACK.services[path[1]]!.name;
    return { owner: `${stack}/${service}`, field: fieldName(path.slice(2)) };
  }
  return { owner: stack, field: fieldName(path) };
}

interface Case {
  readonly title: string;
  readonly stack: unknown;
  /** The one problem, exactly, or a pattern for it. */
  readonly problem: string | RegExp;
}
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const CASES: Case[] = nodes(stackSpecSchema, FULL_STACK).flatMap((node): Case[] => {
  const cases: Case[] = [];
  if (node.object) {
    for (const key of Object.keys(node.value as object)) {
      const stack = clone(FULL_STACK);
      setAt(stack, [...node.path, typo(key)], (node.value as Record<string, unknown>)[key]);
      const { owner, field } = where([...node.path, typo(key)]);
      cases.push({ title: `${owner}: ${field} (unknown key)`, stack, problem: `${owner}: ${field}: unknown key; the nearest valid key is ${where([...node.path, key]).field}` });
    }
  }
  if (node.path.length > 0) {
    const stack = clone(FULL_STACK);
    const bad = wrongFor(node.value);
    setAt(stack, node.path, bad);
    const { owner, field } = where(node.path);
    const expected = `(${kindOf(node.value)}${typeof node.value === "string" ? `|'${escape(node.value)}'|"${escape(node.value)}"` : ""})`;
    cases.push({
      title: `${owner}: ${field} (wrong type)`,
      stack,
      problem: new RegExp(`^${escape(`${owner}: ${field}: `)}(Invalid option: )?(expected|Invalid discriminator value\\. Expected) .*${expected}.*, got ${escape(quote(bad))}$`),
    });
  }
  return cases;
});

test("the fixture sets every field of every type of the model, and the schema accepts it", () => {
  const ids = new Map<z.ZodType, number>();
  const all = schemaFields(stackSpecSchema, ids);
  const set = new Set(nodes(stackSpecSchema, FULL_STACK).flatMap((node) => (node.object ? Object.keys(node.value as object).map((key) => `${ids.get(node.object!)}.${key}`) : [])));
  expect([...all].filter((field) => !set.has(field))).toEqual([]);
  expect(checkDeclarations([FULL_STACK])).toEqual([FULL_STACK]);
  expect(CASES.length).toBeGreaterThan(200);
});

const matches = (problems: readonly string[], expected: string | RegExp) =>
  typeof expected === "string" ? expect(problems).toEqual([expected]) : (expect(problems).toHaveLength(1), expect(problems[0]).toMatch(expected));

describe("each broken field is refused by the lab check", () => {
  test.each(CASES.map((c) => [c.title, c] as const))("%s", (_title, c) => {
    let error: unknown;
    try {
      checkDeclarations([c.stack]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LabError);
    matches((error as LabError).problems, c.problem);
  });
});

describe("and by the program under the mock monitor, before anything is registered", () => {
  test.each(CASES.map((c) => [c.title, c] as const))("%s", async (_title, c) => {
    const definitions: StackDefinition[] = [() => c.stack as never];
    const error = await runOffline({ stack: "fixture", rawConfig: FIXTURE_CONFIG, deploy: { definitions } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OfflineRunError);
    expect((error as OfflineRunError).cause).toBeInstanceOf(LabError);
    matches(((error as OfflineRunError).cause as LabError).problems, c.problem);
    expect((error as OfflineRunError).resources).toEqual([]);
  });
});

describe("lab/removed.ts is held to its schema too", () => {
  const removalCases: [string, unknown, string][] = [
    ["a misspelt key", { ...FULL_REMOVAL, reson: "x" }, "lab/removed.ts [0]: reson: unknown key; the nearest valid key is reason"],
    ["a reason of the wrong type", { ...FULL_REMOVAL, reason: 1 }, "lab/removed.ts [0]: reason: expected string, received number, got 1"],
    ["no stack", { reason: "x" }, "lab/removed.ts [0]: stack: required, expected string, received undefined"],
  ];
  test.each(removalCases)("%s", (_title, removal, problem) => {
    expect(() => validateLab([], { sharedNetworks: SHARED_NETWORKS, removed: [removal as never] })).toThrow(LabError);
    try {
      validateLab([], { sharedNetworks: SHARED_NETWORKS, removed: [removal as never] });
    } catch (error) {
      expect((error as LabError).problems).toEqual([problem]);
    }
  });
  test("a well-formed removal passes the shape check", () => {
    expect(removalSchema.safeParse(FULL_REMOVAL).success).toBe(true);
  });
});
