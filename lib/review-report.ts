import { EXPOSURE_KINDS, type ExposureItem, type ExposureKind } from "./exposure";
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
function fenced(language: string, lines: readonly string[]): string[] {
  const longest = Math.max(2, ...lines.map((line) => Math.max(0, ...[...line.matchAll(/`+/g)].map((match) => match[0].length))));
  const fence = "`".repeat(longest + 1);
  return [`${fence}${language}`, ...lines, fence];
}

export function reviewMarkdown(review: Review): string {
  const { diff } = review;
  const out = [REVIEW_MARKER, `### Review of stack \`${diff.stack}\`: ${escaped(heading(review))}`, ""];
  if (!diff.changed) return `${[...out, "No change to the desired state."].join("\n")}\n`;
  out.push("**Exposure summary**", "");
  if (diff.exposure.length === 0) out.push("Nothing in this change widens exposure, removes a service or changes an image.");
  for (const [kind, items] of byKind(diff.exposure)) {
    out.push(`- **${EXPOSURE_KINDS[kind][0]!.toUpperCase()}${EXPOSURE_KINDS[kind].slice(1)}**`);
    for (const item of items) out.push(`  - \`${item.subject.replace(/`/g, "'")}\`: ${escaped(item.detail)}`);
  }
  const stackCount = diff.stacks.length;
  out.push("", `<details><summary>Changes, by stack and service (${stackCount} stack${stackCount === 1 ? "" : "s"}${diff.lab.length > 0 ? " and lab-wide settings" : ""})</summary>`, "");
  out.push(...fenced("diff", changeLines(diff)), "", "</details>");
  return `${out.join("\n")}\n`;
}

export function reviewJson(review: Review): string {
  return `${JSON.stringify({ base: review.base, ...review.diff }, null, 2)}\n`;
}
