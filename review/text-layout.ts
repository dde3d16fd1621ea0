/**
 * Plain-text layout for the review's reports: everything reads at 100 columns. Lines are broken
 * at spaces; a word longer than a whole line (a long swarm name) is broken where it must be, so
 * no line is ever wider than WIDTH.
 */

export const WIDTH = 100;

/** `text` in lines of at most `width`, the first starting with `first`, the others with `rest`. */
export function wrap(text: string, first: string, rest: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = () => width - line.length;
  for (const word of text.split(/\s+/).filter((part) => part !== "")) {
    if (!empty && word.length + 1 <= room()) {
      line += ` ${word}`;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
    }
    let remaining = word;
    while (remaining.length > room()) {
      const cut = Math.max(1, room());
      lines.push(line + remaining.slice(0, cut));
      line = rest;
      remaining = remaining.slice(cut);
    }
    line += remaining;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * A labelled field: `label` in a column of `labelWidth` after `indent`, each item on lines of its
 * own (continuations indented two more), or all items packed and comma-separated.
 */
export function field(indent: string, label: string, items: readonly string[], options: { labelWidth?: number; packed?: boolean } = {}): string[] {
  if (items.length === 0) return [];
  const head = `${indent}${label.padEnd(options.labelWidth ?? 13)}`;
  const hang = " ".repeat(head.length);
  if (options.packed) return wrap(items.join(", "), head, hang);
  return items.flatMap((item, index) => wrap(item, index === 0 ? head : hang, `${hang}  `));
}

/**
 * A shell command that stays copy-pasteable when it is too long for one line: it is continued with
 * ` \` before a word, never broken inside one.
 */
export function shellLine(indent: string, command: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of command.split(" ")) {
    const candidate = line.trim() === "" ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length + 2 > width && line.trim() !== "") {
      lines.push(`${line} \\`);
      line = `${indent}    ${word}`;
    } else line = candidate;
  }
  lines.push(line);
  return lines;
}
