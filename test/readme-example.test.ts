import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../lib/project-dir";
import { readStackConfig } from "../config/stack-file";
import { makeReviewRepo, type ReviewRepo } from "./support/review-repo";

/**
 * The guide's "Adding a service" (docs/changing-the-lab.md), followed literally on a copy of this
 * repository (what a fresh clone of the working tree has, committed, node_modules linked): its lidarr entry into the
 * `services` list of lab/stacks/application/media-core/index.ts, its database entry into the `apps` list
 * of lab/stacks/platform/postgres/index.ts, and "a new stack is one new folder plus one line in
 * lab/index.ts"; then its commands: `npm run docs`, and the tests of the lab (`npm run test:lab`,
 * the type check and every suite that evaluates lab/ with Pulumi.<stack>.yaml; the engine, SSH and
 * registry suites use a slice or a fixture of their own). Not done here: 1Password and the
 * registry (`npm run images -- --update`); what they answer is shown instead: the dev stack asks
 * for the new fields, the render lists the new image as not yet locked.
 */

const domain = readStackConfig("prod")["homelab:domain"]!;
const GUIDE = "docs/changing-the-lab.md";
const TEXT = readFileSync(path.join(PROJECT_DIR, GUIDE), "utf8");

/** The text of the guide's section, from its heading to the next heading of its level or above. */
function section(heading: string): string {
  const start = TEXT.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`${GUIDE} has no "${heading}"`);
  const level = heading.split(" ")[0]!;
  const next = TEXT.slice(start + heading.length).search(new RegExp(`\\n#{1,${level.length}} `));
  return TEXT.slice(start, next < 0 ? undefined : start + heading.length + next);
}

function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}

/** The stack files a text names, in order (`lab/stacks/.../x.ts`). */
const stackFiles = (text: string) => [...text.matchAll(/`(lab\/stacks\/[\w/.-]+\.ts)`/g)].map((match) => match[1]!);

/** Inserts `text` on a line of its own where the first match of `at` in `file` of the copy ends (or begins). */
function insert(dir: string, file: string, at: RegExp, text: string, where: "after" | "before" = "after"): void {
  const source = readFileSync(path.join(dir, file), "utf8");
  const found = at.exec(source);
  if (!found) throw new Error(`${file}: nothing matches ${at}`);
  const cut = where === "after" ? found.index + found[0].length : found.index;
  writeFileSync(path.join(dir, file), `${source.slice(0, cut)}\n${text}\n${source.slice(cut)}`);
}

const MEMOS_LOGIN = "Memos has its own login";

/** A stack of the user's own: a notes app, served to the internet with its own login, with state on the storage node. */
const NEW_STACK = `import { Auth, bind, defineStack, httpMonitor, type StackSpec } from "../../../model";

/** Memos, a notes app. */
export default defineStack((lab): StackSpec => ({
  name: "application_notes",
  tier: "application",
  description: "Memos, a notes app",
  networks: [{ key: "notes", purpose: "Memos alone" }],
  services: [
    {
      name: "memos",
      image: "neosmemo/memos:0.24.0",
      networks: ["notes", "proxy_network"],
      stateful: true,
      // A public host of the user's own: the lab then serves one more to the internet.
      sites: [{ host: "memos", public: true, port: 5230, auth: Auth.own("${MEMOS_LOGIN}") }],
      env: { TZ: lab.timezone },
      mounts: [bind(lab.appdata("memos"), "/var/opt/memos")],
      homepage: { group: "Tools", name: "Memos", icon: "memos.png", description: "Notes" },
      monitors: [httpMonitor("memos", "Memos", "http://memos:5230/healthz")],
    },
  ],
}));
`;

/** The section's public variant of the service's sites (`sites: [{ ..., public: true, ... }]`). */
function publicSites(text: string): string {
  const found = /`(sites: \[\{[^`]*public: true[^`]*\])`/.exec(text);
  if (!found) throw new Error(`${GUIDE}'s "Adding a service" shows no public site`);
  return found[1]!;
}

