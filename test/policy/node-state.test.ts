import { ROLE_LABEL } from "../../lib/naming";
import { SHARED_STORAGE_ROOTS } from "../../policy/lab-lists";
import { bind, type PackConfig, service, SOCKET, type TestResource, violations, volume } from "../support/policy-analyzer";

/** policy/rules/node-state.ts: state on a node pins the service there; databases do not float. */

const PINNED = "node-local-state-is-pinned";
const DATABASES = "databases-not-floating-on-shared-storage";
/** The pack's own first shared root, so that the cases hold for any lab's list. */
const SHARED = SHARED_STORAGE_ROOTS[0]!;

const unpinned = (name: string, state: string, roots = SHARED_STORAGE_ROOTS.join(", ")) =>
  `${PINNED}: ${name} keeps state on the node it runs on (${state}) but no placement constraint pins it ` +
  `(node.hostname == <node> or node.labels.<label> == <value>): rescheduled elsewhere it would start without that state. ` +
  `Mark it stateful (pinned to the storage node) or keep its data under shared storage (${roots}).`;
const floating = (name: string, image: string, source: string) =>
  `${DATABASES}: ${name} runs ${image} (a database engine) on shared storage (${source}) and may float between nodes: ` +
  `databases on network storage risk corruption and lose local-disk semantics. Mark it stateful so it is pinned to the storage node.`;

const CASES: readonly [string, TestResource, readonly string[]][] = [
  ["a local volume, pinned to a host", service("app_op-connect", { mounts: [volume("app_data", "/data")], constraints: ["node.hostname == barbary"] }), []],
  ["a device, pinned by a node label", service("app_gpu", { mounts: [bind("/dev/dri", "/dev/dri")], constraints: ["node.labels.gpu == true"] }), []],
  ["writable binds under shared storage", service("app_radarr", { mounts: [bind(`${SHARED}/radarr/config`, "/config"), bind(SHARED, "/data")] }), []],
  ["read-only binds of the host", service("app_cadvisor", { mounts: [bind("/sys", "/sys", true), bind("/var/lib/docker", "/var/lib/docker", true)] }), []],
  ["a tmpfs", service("app_transcoder", { mounts: [{ type: "tmpfs", target: "/transcode", tmpfsOptions: { sizeBytes: 1024 } }] }), []],
  ["the Docker socket, even writable", service("app_docker-socket-proxy", { labels: { [ROLE_LABEL]: "socket-proxy" }, mounts: [bind(SOCKET, SOCKET)] }), []],
  ["a global service's local state", service("app_agent", { global: true, mounts: [volume("agent_state", "/state"), bind("/var/lib/agent", "/var/lib/agent")] }), []],
  [
    "a volume of the local driver that mounts NFS",
    service("app_nfs", { mounts: [{ ...volume("nfs_data", "/data"), volumeOptions: { driverName: "local", driverOptions: { type: "nfs", o: "addr=nas" } } }] }),
    [],
  ],
  ["a volume of another driver", service("app_shared", { mounts: [{ ...volume("shared_data", "/data"), volumeOptions: { driverName: "rexray" } }] }), []],
  ["an anonymous volume", service("app_scratch", { mounts: [{ type: "volume", target: "/scratch" }] }), []],
  ["a local volume on a floating service", service("app_volume", { mounts: [volume("app_volume_data", "/data")] }), [unpinned("app_volume", "volume app_volume_data")]],
  [
    "a writable bind off shared storage, with a constraint that does not pin",
    service("app_local", { mounts: [bind("/srv/app", "/data"), bind(`${SHARED}/app`, "/config")], constraints: ["node.hostname != barbary"] }),
    [unpinned("app_local", "bind /srv/app")],
  ],
  ["a device on a floating service", service("app_gpu", { mounts: [bind("/dev/dri", "/dev/dri")] }), [unpinned("app_gpu", "device /dev/dri")]],
  ["a path that climbs out of shared storage", service("app_escape", { mounts: [bind(`${SHARED}/../escape`, "/data")] }), [unpinned("app_escape", `bind ${SHARED}/../escape`)]],
  [
    "a database engine floating on shared storage (advised against)",
    service("platform_authentik_postgresql", { image: "postgres:18", mounts: [bind(`${SHARED}/authentik/postgres`, "/var/lib/postgresql")] }),
    [floating("platform_authentik_postgresql", "postgres", `${SHARED}/authentik/postgres`)],
  ],
  [
    "a database engine pinned to its node",
    service("platform_postgres_postgresql", { image: "postgres:17-alpine", mounts: [bind(`${SHARED}/postgres/data`, "/var/lib/postgresql/data")], constraints: ["node.hostname == barbary"] }),
    [],
  ],
  ["a cache that is no database engine", service("app_cache", { image: "redis:8-alpine", mounts: [bind(`${SHARED}/cache`, "/data")] }), []],
];

const CONFIG_CASES: readonly [string, TestResource, PackConfig, readonly string[]][] = [
  ["without further shared roots", service("app_local", { mounts: [bind("/srv/nfs/app", "/data")] }), {}, [unpinned("app_local", "bind /srv/nfs/app")]],
  ["with a further shared root", service("app_local", { mounts: [bind("/srv/nfs/app", "/data")] }), { [PINNED]: { sharedStorageRoots: ["/srv/nfs"] } }, []],
  [
    "with a further database image",
    service("app_cache", { image: "redis:8-alpine", mounts: [bind(`${SHARED}/cache`, "/data")] }),
    { [DATABASES]: { databaseImages: ["redis"] } },
    [floating("app_cache", "redis", `${SHARED}/cache`)],
  ],
];

describe("node-local-state-is-pinned and databases-not-floating-on-shared-storage", () => {
  it.each(CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations([PINNED, DATABASES], resource)).toEqual(expected);
  });

  it.each(CONFIG_CASES)("config: %s", async (_sentence, resource, config, expected) => {
    expect(await violations([PINNED, DATABASES], resource, config)).toEqual(expected);
  });
});
