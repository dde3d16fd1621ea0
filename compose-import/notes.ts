import type { Location, PathSegment, SourceLines } from "./source-lines";

/**
 * What the import could not carry over as written, each with the file and line it came from:
 * nothing of a compose file is dropped silently. Each note also says what `npm run drift` of the
 * imported lab shows for it against the stack as `docker stack deploy` deployed it, so the first
 * drift review holds no surprise (and the tests hold the import to exactly that).
 */

export type NoteKind =
  /** The lab's vocabulary has no way to say it: left out of the stack file. */
  | "not-representable"
  /** Carried over in the lab's own terms, which deploy it differently (a new name, derived labels). */
  | "changed"
  /** `docker stack deploy` ignores it too ("Ignoring unsupported options"): nothing ran with it. */
  | "ignored-by-stack-deploy";

/** What drift shows because of a note, in drift's own terms (live/drift.ts). */
export interface ExpectedDrift {
  /** The swarm service whose differences it explains. */
  readonly service?: string;
  /** The swarm network whose differences it explains. */
  readonly network?: string;
  /** Prefixes of that service's or network's difference fields (`"secrets"`, `"labels.caddy"`). */
  readonly fields?: readonly string[];
  /** Whole objects: live ones the lab no longer declares, declared ones the swarm lacks, by identity (the name without its content digest). */
  readonly unmanaged?: readonly { readonly kind: "network" | "service" | "secret" | "config"; readonly name: string }[];
  readonly missing?: readonly { readonly kind: "network" | "service" | "secret" | "config"; readonly name: string }[];
}

export interface ImportNote extends Location {
  readonly kind: NoteKind;
  /** The compose path, `services.web.deploy.update_config`. */
  readonly key: string;
  readonly message: string;
  readonly drift?: ExpectedDrift;
}

/** Collects notes at the place each compose key was written. */
export class Notes {
  readonly list: ImportNote[] = [];
  /** Services whose swarm name the import changes: drift shows them whole (unmanaged and missing), never field by field. */
  private readonly renamed = new Set<string>();
  constructor(private readonly lines: SourceLines) {}

  renamedService(swarmName: string): void {
    this.renamed.add(swarmName);
  }

  /** `file:line` of a compose path, for text that points back at it. */
  at(path: readonly PathSegment[]): string {
    const { file, line } = this.lines.locate(path);
    return `${file}:${line}`;
  }

  add(kind: NoteKind, path: readonly PathSegment[], message: string, drift?: ExpectedDrift): void {
    const { service, fields, ...whole } = drift ?? {};
    const shown: ExpectedDrift = service !== undefined && this.renamed.has(service) ? whole : (drift ?? {});
    const key = path.join(".");
    // A top-level key two services use is noted once, at its own place.
    if (this.list.some((note) => note.key === key && note.message === message)) return;
    this.list.push({ ...this.lines.locate(path), kind, key, message, ...(Object.keys(shown).length > 0 ? { drift: shown } : {}) });
  }
}

const HEADINGS: Record<NoteKind, string> = {
  "not-representable": "Not representable in the lab (left out)",
  changed: "Carried over in the lab's terms (deployed differently)",
  "ignored-by-stack-deploy": "Ignored by docker stack deploy as well",
};

/** The notes for people: one line each, `file:line: key: message`, grouped by kind. */
export function notesText(notes: readonly ImportNote[]): string {
  if (notes.length === 0) return "Everything in the compose files was carried over as written.\n";
  const lines: string[] = [];
  for (const kind of Object.keys(HEADINGS) as NoteKind[]) {
    const ofKind = notes.filter((note) => note.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push(`${HEADINGS[kind]} (${ofKind.length}):`);
    for (const note of ofKind) lines.push(`  ${note.file}:${note.line}: ${note.key}: ${note.message}`);
  }
  return `${lines.join("\n")}\n`;
}
