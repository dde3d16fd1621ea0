import { EXPOSURE_KINDS, type ExposureItem, type ExposureKind } from "./exposure-summary";
import { wrap } from "./text-layout";
import type { FieldChange, LabDiff, ServiceChange, StackChange } from "./view-diff";

/**
 * A review as people and machines read it: text for a terminal (100 columns), Markdown for a
 * pull-request comment, JSON with everything. Each leads with the exposure summary, then the
 * changes by stack and service, field by field.
 */

export interface Review {
  /** The revision compared against, as given and as resolved. */
  readonly base: { readonly ref: string; readonly commit: string };
  readonly diff: LabDiff;
}

/** The first line of the pull-request comment, so a workflow finds and updates its own comment. */
export const REVIEW_MARKER = "<!-- homelab-review -->";

function byKind(items: readonly ExposureItem[]): [ExposureKind, ExposureItem[]][] {
  const kinds = Object.keys(EXPOSURE_KINDS) as ExposureKind[];
  return kinds.map((kind) => [kind, items.filter((item) => item.kind === kind)] as [ExposureKind, ExposureItem[]]).filter(([, found]) => found.length > 0);
}

/** The diff lines of one field, as `-`/`+` lines under an indented field name. */
function fieldLines(change: FieldChange, indent: string): string[] {
  return [`${indent}${change.field}`, ...change.removed.map((line) => `-${indent.slice(1)}  ${line}`), ...change.added.map((line) => `+${indent.slice(1)}  ${line}`)];
}

/** A removed or added stack or service is marked as a whole, as a unified diff would. */
const mark = (status: ServiceChange["status"]) => (status === "removed" ? "-" : status === "added" ? "+" : " ");

function serviceLines(service: ServiceChange): string[] {
  return [`${mark(service.status)}   ${service.name} (${service.status})`, ...service.changes.flatMap((change) => fieldLines(change, "      "))];
}

function stackLines(stack: StackChange): string[] {
  return [`${mark(stack.status)} ${stack.name} (${stack.status})`, ...stack.changes.flatMap((change) => fieldLines(change, "    ")), ...stack.services.flatMap(serviceLines)];
}

/** All change lines, unwrapped: `-`/`+` in the first column, as a unified diff shows them. */
function changeLines(diff: LabDiff): string[] {
  const lab = diff.lab.length > 0 ? ["  lab-wide", ...diff.lab.flatMap((change) => fieldLines(change, "    "))] : [];
  return [...lab, ...diff.stacks.flatMap(stackLines)];
}

function heading(review: Review): string {
  return `the working tree against ${review.base.ref} (${review.base.commit.slice(0, 12)})`;
}

/** The review of a diff as text: what it exposes first, then each change. */
export function reviewText(review: Review): string {
  const { diff } = review;
  const out = wrap(`homelab review of stack "${diff.stack}": ${heading(review)}`, "", "  ");
  if (!diff.changed) return `${[...out, "no change to the desired state"].join("\n")}\n`;
  out.push("", "exposure summary:");
  if (diff.exposure.length === 0) out.push("  nothing in this change widens exposure, removes a service or changes an image");
  for (const [kind, items] of byKind(diff.exposure)) {
    out.push(`  ${EXPOSURE_KINDS[kind]}:`);
    for (const item of items) out.push(...wrap(`! ${item.subject}: ${item.detail}`, "    ", "      "));
  }
  out.push("", "changes, by stack and service:");
  for (const line of changeLines(diff)) {
    const [mark, rest] = /^[-+]/.test(line) ? [line[0]!, line.slice(1)] : [" ", line.slice(1)];
    const indent = /^ */.exec(rest)![0];
    out.push(...wrap(rest.trim(), `${mark}${indent}`, `${mark}${indent}    `));
  }
  return `${out.join("\n")}\n`;
}

/** Markdown text outside code: characters that would format instead of show are escaped. */
function escaped(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (char) => `\\${char}`);
}

