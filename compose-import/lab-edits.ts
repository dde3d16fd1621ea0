import type { SharedNetworkSpec } from "../lab/networks";
import { identifier, sharedNetworkText } from "./emit";

/**
 * The two lines an imported stack adds to the lab: its import and its entry in `STACKS`
 * (lab/index.ts), and the shared networks it joins that the lab did not know (lab/networks.ts).
 * Text edits of files people edit too, so each finds its place by the list's own declaration and
 * says what to add by hand when it cannot. Pure.
 */

export class LabEditError extends Error {}

/** The closing `];` of the array declared by `opening`. */
function listEnd(text: string, opening: RegExp, file: string, what: string): number {
  const start = opening.exec(text);
  if (!start) throw new LabEditError(`${file}: cannot find ${opening.source.replace(/\\/g, "")}; add ${what} by hand`);
  const end = text.indexOf("\n];", start.index);
  if (end < 0) throw new LabEditError(`${file}: cannot find the end of its list (a line "];"); add ${what} by hand`);
  return end + 1;
}

/** lab/index.ts with the stack imported from `./<folder>` and listed last in STACKS. */
export function addStack(text: string, folder: string): { text: string; name: string } {
  const imports = [...text.matchAll(/^import (\w+) from "\.\/[^"]+";$/gm)];
  const taken = new Set(imports.map((match) => match[1]!));
  const name = identifier(folder.split("/").pop()!, taken);
  const line = `import ${name} from "./${folder}";`;
  if (text.includes(`"./${folder}"`)) throw new LabEditError(`lab/index.ts already imports ./${folder}`);
  const last = imports.at(-1);
  const withImport = last ? `${text.slice(0, last.index! + last[0].length)}\n${line}${text.slice(last.index! + last[0].length)}` : `${line}\n${text}`;
  const end = listEnd(withImport, /export const STACKS\b[^=]*=\s*\[/, "lab/index.ts", `\`${line}\` and \`${name},\` to STACKS`);
  return { text: `${withImport.slice(0, end)}  ${name},\n${withImport.slice(end)}`, name };
}

/** lab/networks.ts with these networks added to SHARED_NETWORKS. */
export function addSharedNetworks(text: string, networks: readonly SharedNetworkSpec[]): string {
  if (networks.length === 0) return text;
  const end = listEnd(text, /export const SHARED_NETWORKS\b[^=]*=\s*\[/, "lab/networks.ts", `${networks.map((network) => network.name).join(", ")} to SHARED_NETWORKS`);
  return `${text.slice(0, end)}${networks.map(sharedNetworkText).join("\n")}\n${text.slice(end)}`;
}
