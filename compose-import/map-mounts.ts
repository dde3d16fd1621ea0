import { bind, type ConfigFile, hostBind, type Mount, tmpfs, volume } from "../lab/model";
import { DOCKER_SOCKETS, normalisePath, systemPathOf } from "../evaluation/host-paths";
import { swarmName } from "../lib/naming";
import { integer, list, type Loose, record, text } from "./compose";
import { configIdentity } from "./map-secrets";
import type { StackImportContext } from "./context";

/**
 * A compose service's `volumes:` (long form, as `docker stack config` prints them) as the lab's
 * mounts: binds, the stack's named volumes and tmpfs. The Docker socket is only ever mounted by
 * the lab's socket proxy, and a system path needs a reason, which the import writes and notes for
 * review. Pure.
 */

/** Settings swarm gives no effect, which `docker stack config` adds to every short-syntax bind. */
const WITHOUT_EFFECT = new Set(["create_host_path"]);

/** Whether `file` is `dir` or inside it. */
const inside = (file: string, dir: string) => file === dir || file.startsWith(`${dir.replace(/\/+$/, "")}/`);

export function mapMounts(at: readonly string[], service: Loose, ctx: StackImportContext, swarm: string): { mounts: Mount[]; configs: ConfigFile[] } {
  const configs: ConfigFile[] = [];
  const mounts = list(service.volumes).flatMap((entry, index): Mount[] => {
    const mount = record(entry);
    const where = [...at, "volumes", index];
    const [type, source, target] = [text(mount.type), text(mount.source), text(mount.target) ?? ""];
    const readOnly = mount.read_only === true;
    const drop = (why: string): Mount[] => {
      ctx.notes.add("not-representable", where, why, { service: swarm, fields: ["mounts"] });
      return [];
    };
    for (const key of Object.keys(mount).filter((key) => !["type", "source", "target", "read_only", type ?? ""].includes(key))) {
      ctx.notes.add("not-representable", [...where, key], `a mount's ${key} is not in the lab's vocabulary`);
    }
    for (const key of Object.keys(record(mount[type ?? ""])).filter((key) => !WITHOUT_EFFECT.has(key) && !(type === "tmpfs" && key === "size"))) {
      ctx.notes.add("not-representable", [...where, type ?? "", key], `${type}.${key} is not in the lab's vocabulary`);
    }
    if (type === "bind" && source !== undefined && inside(source, ctx.composeDir)) {
      // A file of the compose project, bound from the machine that deploys: the lab ships it as a config.
      if (ctx.isFile(source)) {
        const file = ctx.ship(source);
        configs.push({ file, target });
        ctx.notes.add("changed", where, `a file beside the compose file: shipped from the stack's folder (${file}) as a swarm config`, {
          service: swarm,
          fields: ["mounts", "configs"],
          missing: [{ kind: "config", name: configIdentity(swarm, target) }],
        });
        return [];
      }
      ctx.notes.add("changed", where, `${source} is bound from the machine that deploys, as written: it must exist on every node the service may run on (the lab ships files, not folders)`);
    }
    if (type === "bind" && source !== undefined) {
      if (DOCKER_SOCKETS.includes(normalisePath(source))) return drop("the Docker socket: in the lab only a socketProxy() service mounts it; give this service a socket proxy (lab/shared/socket-proxy.ts)");
      if (systemPathOf(source) !== undefined) {
        ctx.notes.add("changed", where, `${source} is a system path of the node: its reason was written for you; review it`);
        return [hostBind(source, target, `bound by the compose file (${ctx.notes.at(where)}); review why the service needs ${source}`, { readOnly })];
      }
      return [bind(source, target, readOnly)];
    }
    if (type === "volume") {
      if (source === undefined) return drop("an anonymous volume: the lab mounts only the stack's named volumes");
      const declared = record(ctx.volumes[source]);
      if (declared.external === true || (text(declared.name) !== undefined && text(declared.name) !== swarmName(ctx.stack, source))) {
        return drop(`volume "${source}" is named ${text(declared.name) ?? source} outside the stack; the lab's volumes are <stack>_<name>`);
      }
      for (const key of Object.keys(declared).filter((key) => key !== "name")) {
        ctx.notes.add("not-representable", ["volumes", source, key], `volumes.${source}.${key}: the engine creates the stack's volumes with the local driver`);
      }
      return [readOnly ? { type: "volume", name: source, target, readOnly } : volume(source, target)];
    }
    if (type === "tmpfs") return [tmpfs(target, integer(record(mount.tmpfs).size))];
    return drop(`a ${type ?? "typeless"} mount is not in the lab's vocabulary`);
  });
  return { mounts, configs };
}