describe("the guide's \"Adding a service\", followed on a copy of the repository", () => {
  const adding = section("## Adding a service");
  let repo: ReviewRepo;
  const run = (command: string, args: readonly string[]) => {
    // npm's own settings from an outer `npm test -s` (loglevel and the like) are not the user's.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_")));
    return spawnSync(command, [...args], { cwd: repo.dir, encoding: "utf8", env: { ...env, FORCE_COLOR: "0" }, maxBuffer: 1 << 26 });
  };
  const npm = (args: readonly string[]) => run("npm", args);

  beforeAll(() => {
    repo = makeReviewRepo({ fixture: false });

    const [service, database] = codeBlocks(adding, "ts");
    const [serviceFile, databaseFile] = stackFiles(adding);
    // The section's way to serve the service to the internet, applied to its entry.
    const sites = publicSites(adding);
    insert(repo.dir, serviceFile!, /services: \[/, service!.replace(/sites: \[[^\]]*\]/, sites));
    insert(repo.dir, databaseFile!, /const apps\b[^=]*= \[/, database!);
    mkdirSync(path.join(repo.dir, "lab/stacks/application/notes"));
    writeFileSync(path.join(repo.dir, "lab/stacks/application/notes/index.ts"), NEW_STACK);
    insert(repo.dir, "lab/index.ts", /^export const STACKS/m, 'import notes from "./stacks/application/notes";\n', "before");
    insert(repo.dir, "lab/index.ts", /(?<=export const STACKS[\s\S]*?)\n\];/, "  notes,", "before");
  });
  afterAll(() => repo?.remove());

  test("the section shows a service entry, a database entry and the commands to run", () => {
    expect(codeBlocks(adding, "ts")).toHaveLength(2);
    expect(codeBlocks(adding, "sh")).toHaveLength(1);
    // The file of each entry, named before it: the service's stack file, then the postgres stack's.
    expect(stackFiles(adding)).toHaveLength(2);
    expect(stackFiles(adding)[1]).toBe(path.relative(PROJECT_DIR, require.resolve("../lab/stacks/platform/postgres")));
  });

  test("with the two entries and a new stack added, and the docs regenerated, the lab's tests pass", () => {
    // Before the docs are regenerated, their check names what is stale.
    const stale = npm(["run", "-s", "docs", "--", "--check"]);
    expect(stale.status).toBe(1);
    expect(stale.stdout + stale.stderr).toContain("docs/lab/README.md");

    // The section's commands, as written; its `npm test` runs as the lab's part of the suite.
    const commands = codeBlocks(adding, "sh")[0]!.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter(Boolean);
    expect(commands).toEqual(["npm run docs", "npm test"]);
    expect(npm(["run", "docs"]).status).toBe(0);
    expect(npm(["run", "-s", "docs", "--", "--check"]).status).toBe(0);
    // The regenerated docs serve both new public hosts, beside the lab's own.
    const ingress = readFileSync(path.join(repo.dir, "docs", "lab", "ingress.md"), "utf8");
    for (const host of [`lidarr.${domain}`, `memos.${domain}`]) expect(ingress).toContain(host);
    const tests = npm(["run", "test:lab", "--", "--maxWorkers=2"]);
    if (tests.status !== 0) throw new Error(`npm run test:lab failed in the copy (${repo.dir}):\n${tests.stdout.slice(-6000)}\n${tests.stderr.slice(-12000)}`);
    // Every suite that runs passes (the upstream-fixture suite skips without its checkout).
    expect(tests.stderr).toMatch(/Test Suites: +(?:\d+ skipped, )?\d+ passed, \d+ (?:of \d+ )?total/);
  }, 600_000);

  test("what the section says is derived is there, and what 1Password and the registry must answer is named", () => {
    const view = JSON.parse(npm(["run", "-s", "render", "--", "--json"]).stdout) as {
      stacks: { name: string; services: { swarmName: string; networks: { aliases: string[] }[]; sites: { host: string; auth: string }[]; secrets: { target: string }[] }[] }[];
      unlockedImages: { service: string; image: string }[];
    };
    const lidarr = view.stacks.flatMap((stack) => stack.services).find((svc) => svc.swarmName === "application_media_core_lidarr")!;
    expect(lidarr).toBeDefined();
    expect(lidarr.networks.map((network) => network.aliases)).toEqual([["lidarr"], ["lidarr"], ["lidarr"]]);
    expect(lidarr.sites.map((site) => site.host)).toEqual([`lidarr.${domain}`]);
    expect(lidarr.secrets.map((secret) => secret.target).sort()).toEqual(["/run/secrets/LIDARR__POSTGRES__PASSWORD", "/run/secrets/LIDARR__POSTGRES__USER"]);
    expect(view.stacks.map((stack) => stack.name)).toContain("application_notes");
    expect(view.unlockedImages).toContainEqual({ service: "application_media_core/lidarr", image: "lscr.io/linuxserver/lidarr:2.9.6" });

    const keys = npm(["run", "-s", "dev-stack", "--", "secret-keys"]);
    expect(keys.status).toBe(0);
    expect(keys.stdout.split("\n")).toEqual(expect.arrayContaining(["lidarr/LIDARR_POSTGRES_USER", "lidarr/LIDARR_POSTGRES_PASS"]));
  });
});
