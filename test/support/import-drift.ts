import type { ImportNote } from "../../compose-import/notes";
import type { DriftReport, ObjectRef } from "../../live/drift";
import { contentIdentity } from "../../live/swarm-state";

/**
 * Holds a drift report to the notes of the imports that produced the lab: every difference drift
 * shows must be one a note announced (nothing unexplained), and everything a note announced must
 * show (no note that cries wolf). Each side is listed as lines, so a failing test names them.
 */

/** A secret or config by its identity: drift prints a declared one as `<identity>-…`, never with a digest of an offline value. */
const objectKey = (ref: { kind: string; name: string }) => `${ref.kind} ${contentIdentity(ref.name.replace(/-…$/, ""))}`;

export interface DriftAccount {
  /** Differences no note announced. */
  readonly unexplained: string[];
  /** Announcements that drift did not show. */
  readonly unseen: string[];
}

export function accountForDrift(report: DriftReport, notes: readonly ImportNote[]): DriftAccount {
  const announced = (pick: (note: ImportNote) => readonly { kind: string; name: string }[] | undefined) => new Set(notes.flatMap((note) => (pick(note) ?? []).map(objectKey)));
  const unmanaged = announced((note) => note.drift?.unmanaged);
  const missing = announced((note) => note.drift?.missing);
  const fieldsOf = (object: string, kind: "service" | "network") =>
    notes.flatMap((note) => (note.drift?.[kind] === object ? (note.drift.fields ?? []).map((prefix) => ({ prefix, note })) : []));

  const unexplained: string[] = [];
  const shown = new Set<string>();
  const object = (list: readonly ObjectRef[], expected: ReadonlySet<string>, what: string) => {
    for (const ref of list) {
      shown.add(`${what} ${objectKey(ref)}`);
      if (!expected.has(objectKey(ref))) unexplained.push(`${what}: ${ref.kind} ${ref.name}`);
    }
  };
  object(report.unmanaged, unmanaged, "unmanaged");
  object(report.missing, missing, "missing");
  for (const [kind, drifts] of [["service", report.services], ["network", report.networks]] as const) {
    for (const drift of drifts) {
      const prefixes = fieldsOf(drift.name, kind);
      for (const difference of drift.differences) {
        const covering = prefixes.filter(({ prefix }) => difference.field.startsWith(prefix));
        for (const { prefix } of covering) shown.add(`${kind} ${drift.name} ${prefix}`);
        if (covering.length === 0) unexplained.push(`${kind} ${drift.name}: ${difference.field}: declared ${difference.declared}, live ${difference.live}`);
      }
    }
  }

  const unseen: string[] = [];
  for (const note of notes) {
    const where = `${note.file}:${note.line} ${note.key}`;
    for (const ref of note.drift?.unmanaged ?? []) if (!shown.has(`unmanaged ${objectKey(ref)}`)) unseen.push(`${where}: unmanaged ${ref.kind} ${ref.name}`);
    for (const ref of note.drift?.missing ?? []) if (!shown.has(`missing ${objectKey(ref)}`)) unseen.push(`${where}: missing ${ref.kind} ${ref.name}`);
    for (const kind of ["service", "network"] as const) {
      const name = note.drift?.[kind];
      if (name === undefined) continue;
      for (const prefix of note.drift?.fields ?? []) if (!shown.has(`${kind} ${name} ${prefix}`)) unseen.push(`${where}: ${kind} ${name} ${prefix}`);
    }
  }
  return { unexplained, unseen };
}
