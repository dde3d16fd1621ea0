import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { PAGE_WIDTH } from "../../docs-generator/mermaid";
import { type Chromium, startChromium } from "./chromium";

/**
 * Mermaid itself (the `mermaid` package's own browser build, loaded from node_modules by a local
 * page) rendering diagrams in headless Chromium, as GitHub renders a Mermaid block: into a
 * Markdown column PAGE_WIDTH wide, scaled down to fit when wider. A rendering reports what the
 * legibility bound is about: the natural size (the SVG's own coordinate box, before any scaling)
 * and the boxes drawn; its PNG is the diagram as that column shows it.
 */

/** The `mermaid` package's version and its self-contained browser build. */
export function mermaidBuild(): { version: string; file: string } {
  const manifest = require.resolve("mermaid/package.json");
  return { version: JSON.parse(readFileSync(manifest, "utf8")).version, file: path.join(path.dirname(manifest), "dist", "mermaid.min.js") };
}

/** The Mermaid blocks of a Markdown text, in order, with the line each starts on. */
export function mermaidBlocks(markdown: string): { line: number; source: string }[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((match) => ({ line: markdown.slice(0, match.index).split("\n").length, source: match[1]! }));
}

export type Rendering =
  | { readonly error: string }
  | {
      readonly error?: undefined;
      /** The natural size in CSS pixels, at Mermaid's own text size. */
      readonly width: number;
      readonly height: number;
      /** Boxes drawn: flowchart nodes and subgraph frames, sequence participants. */
      readonly nodes: number;
      /** The diagram as the column shows it. */
      readonly png: Buffer;
    };

/** Boxes a reader follows, by the classes Mermaid gives them; what is not counted here is not a box. */
const BOXES = "g.node, g.cluster, rect.actor-top";

export class MermaidRenderer {
  private count = 0;

  private constructor(
    private readonly browser: Chromium,
    private readonly page: Page,
    private readonly dir: string,
  ) {}

  /** Starts Chromium and opens the local page with Mermaid loaded, initialised as GitHub leaves it (the default theme). */
  static async start(): Promise<MermaidRenderer> {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-mermaid-"));
    const browser = await startChromium({ width: PAGE_WIDTH + 90, height: 800 }).catch((error) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    try {
      const html = [
        "<!doctype html>",
        '<meta charset="utf-8">',
        `<style>body { margin: 0 } article { box-sizing: content-box; width: ${PAGE_WIDTH}px; padding: 0 45px }</style>`,
        '<article><div id="diagram"></div></article>',
        `<script src="${pathToFileURL(mermaidBuild().file).href}"></script>`,
        "<script>mermaid.initialize({ startOnLoad: false });</script>",
      ].join("\n");
      writeFileSync(path.join(dir, "page.html"), html);
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(path.join(dir, "page.html")).href);
      await page.waitForFunction(() => typeof (globalThis as any).mermaid?.render === "function");
      return new MermaidRenderer(browser, page, dir);
    } catch (error) {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Requests the page made that would have left the machine (none may). */
  get refused(): readonly string[] {
    return this.browser.refused;
  }

  /** Parses and renders one diagram; a parse or render error is returned in Mermaid's words. */
  async render(source: string): Promise<Rendering> {
    const id = `diagram${++this.count}`;
    const result = await this.page.evaluate(
      async ({ source, id, boxes }) => {
        // Runs in the page, whose globals the project's Node types do not know.
        const { mermaid, document } = globalThis as any;
        const target = document.getElementById("diagram");
        target.innerHTML = "";
        try {
          await mermaid.parse(source);
          const { svg } = await mermaid.render(id, source);
          target.innerHTML = svg;
        } catch (error) {
          // A failed render leaves its error drawing behind, outside the target.
          document.getElementById(`d${id}`)?.remove();
          return { error: String((error as Error)?.message ?? error) };
        }
        const drawing = target.querySelector("svg");
        const [, , width, height] = (drawing.getAttribute("viewBox") ?? "").split(/[\s,]+/).map(Number);
        return { width: width!, height: height!, nodes: drawing.querySelectorAll(boxes).length };
      },
      { source, id, boxes: BOXES },
    );
    if (result.error !== undefined) return { error: result.error };
    if (!Number.isFinite(result.width) || !Number.isFinite(result.height)) return { error: "the rendered SVG has no viewBox to measure" };
    const png = await this.page.locator("#diagram svg").screenshot({ animations: "disabled" });
    return { width: result.width!, height: result.height!, nodes: result.nodes!, png };
  }

  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
