import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { STACKS } from "../lab";
import { MAX_NODES, PAGE_WIDTH } from "../docs-generator/mermaid";
import { renderDocs } from "../docs-generator";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { PROJECT_DIR } from "../lib/project-dir";
import { docsConfig, docsOptions } from "../docs-generator/generate";
import { bigLab } from "./fixtures/big-lab";
import { CHROMIUM } from "./support/chromium";
import { MermaidRenderer, mermaidBlocks, mermaidBuild, type Rendering } from "./support/mermaid";
import { describeWith } from "../servers/tools";

/**
 * Every Mermaid block in the README and under docs/, rendered by Mermaid itself in headless
 * Chromium, the way GitHub shows it: a block that does not parse fails, and so does one past the
 * legibility bound (docs-generator/mermaid.ts: at most MAX_NODES boxes, at most PAGE_WIDTH wide at its
 * natural size). A PNG of each, as GitHub's column shows it, is written to out/diagrams/ (ignored
 * by git; HOMELAB_DIAGRAMS_DIR names another folder), with index.txt listing what each measured.
 */

const OUT = process.env.HOMELAB_DIAGRAMS_DIR ?? path.join(PROJECT_DIR, "out", "diagrams");

/** README.md and every Markdown file under docs/, relative to the project. */
function markdownFiles(): string[] {
  const under = (dir: string): string[] =>
    readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? under(path.join(dir, entry.name)) : entry.name.endsWith(".md") ? [path.join(dir, entry.name)] : [],
    );
  return ["README.md", ...under("docs")];
}

interface Block {
  readonly name: string;
  readonly source: string;
}

const blocksOf = (file: string, text: string): Block[] => mermaidBlocks(text).map((block) => ({ name: `${file}:${block.line}`, source: block.source }));

/** What a rendering breaks of the bound, in words; empty when it holds. */
function breaches(rendering: Rendering): string[] {
  if (rendering.error !== undefined) return [`does not parse: ${rendering.error}`];
  return [
    ...(rendering.nodes === 0 ? ["has no boxes Mermaid draws as nodes, frames or participants (a diagram type the bound cannot count)"] : []),
    ...(rendering.nodes > MAX_NODES ? [`has ${rendering.nodes} boxes; at most ${MAX_NODES}`] : []),
    ...(rendering.width > PAGE_WIDTH ? [`is ${Math.round(rendering.width)} px wide; at most ${PAGE_WIDTH}, or GitHub shrinks its text`] : []),
  ];
}

describeWith([CHROMIUM])("the diagrams, rendered by Mermaid in headless Chromium", () => {
  let renderer: MermaidRenderer;
  const index: string[] = [];
  const pngName = (name: string) => `${name.replace(/[/:]/g, "_")}.png`;

  /** Renders a block, keeps its PNG and its measures in the output folder. */
  async function rendered(block: Block): Promise<Rendering> {
    const rendering = await renderer.render(block.source);
    if (rendering.error === undefined) {
      writeFileSync(path.join(OUT, pngName(block.name)), rendering.png);
      index.push(`${pngName(block.name)}\t${Math.round(rendering.width)} x ${Math.round(rendering.height)} px\t${rendering.nodes} boxes`);
    } else {
      index.push(`${block.name}\tdoes not parse`);
    }
    return rendering;
  }

  beforeAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    renderer = await MermaidRenderer.start();
  }, 60_000);
  afterAll(async () => {
    await renderer?.close();
    writeFileSync(path.join(OUT, "index.txt"), `rendered by mermaid ${mermaidBuild().version}; bound: ${MAX_NODES} boxes, ${PAGE_WIDTH} px\n${index.join("\n")}\n`);
  });

  const committed = markdownFiles().flatMap((file) => blocksOf(file, readFileSync(path.join(PROJECT_DIR, file), "utf8")));

  test("the README and docs/ have the diagrams the docs promise", () => {
    const files = new Set(committed.map((block) => block.name.split(":")[0]));
    expect([...files]).toEqual(expect.arrayContaining(["README.md", "docs/lab/network.md", "docs/lab/ingress.md", "docs/lab/bootstrap.md"]));
  });

  test.each(committed.map((block) => [block.name, block] as const))("%s parses and is legible at page width", async (_name, block) => {
    expect({ block: block.name, breaches: breaches(await rendered(block)) }).toEqual({ block: block.name, breaches: [] });
  });

  test("a lab several times the size still gets diagrams within the bound", async () => {
    // The owner's lab may grow: the generator keeps every picture within the bound by itself.
    const config = docsConfig();
    const docs = renderDocs(evaluateLab(config, [...STACKS, ...bigLab()]), docsOptions(config));
    const blocks = [...docs].flatMap(([file, text]) => blocksOf(`big-lab/${file}`, text));
    expect(blocks.length).toBeGreaterThan(committed.length);
    const problems: string[] = [];
    for (const block of blocks) for (const breach of breaches(await rendered(block))) problems.push(`${block.name} ${breach}`);
    expect(problems).toEqual([]);
  }, 120_000);

  test("the check fails: a block Mermaid cannot parse, and the old network map of every service", async () => {
    expect(breaches(await renderer.render("flowchart LR\n  a --> b[unclosed\n"))).toEqual([expect.stringMatching(/^does not parse: Parse error on line \d+:\n.*b\[unclosed/)]);
    // What docs/network.md drew before: every service of the lab with an edge to each of its networks.
    const lab = evaluateLab(docsConfig(), STACKS);
    const lines = ["flowchart TB"];
    for (const stack of lab.stacks) {
      lines.push(`  subgraph ${stack.name.replace(/-/g, "_")}`);
      for (const plan of stack.services) lines.push(`    ${`${stack.name}_${plan.name}`.replace(/-/g, "_")}["${plan.name}"]`);
      lines.push("  end");
      for (const plan of stack.services) for (const attachment of plan.networks) lines.push(`  ${`${stack.name}_${plan.name}`.replace(/-/g, "_")} --- ${attachment.name.replace(/-/g, "_")}`);
    }
    const old = await rendered({ name: "old-network-map", source: lines.join("\n") });
    expect(breaches(old)).toEqual([expect.stringMatching(/^has \d+ boxes; at most 25$/), expect.stringMatching(/^is \d+ px wide; at most 890, or GitHub shrinks its text$/)]);
  });

  test("nothing was loaded from anywhere but this machine's files", () => {
    expect(renderer.refused).toEqual([]);
  });
});
