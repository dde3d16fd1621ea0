import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { STACKS } from "../lab";
import { defineStack, op, SecretEnv, type StackDefinition } from "../lab/model";
import { DOC_FILES, type DocFile, renderDocs } from "../docs-generator";
import { waitsOf } from "../docs-generator/bootstrap";
import { GENERATED_NOTICE, markdownText } from "../docs-generator/document";
import { breakable, MAX_EDGES, MAX_NODES, pages } from "../docs-generator/mermaid";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { fakeSecretValues } from "../offline/fake-secrets";
import { PROJECT_DIR } from "../lib/project-dir";
import { fieldsToRead } from "../evaluation/program-fields";
import { DOCS_DIR, docsConfig, docsOptions, generateDocs, orphanDocs, staleDocs } from "../docs-generator/generate";

/**
 * docs/lab/ is generated from the lab declaration (`npm run docs`). These tests fail when the
 * committed files no longer match the declaration, and check that the docs cover the lab, that
 * their diagrams draw what the lab declares, and that they carry names only, never a secret value.
 * (test/diagrams.test.ts renders the diagrams with Mermaid itself.)
 */

const config = docsConfig();
const { lab, files } = generateDocs();
const doc = (name: DocFile) => files.get(name)!;
const all = () => [...files.values()].join("\n");

function committed(name: string): string | undefined {
  try {
    return readFileSync(path.join(DOCS_DIR, name), "utf8");
  } catch {
    return undefined;
  }
}

/** A generated flowchart read back: its boxes' text (tags dropped, entities kept) and its lines. */
function graph(block: string): { text: Map<string, string>; edges: [string, string][] } {
  const text = new Map<string, string>();
  const edges: [string, string][] = [];
  for (const line of block.split("\n")) {
    const box = /^\s+(\w+)(?:\["|\(")(.*)(?:"\]|"\))$/.exec(line);
    if (box) text.set(box[1]!, box[2]!.replace(/<br\/>/g, "\n").replace(/<[^>]+>/g, ""));
    const edge = /^\s+(\w+) (?:---|-->) (\w+)$/.exec(line);
    if (edge) edges.push([edge[1]!, edge[2]!]);
  }
  return { text, edges };
}

/** The Mermaid blocks of a Markdown text. */
const blocks = (markdown: string) => [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1]!);

