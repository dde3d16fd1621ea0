import type { EvaluatedLab } from "./evaluate-lab";
import { isUnder } from "./host-paths";

/**
 * The host directories a fresh one-node swarm needs before `pulumi up` (the dev stack, the
 * round-trip workflow): every bind source under the lab's data roots, each owned by the user its
 * service runs as, so a service that runs as a non-root user (Caddy, the media apps) can write its
 * data there. Never a path outside the roots (the Docker socket, the engine's data root).
 */

export interface BindSource {
  readonly path: string;
  /** Numeric owner: the service's `user` (`uid:gid`), else its `PUID`/`PGID`, else root. */
  readonly uid: number;
  readonly gid: number;
  /** The services that bind it (`<stack>/<service>`). */
  readonly services: readonly string[];
}

/** Who a service runs as, numerically, as far as its declaration says. */
function ownerOf(plan: EvaluatedLab["stacks"][number]["services"][number]): { uid: number; gid: number } {
  const user = /^(\d+):(\d+)$/.exec(plan.user ?? "");
  if (user) return { uid: Number(user[1]), gid: Number(user[2]) };
  // linuxserver.io images start as root and drop to PUID:PGID, which then owns what they write.
  const [puid, pgid] = [plan.env.PUID, plan.env.PGID];
  if (puid !== undefined && /^\d+$/.test(puid) && pgid !== undefined && /^\d+$/.test(pgid)) return { uid: Number(puid), gid: Number(pgid) };
  return { uid: 0, gid: 0 };
}

/** Every bind source under `roots`, sorted; a path two services bind as different owners is an error. */
export function bindSources(lab: Pick<EvaluatedLab, "stacks">, roots: readonly string[]): BindSource[] {
  const byPath = new Map<string, BindSource>();
  const problems: string[] = [];
  for (const plan of lab.stacks.flatMap((stack) => stack.services)) {
    const owner = ownerOf(plan);
    for (const mount of plan.mounts) {
      if (mount.type !== "bind" || mount.source === undefined || !roots.some((root) => isUnder(mount.source!, root))) continue;
      const known = byPath.get(mount.source);
      const service = `${plan.stack}/${plan.name}`;
      if (known && (known.uid !== owner.uid || known.gid !== owner.gid)) {
        problems.push(`${mount.source}: ${known.services.join(", ")} run as ${known.uid}:${known.gid}, ${service} as ${owner.uid}:${owner.gid}; give them one owner`);
        continue;
      }
      byPath.set(mount.source, { path: mount.source, ...owner, services: [...(known?.services ?? []), service] });
    }
  }
  if (problems.length > 0) throw new Error(`bind sources with two owners: ${problems.join("; ")}`);
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}
