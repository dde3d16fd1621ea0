import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { ServiceSpec, StackSpec } from "../../lab/model";

/**
 * Which files the stacks ship are shell scripts, and which shell runs each: found by their `#!`
 * line and by how the stack runs them (a service command such as `/bin/sh <target>`, or the
 * postgres entrypoint, which executes an executable `*.sh` of /docker-entrypoint-initdb.d and
 * sources any other one with its own bash), not by a list kept by hand.
 */

/** The program that interprets a script: an image's /bin/sh is busybox ash (Alpine) or dash (Debian). */
export type Shell = "busybox" | "dash" | "bash" | "sh";

export interface ShellScript {
  /** Path from lab/ (as the evaluation names a stack's files). */
  readonly file: string;
  readonly shell: Shell;
  /** Why this shell: the service and image that run it, or its `#!` line. */
  readonly because: string;
}

/** What `/bin/sh` is in an image; "sh" (judged as plain POSIX) when the image does not say. */
export function imageSh(image: string): Shell {
  const [repository = "", tag = ""] = image.split("@")[0]!.split(/:(?=[^/]*$)/);
  const name = repository.split("/").pop()!;
  if (name === "alpine" || name === "busybox" || /alpine/.test(tag)) return "busybox";
  if (name === "debian" || name === "ubuntu" || /bookworm|bullseye|trixie|jammy|noble/.test(tag)) return "dash";
  return "sh";
}

const SHELLS: Record<string, (image: string | undefined) => Shell> = {
  sh: (image) => (image ? imageSh(image) : "sh"),
  ash: () => "busybox",
  dash: () => "dash",
  bash: () => "bash",
};

/** The shell a `#!` line names (`#!/bin/sh`, `#!/usr/bin/env bash`), in a given image. */
function fromShebang(content: string, image: string | undefined): Shell | undefined {
  const first = content.split("\n", 1)[0]!;
  if (!first.startsWith("#!")) return undefined;
  const words = first.slice(2).trim().split(/\s+/);
  const program = path.basename(words[0] === "/usr/bin/env" ? (words[1] ?? "") : (words[0] ?? ""));
  return SHELLS[program]?.(image);
}

function runBy(service: ServiceSpec, target: string): Shell | undefined {
  const argv = [...(service.entrypoint ?? []), ...(service.command ?? [])];
  const at = argv.indexOf(target);
  if (at < 1) return undefined;
  return SHELLS[path.basename(argv[0]!)]?.(service.image);
}

export function shellScripts(stacks: readonly StackSpec[], files: ReadonlyMap<string, string>): ShellScript[] {
  const found = new Map<string, ShellScript>();
  const add = (script: ShellScript) => found.set(`${script.file} ${script.shell}`, script);
  const used = new Set<string>();
  for (const stack of stacks) {
    for (const service of stack.services) {
      for (const config of service.configs ?? []) {
        const content = files.get(config.file);
        if (content === undefined) continue;
        used.add(config.file);
        const where = `${stack.name}/${service.name} (${service.image})`;
        const executable = ((config.mode ?? 0o444) & 0o111) !== 0;
        const command = runBy(service, config.target);
        const shebang = fromShebang(content, service.image);
        if (command) add({ file: config.file, shell: command, because: `${where} runs it with ${[...(service.entrypoint ?? []), ...(service.command ?? [])][0]}` });
        else if (config.target.startsWith("/docker-entrypoint-initdb.d/") && config.target.endsWith(".sh")) {
          if (executable && shebang) add({ file: config.file, shell: shebang, because: `${where} executes it by its #! line` });
          else if (!executable) add({ file: config.file, shell: "bash", because: `${where}'s entrypoint sources it (not executable)` });
        } else if (executable && shebang) add({ file: config.file, shell: shebang, because: `${where} mounts it executable` });
      }
    }
  }
  for (const [file, content] of files) {
    const shebang = fromShebang(content, undefined);
    if (!used.has(file) && shebang) add({ file, shell: shebang, because: "its #! line (no service runs it)" });
  }
  return [...found.values()].sort((a, b) => a.file.localeCompare(b.file));
}

let busyboxDialect: boolean | undefined;

/** ShellCheck's dialect for a shell. ShellCheck before 0.10 has no busybox one: dash, whose features busybox ash has, stands in. */
export function shellcheckDialect(shell: Shell): string {
  if (shell !== "busybox") return shell;
  busyboxDialect ??= spawnSync("shellcheck", ["--shell=busybox", "-"], { input: "true\n" }).status === 0;
  return busyboxDialect ? "busybox" : "dash";
}

/** The real shell's own parse of a script (`-n`): busybox ash, dash or bash, as installed here. */
export function parseCommand(shell: Shell): readonly string[] {
  return shell === "busybox" ? ["busybox", "sh", "-n"] : [shell, "-n"];
}
