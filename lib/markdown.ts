/** A Markdown table cell: one line, pipes escaped. Every generated report and doc uses this one. */
export function tableCell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}
