/**
 * The part of Go's text/template that Caddy labels use, evaluated as caddy-docker-proxy evaluates
 * a label value before splitting it into arguments (generator/labels.go): `{{upstreams}}`,
 * `{{upstreams 8080}}`, `{{upstreams https 8443}}` (also `http`, `h2c`, or a quoted protocol),
 * string and number literals, and `.Field.Path` lookups on the service. caddy-docker-proxy also
 * offers sprig's functions, pipelines and control structures; a label using those is refused
 * here by name rather than guessed at, so a template this program cannot judge never passes as
 * judged.
 */

export class TemplateError extends Error {}

/** Where `{{upstreams}}` points: the addresses of the service's tasks on the ingress network. */
export interface TemplateContext {
  readonly upstreams: readonly string[];
  /** What `.Field.Path` reads (caddy-docker-proxy passes the swarm service). */
  readonly data?: unknown;
}

type Value = { kind: "string"; value: string } | { kind: "int"; value: number };

const PROTOCOLS = ["http", "https", "h2c"] as const;
const ARGUMENT = /\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|(-?\d+)(?![\w.])|(\.[A-Za-z_][\w.]*)|([A-Za-z_]\w*))/y;

function lookup(data: unknown, path: string): string {
  let value: unknown = data;
  for (const field of path.split(".").filter((part) => part.length > 0)) {
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[field] : undefined;
  }
  return value === undefined || value === null ? "<no value>" : String(value);
}

/** `upstreams`: each target, sorted, with a protocol prefix per string and a port per number. */
function upstreams(args: readonly Value[], ctx: TemplateContext): string {
  const targets = [...ctx.upstreams].sort().map((target) => {
    let result = target;
    for (const arg of args) result = arg.kind === "string" ? `${arg.value}://${result}` : `${result}:${arg.value}`;
    return result;
  });
  return targets.sort().join(" ");
}

function evaluateAction(action: string, line: number, ctx: TemplateContext): string {
  if (/[|()$]/.test(action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, ""))) {
    throw new TemplateError(`template: :${line}: pipelines, variables and parentheses are not modelled by this program: {{${action}}}`);
  }
  const args: { value: Value; name?: string }[] = [];
  ARGUMENT.lastIndex = 0;
  let rest = action;
  while (rest.trim().length > 0) {
    ARGUMENT.lastIndex = 0;
    const match = ARGUMENT.exec(rest);
    if (!match) throw new TemplateError(`template: :${line}: cannot read {{${action}}}`);
    rest = rest.slice(ARGUMENT.lastIndex);
    if (match[1] !== undefined) args.push({ value: { kind: "string", value: JSON.parse(`"${match[1]}"`) as string } });
    else if (match[2] !== undefined) args.push({ value: { kind: "string", value: match[2] } });
    else if (match[3] !== undefined) args.push({ value: { kind: "int", value: Number(match[3]) } });
    else if (match[4] !== undefined) args.push({ value: { kind: "string", value: lookup(ctx.data, match[4]) } });
    else args.push({ value: { kind: "string", value: match[5]! }, name: match[5]! });
  }
  const [head, ...tail] = args;
  if (head === undefined) throw new TemplateError(`template: :${line}: missing value for command`);
  if (head.name === undefined) {
    if (tail.length > 0) throw new TemplateError(`template: :${line}: can't give argument to non-function ${action.trim().split(/\s+/)[0]}`);
    return head.value.kind === "int" ? String(head.value.value) : head.value.value;
  }
  const callArgs = tail.map((arg) => {
    if (arg.name === undefined) return arg.value;
    if ((PROTOCOLS as readonly string[]).includes(arg.name)) return { kind: "string", value: arg.name } as Value;
    throw new TemplateError(`template: :${line}: function "${arg.name}" is not modelled by this program (it knows upstreams, http, https and h2c)`);
  });
  if (head.name === "upstreams") return upstreams(callArgs, ctx);
  if ((PROTOCOLS as readonly string[]).includes(head.name) && callArgs.length === 0) return head.name;
  throw new TemplateError(`template: :${line}: function "${head.name}" is not modelled by this program (it knows upstreams, http, https and h2c)`);
}

/** Expands every `{{...}}` action of a label value; text outside actions is kept as written. */
export function expandTemplate(value: string, ctx: TemplateContext): string {
  let out = "";
  let position = 0;
  for (;;) {
    const open = value.indexOf("{{", position);
    if (open === -1) return out + value.slice(position);
    const close = value.indexOf("}}", open + 2);
    const line = value.slice(0, open).split("\n").length;
    if (close === -1) throw new TemplateError(`template: :${line}: unclosed action`);
    let action = value.slice(open + 2, close);
    let text = value.slice(position, open);
    // `{{- ` and ` -}}` trim the whitespace beside the action, as in Go.
    if (/^-\s/.test(action)) {
      text = text.replace(/\s+$/, "");
      action = action.slice(1);
    }
    let trimAfter = false;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      trimAfter = true;
    }
    out += text + evaluateAction(action, line, ctx);
    position = close + 2;
    if (trimAfter) while (position < value.length && /\s/.test(value[position]!)) position++;
  }
}
