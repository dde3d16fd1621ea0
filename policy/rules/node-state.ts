import { type ResourceValidationArgs, type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isUnder } from "../../evaluation/host-paths";
import { SHARED_STORAGE_ROOTS } from "../lab-lists";
import { containerOf, DockerService, imageOf, list, nameOf, type ServiceProps, stringList } from "./resources";
import { socketExposure } from "./socket-access";

/** Services that keep state on a node are pinned to it; databases do not float over NFS. */

function sharedRoots(args: ResourceValidationArgs): string[] {
  return [...SHARED_STORAGE_ROOTS, ...stringList(args.getConfig<{ sharedStorageRoots?: unknown }>().sharedStorageRoots).filter((root) => root.startsWith("/"))];
}

/** `node.hostname == x`, `node.id == x`, `node.labels.k == v`: constraints that fix the node. */
const PIN_CONSTRAINT = /^\s*node\.(?:hostname|id|labels\.[^\s=!]+)\s*==\s*\S+/;

function isPinned(service: ServiceProps): boolean {
  return list(service.taskSpec?.placement?.constraints).some((constraint) => typeof constraint === "string" && PIN_CONSTRAINT.test(constraint));
}

/** A global service runs one task on every node and never moves: its node-local state stays put. */
function staysPut(service: ServiceProps): boolean {
  return service.mode?.global === true || isPinned(service);
}

const SHARED_VOLUME_TYPES = new Set(["nfs", "nfs4", "cifs", "smb"]);

/**
 * Mounts that tie a task to the node it runs on: a named volume of the local driver (created empty
 * on whichever node the task lands), a writable bind of a host path outside shared storage
 * (node-local disk, or a device such as /dev/dri). Read-only binds (host introspection, inputs),
 * tmpfs, anonymous volumes and the Docker socket keep no state a task could lose by moving.
 */
function nodeLocalState(service: ServiceProps, roots: readonly string[]): string[] {
  const found: string[] = [];
  for (const mount of list(containerOf(service).mounts)) {
    if (mount?.type === "volume") {
      // An anonymous volume is created afresh for every task: nothing in it survives a reschedule.
      if (typeof mount.source !== "string" || mount.source === "") continue;
      const driver = mount.volumeOptions?.driverName;
      const fsType = mount.volumeOptions?.driverOptions?.type;
      const shared = (driver !== undefined && driver !== "" && driver !== "local") || (typeof fsType === "string" && SHARED_VOLUME_TYPES.has(fsType));
      if (!shared) found.push(`volume ${mount.source}`);
    } else if (mount?.type === "bind" && typeof mount.source === "string" && mount.readOnly !== true) {
      if (socketExposure(mount) === "socket") continue;
      if (!roots.some((root) => isUnder(mount.source!, root))) found.push(`${mount.source.startsWith("/dev/") ? "device" : "bind"} ${mount.source}`);
    }
  }
  return found;
}

const sharedRootsSchema = {
  type: "array" as const,
  description: "Further host paths that are the same storage on every node (NFS), added to the lab's (policy/lab-lists.ts).",
  items: { type: "string" as const, pattern: "^/" },
};

export const nodeLocalStateIsPinned: ResourceValidationPolicy = {
  name: "node-local-state-is-pinned",
  description:
    "A replicated service that keeps state on its node (a local named volume, a writable bind outside shared storage, a device) has a placement constraint on node.hostname, node.id or a node label, so a rescheduled task finds its state.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { sharedStorageRoots: sharedRootsSchema } },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    if (staysPut(service)) return;
    const roots = sharedRoots(args);
    const state = nodeLocalState(service, roots);
    if (state.length === 0) return;
    reportViolation(
      `${nameOf(service, args)} keeps state on the node it runs on (${state.join(", ")}) but no placement constraint pins it ` +
        `(node.hostname == <node> or node.labels.<label> == <value>): rescheduled elsewhere it would start without that state. ` +
        `Mark it stateful (pinned to the storage node) or keep its data under shared storage (${roots.join(", ")}).`,
    );
  }),
};

/** Engines whose data files need a local disk's locking and fsync semantics (repository base names). */
const DATABASE_IMAGES: readonly string[] = [
  "postgres",
  "postgresql",
  "postgis",
  "timescaledb",
  "timescaledb-ha",
  "mariadb",
  "mysql",
  "mongo",
  "influxdb",
  "prometheus",
  "couchdb",
  "elasticsearch",
  "opensearch",
  "clickhouse-server",
  "etcd",
];

export const databasesNotFloatingOnSharedStorage: ResourceValidationPolicy = {
  name: "databases-not-floating-on-shared-storage",
  description:
    "A database engine (by image) that writes its files to shared (network) storage should be pinned to the storage node like the lab's other databases, not float between nodes over NFS.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      sharedStorageRoots: sharedRootsSchema,
      databaseImages: { type: "array", description: "Further image base names to treat as databases.", items: { type: "string", minLength: 1 } },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    if (staysPut(service)) return;
    const image = imageOf(service);
    if (!image) return;
    const engines = new Set([...DATABASE_IMAGES, ...stringList(args.getConfig<{ databaseImages?: unknown }>().databaseImages)]);
    if (!engines.has(image.name.split("/").pop()!)) return;
    const roots = sharedRoots(args);
    const shared = list(containerOf(service).mounts).filter(
      (mount) => mount?.type === "bind" && mount.readOnly !== true && typeof mount.source === "string" && roots.some((root) => isUnder(mount.source!, root)),
    );
    for (const mount of shared) {
      reportViolation(
        `${nameOf(service, args)} runs ${image.name} (a database engine) on shared storage (${mount.source}) and may float between nodes: ` +
          `databases on network storage risk corruption and lose local-disk semantics. Mark it stateful so it is pinned to the storage node.`,
      );
    }
  }),
};