/** A fence longer than any run of backticks inside, so no content can close it. */
function fenceFor(lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.map((line) => Math.max(0, ...[...line.matchAll(/`+/g)].map((match) => match[0].length))));
  return "`".repeat(longest + 1);
}

/** GitHub refuses a comment whose body is longer than this many characters. */
export const COMMENT_LIMIT = 65536;

export interface MarkdownCut {
  /** The most characters the Markdown may have; a longer review is cut at a line to fit. */
  readonly limit: number;
  /** The file the whole review is written to, and the CI artifact it is uploaded in, for the note a cut review ends with. */
  readonly file: string;
  readonly artifact?: string;
}

/** A line of the Markdown with the lines that close what is open after it, so a cut there still renders. */
interface Line {
  readonly text: string;
  readonly close: readonly string[];
}

/** The comment's layout: the marker first, the exposure summary, then the changes folded in one fenced diff. */
function markdownLines(review: Review): Line[] {
  const { diff } = review;
  const plain = (text: string): Line => ({ text, close: [] });
  const out = [REVIEW_MARKER, `### Review of stack \`${diff.stack}\`: ${escaped(heading(review))}`, ""];
  if (!diff.changed) return [...out, "No change to the desired state."].map(plain);
  out.push("**Exposure summary**", "");
  if (diff.exposure.length === 0) out.push("Nothing in this change widens exposure, removes a service or changes an image.");
  for (const [kind, items] of byKind(diff.exposure)) {
    out.push(`- **${EXPOSURE_KINDS[kind][0]!.toUpperCase()}${EXPOSURE_KINDS[kind].slice(1)}**`);
    for (const item of items) out.push(`  - \`${item.subject.replace(/`/g, "'")}\`: ${escaped(item.detail)}`);
  }
  out.push("");
  const stackCount = diff.stacks.length;
  const summary = `<details><summary>Changes, by stack and service (${stackCount} stack${stackCount === 1 ? "" : "s"}${diff.lab.length > 0 ? " and lab-wide settings" : ""})</summary>`;
  const changes = changeLines(diff);
  const fence = fenceFor(changes);
  const details = ["", "</details>"];
  return [
    ...out.map(plain),
    { text: summary, close: details },
    { text: "", close: ["</details>"] },
    { text: `${fence}diff`, close: [fence, ...details] },
    ...changes.map((text) => ({ text, close: [fence, ...details] })),
    { text: fence, close: details },
    { text: "", close: ["</details>"] },
    plain("</details>"),
  ];
}

const joined = (lines: readonly string[]) => `${lines.join("\n")}\n`;

/**
 * The longest run of whole lines from the top (the marker always among them) that fits the limit
 * with what closes the blocks still open there and the note, so nothing after the cut is read as
 * part of the diff.
 */
function cut(lines: readonly Line[], { limit, file, artifact }: MarkdownCut): string {
  const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
  const whole = `${code(file)}${artifact === undefined ? "" : ` in this run's artifact ${code(artifact)}`}`;
  const note = (left: number) => `_Cut here to fit ${limit} characters, ${left} of the review's ${lines.length} lines left out: the whole review is ${whole}._`;
  const size = (texts: readonly string[]) => texts.reduce((sum, text) => sum + text.length + 1, 0);
  let kept = 0;
  let best: { count: number; tail: string[] } | undefined;
  // Not a search that stops at the first misfit: the closing lines and the note shrink further on.
  for (let count = 1; count < lines.length; count++) {
    kept += lines[count - 1]!.text.length + 1;
    const tail = [...lines[count - 1]!.close, "", note(lines.length - count)];
    if (kept + size(tail) <= limit) best = { count, tail };
  }
  if (best === undefined) throw new Error(`the review cannot be cut to fit ${limit} characters: its first line and the note alone are longer`);
  return joined([...lines.slice(0, best.count).map((line) => line.text), ...best.tail]);
}

/** The review as Markdown; `within` a limit, a longer one is cut at a line and ends with a note saying where the whole is. */
export function reviewMarkdown(review: Review, within?: MarkdownCut): string {
  const lines = markdownLines(review);
  const whole = joined(lines.map((line) => line.text));
  return within === undefined || whole.length <= within.limit ? whole : cut(lines, within);
}

/** The review of a diff as JSON, every field, with its base. */
export function reviewJson(review: Review): string {
  return `${JSON.stringify({ base: review.base, ...review.diff }, null, 2)}\n`;
}
