import { readFileSync } from "node:fs";
import { writeWholeFile } from "../lib/whole-files";

/**
 * Summarises `pulumi refresh --preview-only --json` for the nightly drift job: how many managed
 * resources the refresh would change in the state (they drifted from what the last `up` left), and
 * which. Used as
 *   ts-node --transpile-only ops/refresh-report.ts reports/refresh.json reports/refresh.md
 * It writes the Markdown file and prints `changes=<n>` (a line for $GITHUB_OUTPUT); exit 1 when the
 * JSON cannot be read, so a broken check is never mistaken for "no drift".
 */

export interface RefreshSummary {
  /** Resources the refresh would change: every operation in changeSummary except `same`. */
  readonly changes: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: readonly { readonly op: string; readonly urn: string }[];
  readonly markdown: string;
}

const QUIET_OPS = new Set(["same", "refresh", "read"]);

/**
 * The counts and changed resources of a `pulumi refresh` JSON report, for the drift run's
 * summary.
 */
export function summariseRefresh(json: unknown): RefreshSummary {
  const digest = json as { changeSummary?: unknown; steps?: unknown } | null;
  const counts = digest?.changeSummary;
  if (counts === null || typeof counts !== "object" || Object.values(counts).some((n) => typeof n !== "number")) {
    throw new Error("the refresh output has no changeSummary (is it the JSON of `pulumi refresh --preview-only --json`?)");
  }
  const changeSummary = counts as Record<string, number>;
  const changes = Object.entries(changeSummary).reduce((sum, [op, n]) => (op === "same" ? sum : sum + n), 0);
  const steps = Array.isArray(digest?.steps) ? (digest.steps as { op?: unknown; urn?: unknown }[]) : [];
  const resources = steps
    .filter((step) => typeof step.op === "string" && typeof step.urn === "string" && !QUIET_OPS.has(step.op))
    .map((step) => ({ op: String(step.op), urn: String(step.urn) }));

  const lines = ["### `pulumi refresh --preview-only`", ""];
  if (changes === 0) lines.push("The state matches every managed resource: no drift.");
  else {
    lines.push(`${changes} managed resource${changes === 1 ? "" : "s"} drifted from the state:`, "");
    for (const [op, n] of Object.entries(changeSummary)) if (op !== "same" && n > 0) lines.push(`- ${op}: ${n}`);
    if (resources.length > 0) lines.push("", ...resources.map((resource) => `- \`${resource.op}\` \`${resource.urn}\``));
    else lines.push("", "(per-resource details: reports/refresh.json in the run's artifact)");
  }
  return { changes, counts: changeSummary, resources, markdown: `${lines.join("\n")}\n` };
}

if (require.main === module) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write("usage: refresh-report <refresh.json> <refresh.md>\n");
    process.exit(1);
  }
  try {
    const summary = summariseRefresh(JSON.parse(readFileSync(input, "utf8")));
    writeWholeFile(output, summary.markdown);
    process.stdout.write(`changes=${summary.changes}\n`);
  } catch (error) {
    process.stderr.write(`refresh-report: ${input}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
