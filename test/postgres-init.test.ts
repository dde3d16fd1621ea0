import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { OpRef, ServiceSpec } from "../lab/model";
import { renderSecretValue } from "../lib/secret-values";
import { type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../offline/stack-config";
import { service } from "./helpers";
import { layOut, mountedConfigs, mountedSecrets } from "./support/mounted-files";
import { majorVersion, postgresBinDir, psql, type Server, startLikeImage, startServer } from "./support/postgres";
import { freePort } from "./support/engine";
import { describeWith } from "./support/tools";

/**
 * The shared PostgreSQL's init script, run the way the postgres image runs it on its first start
 * (test/support/pg-entrypoint.sh), with its secrets laid out as swarm mounts them, against Debian's
 * PostgreSQL. Then every app on the shared instance logs into each of its databases with the
 * credentials the program gives that app, and a second start on the now non-empty data directory
 * changes nothing. Debian ships PostgreSQL 15; the image runs 17 (the major version is asserted).
 */

const SHARED = "platform_postgres_postgresql";
/** The image's postgres user and the data directory of its PostgreSQL 17 (PGDATA). */
const IMAGE = { uid: 70, gid: 70, pgdata: "/var/lib/postgresql/data", major: 17, sh: "busybox sh" } as const;

/** Each app on the shared instance: the variables that name its databases, its user and its password. */
const CONSUMERS = [
  { service: "application_media_core/sonarr", databases: ["SONARR__POSTGRES__MAINDB", "SONARR__POSTGRES__LOGDB"], user: "SONARR__POSTGRES__USER", password: "SONARR__POSTGRES__PASSWORD" },
  { service: "application_media_core/radarr", databases: ["RADARR__POSTGRES__MAINDB", "RADARR__POSTGRES__LOGDB"], user: "RADARR__POSTGRES__USER", password: "RADARR__POSTGRES__PASSWORD" },
  { service: "application_media_core/prowlarr", databases: ["PROWLARR__POSTGRES__MAINDB", "PROWLARR__POSTGRES__LOGDB"], user: "PROWLARR__POSTGRES__USER", password: "PROWLARR__POSTGRES__PASSWORD" },
  { service: "application_media_support/seerr", databases: ["DB_NAME"], user: "DB_USER", password: "DB_PASS" },
  { service: "platform_monitoring/grafana", databases: ["GF_DATABASE_NAME"], user: "GF_DATABASE_USER", password: "GF_DATABASE_PASSWORD" },
] as const;

function spec(run: OfflineRun, owner: string): ServiceSpec {
  const [stack, name] = owner.split("/");
  return run.lab.stacks.find((candidate) => candidate.name === stack)!.spec.services.find((candidate) => candidate.name === name)!;
}

/** A consumer's variable as the app sees it: plain, or the secret value the program delivers. */
function variable(run: OfflineRun, owner: string, name: string, values: ReadonlyMap<string, string>): string {
  const svc = spec(run, owner);
  if (svc.env?.[name] !== undefined) return svc.env[name]!;
  return renderSecretValue(svc.secretEnv![name]!, values).toString("utf8");
}

const bindir = postgresBinDir();
const sections = ["unshare", "setpriv", "busybox", bindir ? path.join(bindir, "postgres") : "postgres (Debian's postgresql)"];

describeWith(sections, { root: true })(`the shared PostgreSQL's init script, run as the image runs it (Debian's PostgreSQL ${bindir ? majorVersion(bindir) : "?"}; the image runs ${IMAGE.major})`, () => {
  let run: OfflineRun;
  let values: Map<string, string>;
  let dir: string;
  let start: Parameters<typeof startLikeImage>[1];
  let firstStart: string;
  let server: Server | undefined;
  let port: number;
  const socketDir = () => path.join(dir, "sock");

  const serve = async () => {
    const hba = readFileSync(path.join(start.pgdata, "pg_hba.conf"), "utf8").trim().split("\n");
    const method = /^host all all all (\S+)$/.exec(hba[hba.length - 1]!)![1]!;
    server = await startServer(bindir!, { pgdata: start.pgdata, port, socketDir: socketDir(), method, user: "postgres", log: path.join(dir, "postgres.log") });
  };
  const asSuperuser = (sql: string) => psql(bindir!, { host: socketDir(), port, user: String(service(run, SHARED).container.env?.POSTGRES_USER), database: "postgres" }, sql);
  const snapshot = () => [asSuperuser("SELECT rolname || ' ' || coalesce(rolpassword, '') FROM pg_authid ORDER BY 1"), asSuperuser("SELECT datname || ' ' || pg_get_userbyid(datdba) FROM pg_database ORDER BY 1")];

  beforeAll(async () => {
    // Values with quotes, spaces and shell characters, for the credentials the script handles.
    const probe = await runOffline({ stack: "prod" });
    values = new Map([...probe.fakeSecrets].filter(([key]) => key.includes("/")));
    const prod = readStackConfig("prod");
    for (const consumer of CONSUMERS) {
      const svc = spec(probe, consumer.service);
      const ref = (name: string) => svc.secretEnv?.[name] as OpRef | undefined;
      const user = ref(consumer.user);
      if (user) values.set(`${user.item}/${user.field}`, `${user.item}_app`);
      const password = ref(consumer.password)!;
      values.set(`${password.item}/${password.field}`, `it's "${password.item}" $HOME \`id\` ; pw`);
    }
    run = await runOffline({ stack: "prod", rawConfig: { ...prod, "homelab:secrets": JSON.stringify({ source: "config" }), "homelab:secretValues": JSON.stringify(Object.fromEntries(values)) } });

    dir = mkdtempSync(path.join(tmpdir(), "homelab-pg-"));
    chmodSync(dir, 0o755);
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    const stand = { uid: id("-u"), gid: id("-g") };
    const secrets = path.join(dir, "secrets");
    const initdb = path.join(dir, "initdb");
    const pgdata = path.join(dir, "data");
    for (const sub of [secrets, initdb, pgdata, socketDir()]) mkdirSync(sub, { recursive: true });
    for (const owned of [pgdata, socketDir()]) chownSync(owned, stand.uid, stand.gid);
    chmodSync(pgdata, 0o700);
    const mounted = mountedSecrets(run, SHARED);
    const files = layOut(secrets, mounted.map((file) => ({ ...file, target: path.relative("/run/secrets", file.target) })));
    // The image's postgres user (uid 70) is Debian's postgres user here; root stays root.
    mounted.forEach((file, i) => chownSync(files[i]!, file.uid === IMAGE.uid ? stand.uid : file.uid, file.gid === IMAGE.gid ? stand.gid : file.gid));
    layOut(initdb, mountedConfigs(run, SHARED).filter((file) => file.target.startsWith("/docker-entrypoint-initdb.d/")).map((file) => ({ ...file, target: path.basename(file.target) })));
    const env = service(run, SHARED).container.env as Record<string, string>;
    start = { pgdata, secrets, initdb, user: "postgres", env, imageSh: IMAGE.sh };
    port = await freePort();
    firstStart = startLikeImage(bindir!, start);
    await serve();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the service mounts its data where the image keeps it, and its secrets for the image's postgres user", () => {
    const svc = service(run, SHARED);
    expect(svc.container.image).toMatch(new RegExp(`^postgres:${IMAGE.major}-alpine`));
    expect((svc.container.mounts ?? []).map((mount) => mount.target)).toContain(IMAGE.pgdata);
    const appSecrets = mountedSecrets(run, SHARED).filter((file) => file.target !== svc.container.env?.POSTGRES_PASSWORD_FILE);
    expect(appSecrets.length).toBeGreaterThan(0);
    for (const file of appSecrets) expect({ target: file.target, uid: file.uid, gid: file.gid, mode: file.mode }).toEqual({ target: file.target, uid: IMAGE.uid, gid: IMAGE.gid, mode: 0o440 });
  });

  test("the first start runs the init script to its end", () => {
    expect(firstStart).toContain("running");
    expect(firstStart).toContain("All application users and databases created");
    expect(firstStart).toContain("PostgreSQL init process complete");
  });

  test("each app logs into each of its databases with the credentials the program gives it, and can create tables there", () => {
    for (const consumer of CONSUMERS) {
      const user = variable(run, consumer.service, consumer.user, values);
      const password = variable(run, consumer.service, consumer.password, values);
      for (const name of consumer.databases) {
        const database = variable(run, consumer.service, name, values);
        const as = { host: "127.0.0.1", port, user, database, password };
        expect(psql(bindir!, as, "SELECT current_user || ' ' || current_database()")).toBe(`${user} ${database}`);
        expect(psql(bindir!, as, "CREATE TABLE homelab_probe (id int); DROP TABLE homelab_probe; SELECT 'ok'")).toBe("ok");
      }
    }
  });

  test("a wrong password is refused (the logins above are checked, not trusted)", () => {
    const consumer = CONSUMERS[0];
    const as = { host: "127.0.0.1", port, user: variable(run, consumer.service, consumer.user, values), database: variable(run, consumer.service, consumer.databases[0], values), password: "wrong" };
    expect(() => psql(bindir!, as, "SELECT 1")).toThrow(/password authentication failed/);
  });

  test("a second start on the non-empty data directory changes nothing", async () => {
    const before = snapshot();
    await server!.stop();
    server = undefined;
    const second = startLikeImage(bindir!, start);
    expect(second).toContain("Skipping initialization");
    expect(second).not.toContain("running");
    await serve();
    expect(snapshot()).toEqual(before);
  });
});
