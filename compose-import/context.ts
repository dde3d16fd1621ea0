import type { SecretValue } from "../lab/model";
import type { IngressSettings } from "../evaluation/labels";
import type { Notes } from "./notes";

/** What mapping one compose service needs to know of its stack and of the import (map-stack.ts makes it). */

/** A compose secret or config, as the stack file will refer to it. */
export interface ImportedObject {
  /** Its name in the swarm `docker stack deploy` made. */
  readonly liveName: string;
  /** Secrets: where the value comes from. */
  readonly value?: SecretValue;
  /** Configs: the file in the stack's folder. */
  readonly file?: string;
}

export interface StackImportContext {
  readonly stack: string;
  readonly ingress: IngressSettings;
  readonly pinStateful: boolean;
  /** Compose network key → the lab's network key. */
  readonly networkKeys: ReadonlyMap<string, string>;
  /** Only what could be carried over; the others have their note already. */
  readonly secrets: ReadonlyMap<string, ImportedObject>;
  readonly configs: ReadonlyMap<string, ImportedObject>;
  readonly volumes: Readonly<Record<string, unknown>>;
  readonly forwardAuthSnippets: ReadonlySet<string>;
  /** 1Password item for values that become secrets: the stack's own. */
  readonly item: string;
  /** The compose project's folder (the first file's), which relative paths were resolved from. */
  readonly composeDir: string;
  /** Whether a host path (as the compose files resolve it) is a file on this machine. */
  readonly isFile: (file: string) => boolean;
  /** Copies a file of this machine beside the stack file; returns its name there. */
  readonly ship: (file: string) => string;
  readonly notes: Notes;
}
