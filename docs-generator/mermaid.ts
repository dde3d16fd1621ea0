/**
 * Writing Mermaid flowcharts a page can show. GitHub draws a Mermaid block at the width of its
 * Markdown column and scales a wider drawing down, text and all; so every diagram the docs
 * generate stays within the bound below, by construction: few nodes, labels Mermaid can wrap (a
 * long list makes a node taller, never wider), and layouts whose width does not grow with the lab
 * (a left-to-right flow of two or three columns).
 */

/**
 * The most nodes one diagram may have. Past about two dozen boxes a reader stops following lines;
 * a bigger subject is drawn as several diagrams.
 */
export const MAX_NODES = 25;

/**
 * The most lines the generator draws in one diagram. Mermaid 12 routes each line in a channel of
 * its own between two columns, so a diagram widens with its lines: the test's lab of every mix of
 * networks reaches about 830 px at 24 lines, and more lines than that are hard to follow anyway.
 */
export const MAX_EDGES = 24;

/**
 * The widest a diagram may be at its natural size (Mermaid's own text size, before any scaling):
 * the width of GitHub's Markdown column, 980 px less 45 px of padding on each side. A diagram no
 * wider is shown unscaled, so its text is as large as Mermaid made it.
 */
export const PAGE_WIDTH = 890;

/** Text inside a quoted Mermaid label: the characters Mermaid would read as syntax, as entities. */
export function mermaidText(text: string): string {
  return text.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/**
 * Label text Mermaid may wrap anywhere a reader would: at spaces and hyphens, as it does anyway,
 * and after a `_`, `.` or `/` inside a long name (`platform_` over `observability_`), which would
 * otherwise stay one line and widen its box. Mermaid wraps labels at its own width (120 px in
 * Mermaid 12, 200 px before), so the text is never broken by hand.
 */
export function breakable(text: string): string {
  return mermaidText(text).replace(/([_./])(?=[^\s/])/g, "$1<wbr>");
}

/** Names as a comma-separated list: Mermaid wraps a long list into a taller box, not a wider one. */
export function nameList(names: readonly string[]): string {
  return breakable(names.join(", "));
}

/** A label of a bold title over smaller text, e.g. a network's name over its purpose. */
export function titled(title: string, detail?: string): string {
  const head = `<b>${breakable(title)}</b>`;
  return detail ? `${head}<br/><small>${breakable(detail)}</small>` : head;
}

/** Mermaid node ids: letters, digits and `_`, unique, stable for a given input order. */
export class MermaidIds {
  private readonly used = new Set<string>();
  private readonly ids = new Map<string, string>();

  id(kind: string, key: string): string {
    const existing = this.ids.get(`${kind}\0${key}`);
    if (existing !== undefined) return existing;
    const base = `${kind}_${key.replace(/[^A-Za-z0-9]+/g, "_")}`;
    let candidate = base;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${base}_${n}`;
    this.used.add(candidate);
    this.ids.set(`${kind}\0${key}`, candidate);
    return candidate;
  }
}

/** A diagram, with a caption when its subject takes several. */
export interface Diagram {
  readonly caption?: string;
  readonly lines: readonly string[];
}

/** Captions `part i of n` when a subject takes several diagrams. */
export function parts(title: string, diagrams: readonly (readonly string[])[]): Diagram[] {
  return diagrams.map((lines, index) => (diagrams.length === 1 ? { lines } : { caption: `${title}, part ${index + 1} of ${diagrams.length}`, lines }));
}

/** Diagrams one after the other as Markdown, each under its caption when it has one. */
export function shown(diagrams: readonly Diagram[]): string[] {
  return diagrams.flatMap((diagram) => [...(diagram.caption ? [`*${diagram.caption}:*`, ""] : []), ...diagram.lines, ""]);
}

/** A fenced Mermaid block. */
export function mermaidBlock(lines: readonly string[]): string[] {
  return ["```mermaid", ...lines, "```"];
}

/**
 * Items in groups that each fit one diagram, in order: the greedy packing that splits one subject
 * over several diagrams. `size` counts what a group of items draws (its own boxes and every box
 * they bring along, and its lines). A single item too big for a diagram is an error naming it.
 */
export function pages<T>(items: readonly T[], size: (group: readonly T[]) => { nodes: number; edges: number }, name: (item: T) => string): T[][] {
  const fits = (group: readonly T[]) => {
    const { nodes, edges } = size(group);
    return nodes <= MAX_NODES && edges <= MAX_EDGES;
  };
  const result: T[][] = [];
  let page: T[] = [];
  for (const item of items) {
    if (!fits([item])) {
      const { nodes, edges } = size([item]);
      throw new Error(`${name(item)} alone needs ${nodes} boxes and ${edges} lines in one diagram; at most ${MAX_NODES} and ${MAX_EDGES} can be read`);
    }
    if (page.length > 0 && !fits([...page, item])) {
      result.push(page);
      page = [];
    }
    page.push(item);
  }
  if (page.length > 0) result.push(page);
  return result;
}
