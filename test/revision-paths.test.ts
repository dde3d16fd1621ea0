import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../lib/project-dir";
import { readDocumentation } from "./support/guides";
import { withoutPath } from "../review/revision";

/** Small things a user met: no temporary worktree path in an error; `pulumi stack init` where a stack is new. */

describe("an error from a revision names files as the revision has them, never the temporary worktree", () => {
  const scratch = "/tmp/homelab-render-revision-Ab12Cd";
  const root = `${scratch}/tree`;
  test.each([
    [`cannot read ${root}/lab/stacks/x/index.ts`, "cannot read HEAD~1:lab/stacks/x/index.ts"],
    [`${root} has no offline/run.ts`, "HEAD~1:. has no offline/run.ts"],
    [`failed in ${scratch}`, "failed in (HEAD~1)"],
    ["application_media_core/sonarr: limits.memroy: unknown key", "application_media_core/sonarr: limits.memroy: unknown key"],
  ])("%s", (message, expected) => {
    expect(withoutPath(message, root, scratch, "HEAD~1")).toBe(expected);
    expect(withoutPath(message, root, scratch, "HEAD~1")).not.toContain(scratch);
  });
});

test("the guides and ops/ say `pulumi stack init` where a stack is new", () => {
  const readme = readDocumentation().map((doc) => doc.text).join("\n");
  const ops = readFileSync(path.join(PROJECT_DIR, "ops", "Pulumi.prod.yaml"), "utf8");
  expect(readme).toContain("cd ops && pulumi stack init prod");
  expect(readme).toContain("`pulumi stack init prod` (a new\n   stack");
  expect(ops).toContain("pulumi stack init prod");
  // Never `stack select` alone as the first step: it fails on a stack that does not exist yet.
  for (const text of [readme, ops]) for (const line of text.split("\n").filter((l) => l.includes("pulumi stack select"))) expect(line).toMatch(/stack init|once it exists|or `pulumi stack init/);
});
