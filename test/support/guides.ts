import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../lib/project-dir";

/** The hand-written documentation a user follows: README.md and the guides, docs/*.md (docs/lab/ is generated). */
export function documentationFiles(): string[] {
  const guides = readdirSync(path.join(PROJECT_DIR, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...guides];
}

/** README.md and every guide, each with its text, for tests that hold what the documentation tells a user to run. */
export function readDocumentation(): { file: string; text: string }[] {
  return documentationFiles().map((file) => ({ file, text: readFileSync(path.join(PROJECT_DIR, file), "utf8") }));
}