/** The text of a Markdown section, from its heading to the next heading of its level or above. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}"`);
  const level = heading.split(" ")[0]!.length;
  const rest = markdown.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^#{1,${level}} `, "m"));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The first line where two texts differ, for the failure message. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split("\n");
  const got = actual.split("\n");
  for (let line = 0; line < Math.max(want.length, got.length); line++) {
    if (want[line] !== got[line]) {
      return `line ${line + 1}:\n  committed: ${JSON.stringify(got[line] ?? "(end of file)")}\n  generated: ${JSON.stringify(want[line] ?? "(end of file)")}`;
    }
  }
  return "(line endings or trailing bytes differ)";
}

describe("committed docs", () => {
  test.each([...DOC_FILES])("docs/lab/%s matches the lab declaration byte for byte", (name) => {
    const expected = files.get(name)!;
    const actual = committed(name);
    if (actual === undefined) throw new Error(`docs/lab/${name} is missing: run \`npm run docs\` and commit the result`);
    if (actual !== expected) {
      throw new Error(`docs/lab/${name} is stale (the lab changed since it was generated): run \`npm run docs\` and commit the result\nfirst difference at ${firstDifference(expected, actual)}`);
    }
  });

  test("the staleness check the script uses agrees, and docs/lab/ holds nothing it no longer generates", () => {
    expect(staleDocs(files)).toEqual([]);
    expect(orphanDocs()).toEqual([]);
  });

  test("npm run docs removes a file it generated once and no longer does, and leaves a hand-written one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-docs-"));
    try {
      writeFileSync(path.join(dir, "renamed.md"), `${GENERATED_NOTICE}\n\n# Old\n`);
      writeFileSync(path.join(dir, "notes.md"), "# My notes\n");
      const docs = (...args: string[]) => spawnSync("npm", ["run", "-s", "docs", "--", "--out", dir, ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
      const check = docs("--check");
      expect([check.status, check.stderr]).toEqual([1, expect.stringContaining("no longer generated: ")]);
      expect(check.stderr).toContain("renamed.md; run `npm run docs` and commit the result");
      expect(docs().status).toBe(0);
      expect(readdirSync(dir).sort()).toEqual([...DOC_FILES, "notes.md"].sort());
      expect(docs("--check").status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("generated docs", () => {
  test("every file starts with the generated-file notice", () => {
    for (const [name, text] of files) expect({ name, first: text.split("\n")[0] }).toEqual({ name, first: GENERATED_NOTICE });
  });

  test("generating twice gives the same bytes (no timestamps, stable order)", () => {
    const again = renderDocs(evaluateLab(config, STACKS), docsOptions(config));
    expect([...again.entries()]).toEqual([...files.entries()]);
  });

  test("the network doc has every shared network, every stack network and every stack, by real swarm name", () => {
    const text = doc("network.md");
    expect(text).toContain("\n## Network Inventory\n");
    for (const network of lab.sharedNetworks) {
      expect(text).toContain(`| \`${network.name}\``);
      expect(text).toContain(markdownText(network.purpose));
    }
    for (const stack of lab.stacks) {
      expect(text).toContain(`### \`${stack.name}\``);
      for (const network of stack.spec.networks ?? []) expect(text).toContain(`| \`${stack.name}_${network.key}\``);
    }
  });

  test("the overview draws each stack joined to exactly the shared networks its services join", () => {
    const overview = blocks(section(doc("network.md"), "## Overview")).map(graph);
    const shared = new Set(lab.sharedNetworks.map((network) => network.name));
    for (const stack of lab.stacks) {
      const drawn = overview.find((diagram) => [...diagram.text.values()].some((text) => text.split("\n")[0] === stack.name));
      expect({ stack: stack.name, drawn: drawn !== undefined }).toEqual({ stack: stack.name, drawn: true });
      const id = [...drawn!.text].find(([, text]) => text.split("\n")[0] === stack.name)![0];
      const joined = drawn!.edges.filter(([from]) => from === id).map(([, to]) => drawn!.text.get(to)!.split("\n")[0]).sort();
      const expected = [...new Set(stack.services.flatMap((plan) => plan.networks.map((attachment) => attachment.name)))].filter((name) => shared.has(name)).sort();
      expect({ stack: stack.name, joined }).toEqual({ stack: stack.name, joined: expected });
    }
  });

  test("each stack's diagram draws every service with a line to each of its networks, and nothing else", () => {
    for (const stack of lab.stacks) {
      const diagrams = blocks(section(doc("network.md"), `### \`${stack.name}\``)).map(graph);
      expect({ stack: stack.name, diagrams: diagrams.length > 0 }).toEqual({ stack: stack.name, diagrams: true });
      const drawn = stack.services.map((plan) => {
        const diagram = diagrams.find((candidate) => [...candidate.text.values()].some((text) => text.split(", ").includes(plan.name)))!;
        const id = [...diagram.text].find(([, text]) => text.split(", ").includes(plan.name))![0];
        return { service: plan.name, networks: diagram.edges.filter(([from]) => from === id).map(([, to]) => diagram.text.get(to)!.split("\n")[0]).sort() };
      });
      expect(drawn).toEqual(stack.services.map((plan) => ({ service: plan.name, networks: plan.networks.map((attachment) => attachment.name).sort() })));
      const boxes = diagrams.flatMap((diagram) => [...diagram.text.values()].filter((text) => !text.includes("\n")));
      expect(boxes.flatMap((text) => text.split(", ")).sort()).toEqual(stack.services.map((plan) => plan.name).sort());
    }
  });

  test("the ingress doc has every routed host, its service and its auth", () => {
    const text = doc("ingress.md");
    expect(lab.ingressPlan.routes.length).toBeGreaterThan(0);
    for (const route of lab.ingressPlan.routes) {
      const row = text.split("\n").find((line) => line.startsWith(`| \`${route.host}\` | \`${route.owner}\` |`));
      expect({ host: route.host, row }).toEqual({ host: route.host, row: expect.stringContaining(`| ${route.auth.kind}`) });
      expect(row).toContain(route.public ? "| public |" : "| internal");
    }
    // The tunnel's rules, numbered in the order the tunnel matches them: every public host, then the catch-all.
    const rules = text.split("\n").filter((line) => /^\d+\. /.test(line));
    expect(rules.map((line) => /^(\d+)\. /.exec(line)![1])).toEqual(rules.map((_, index) => String(index + 1)));
    expect(rules.slice(0, -1).map((line) => /`([^`]+)`/.exec(line)![1]).sort()).toEqual(lab.ingressPlan.publicRecords.map((record) => record.name).sort());
    expect(rules.at(-1)).toMatch(/anything else/);
  });

  test("the ingress picture has both paths with the lab's hosts, and every site that skips forward auth with its reason", () => {
    const text = doc("ingress.md");
    const picture = graph(blocks(section(text, "## How a Request Reaches an App"))[0]!);
    const all = [...picture.text.values()].join("\n");
    expect(all).toContain(`${lab.ingressPlan.internalRecords.length} CNAMEs *.${lab.ingressPlan.internalTarget.split(".").slice(1).join(".")}`);
    for (const record of lab.ingressPlan.publicRecords) expect(all).toContain(record.name);
    // Client to Caddy both ways, then forward auth to the protected sites.
    expect(picture.edges).toEqual(expect.arrayContaining([["netClient", "edge"], ["edge", "tunnel"], ["tunnel", "caddy"], ["lanClient", "dns"], ["dns", "node"], ["node", "caddy"], ["caddy", "auth"], ["auth", "guarded"]]));
    expect(picture.text.get("guarded")!.split("\n")[0]).toBe(`${lab.ingressPlan.routes.filter((route) => route.protected).length} sites behind Authentik`);
    const skipping = lab.ingressPlan.routes.filter((route) => route.auth.kind !== "authentik");
    expect(skipping.length).toBeGreaterThan(0);
    const list = section(text, "### Sites Without Forward Auth, and Why");
    for (const route of skipping) {
      if (route.auth.kind === "authentik") continue;
      expect(list).toContain(`- \`${route.host}\` (\`${route.owner}\`), ${route.auth.kind === "own" ? "its own login" : "open"}: ${markdownText(route.auth.reason)}`);
    }
  });

  test("the bootstrap order has every declared wait in its table and draws each one no other implies", () => {
    const text = doc("bootstrap.md");
    for (const stack of lab.stacks) for (const on of stack.spec.dependsOn ?? []) expect(text).toMatch(new RegExp(`\\| \`${stack.name}\` \\| \`${on}\` \\| `));
    const picture = graph(blocks(text)[0]!);
    const named = (id: string) => picture.text.get(id)!.split("\n")[0]!;
    const drawn = picture.edges.filter(([from]) => from !== "objects").map(([from, to]) => `${named(from)} → ${named(to)}`);
    expect(drawn.sort()).toEqual(waitsOf(lab).filter((wait) => wait.kind === "waits").map((wait) => `${wait.on === "the Cloudflare tunnel" ? "Cloudflare tunnel" : wait.on} → ${wait.stack}`).sort());
  });

  test("the secrets doc names every 1Password item and field the lab reads, and every swarm secret", () => {
    const text = doc("secrets.md");
    const refs = fieldsToRead(lab, config);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(text).toContain(`| \`${ref.item}\` | \`${ref.field}\` |`);
    for (const plan of lab.stacks.flatMap((stack) => stack.services)) for (const mount of plan.secrets) expect(text).toContain(`| \`${mount.identity}\``);
  });

  test("no secret value, digest or template text appears in the docs", () => {
    const text = all();
    const fakes = fakeSecretValues(fieldsToRead(lab, config));
    expect(fakes.size).toBeGreaterThan(0);
    for (const [key, value] of fakes) expect({ key, leaked: text.includes(value) }).toEqual({ key, leaked: false });
    expect(text).not.toMatch(/FAKE-/);
    expect(text).not.toMatch(/op:\/\//); // template placeholders: the template text is never copied
    expect(text).not.toMatch(/-----BEGIN/);
    expect(text).not.toMatch(/\b[0-9a-f]{32,}\b/); // hex blobs (keys, sha256 digests)
    // Secret names are identities, never `<identity>-<digest>` (the digest depends on the value).
    for (const plan of lab.stacks.flatMap((stack) => stack.services)) {
      for (const mount of plan.secrets) expect(text).not.toMatch(new RegExp(`${mount.identity.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{8}\\b`));
    }
  });
});

describe("the Mermaid writer", () => {
  test.each([
    ["a plain word", "caddy", "caddy"],
    ["a long name breaks after its separators", "platform_observability_notifications", "platform_<wbr>observability_<wbr>notifications"],
    ["a host name, and a URL's // stays whole", "https://caddy:443 status.hypyr.space", "https://<wbr>caddy:443 status.<wbr>hypyr.<wbr>space"],
    ["Mermaid's syntax characters become entities", 'a "b" <c> & d', "a #quot;b#quot; #lt;c#gt; #amp; d"],
  ])("breakable: %s", (_, text, expected) => {
    expect(breakable(text)).toBe(expected);
  });

  const size = (group: readonly number[]) => ({ nodes: group.reduce((sum, n) => sum + n, 0), edges: group.length });
  test.each([
    ["everything fits one diagram", [5, 5, 5], [[5, 5, 5]]],
    ["a new diagram starts where the next item would not fit", [10, 10, 10, 3], [[10, 10], [10, 3]]],
    ["exactly at the bound still fits", [MAX_NODES], [[MAX_NODES]]],
  ])("pages: %s", (_, items, expected) => {
    expect(pages(items, size, String)).toEqual(expected);
  });

  test("pages: an item no diagram can hold is an error naming it", () => {
    expect(() => pages([3, MAX_NODES + 1], size, (n) => `item ${n}`)).toThrow(`item ${MAX_NODES + 1} alone needs ${MAX_NODES + 1} boxes and 1 lines in one diagram; at most ${MAX_NODES} and ${MAX_EDGES} can be read`);
  });
});

describe("the docs follow the lab", () => {
  const render = (definitions: readonly StackDefinition[]) => renderDocs(evaluateLab(config, definitions), docsOptions(config));

  test("leaving a stack out removes it, its networks, hosts and secrets from every doc that named it", () => {
    const dropped = STACKS[STACKS.length - 1]!;
    const name = dropped(lab.context).name;
    const docs = render(STACKS.filter((define) => define !== dropped));
    const naming = DOC_FILES.filter((file) => files.get(file)!.includes(name));
    expect(naming.length).toBeGreaterThan(0);
    for (const file of naming) expect({ file, named: docs.get(file)!.includes(name) }).toEqual({ file, named: false });
  });

  test("a wait another wait implies is in the table but not drawn; a wait without a shared network says it is declared", () => {
    const stack = (name: string, dependsOn: string[]) =>
      defineStack(() => ({ name, tier: "application", description: "A stack of this test", dependsOn, services: [{ name: "app", image: "nginx:1.27", networks: ["postgres"] }] }));
    const text = render([...STACKS, stack("application_first", ["platform_postgres"]), stack("application_second", ["platform_postgres", "application_first"])]).get("bootstrap.md")!;
    const edges = graph(blocks(text)[0]!).edges.map(([from, to]) => `${from} → ${to}`);
    expect(edges).toEqual(expect.arrayContaining(["stack_platform_postgres → stack_application_first", "stack_application_first → stack_application_second"]));
    expect(edges).not.toContain("stack_platform_postgres → stack_application_second");
    expect(text).toContain("| `application_second` | `platform_postgres` | app reaches `platform_postgres`'s services on `platform_postgres_postgres` |");
    expect(text).toContain("| `application_second` | `application_first` | declared in its `dependsOn` |");
  });

  test("a new stack shows up in every doc", () => {
    const probe = defineStack((ctx) => ({
      name: "application_docs_probe",
      tier: "application",
      description: "A stack that exists only in this test",
      networks: [{ key: "probe", purpose: "the probe's own network" }],
      services: [
        {
          name: "probe",
          image: "nginx:1.27",
          networks: ["probe", "proxy_network"],
          sites: [{ host: "probe", port: 80 }],
          env: { TZ: ctx.timezone },
          secretEnv: { PROBE_TOKEN: op("docs-probe", "token") },
          secretEnvDelivery: SecretEnv.envFile(["nginx", "-g", "daemon off;"]),
        },
      ],
    }));
    const docs = render([...STACKS, probe]);
    expect(docs.get("README.md")).toContain("`application_docs_probe`");
    expect(docs.get("network.md")).toContain("| `application_docs_probe_probe` (key `probe`) | internal overlay |");
    expect(section(docs.get("network.md")!, "### `application_docs_probe`")).toContain("box_probe --- net_proxy_network");
    expect(docs.get("bootstrap.md")).toMatch(/alone\["<b>\d+ stacks waiting for nothing<\/b><br\/><small>[^"]*application_<wbr>docs_<wbr>probe/);
    expect(docs.get("ingress.md")).toContain(`| \`probe.${config.internalDomain}\` | \`application_docs_probe/probe\` | authentik | internal |`);
    expect(docs.get("secrets.md")).toContain("| `docs-probe` | `token` | `application_docs_probe_probe_env` | `application_docs_probe/probe` |");
    // …and none of it is in the committed docs.
    expect(all()).not.toContain("docs_probe");
  });
});
