import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { STACKS } from "../lab";
import type { StackDefinition } from "../lab/model";
import postgresStack from "../lab/stacks/platform/postgres";
import { type OfflineRun, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { service } from "./helpers";
import { layOut, mountedConfigs, mountedSecrets } from "./support/mounted-files";
import { clients, PROVISIONER, provisioned, SHARED_POSTGRES } from "./support/postgres-clients";
import { majorVersion, postgresBinDir, psql, type Server, startLikeImage, startProvisioner, startServer } from "./support/postgres";
import { freePort } from "../servers/engine";
import { describeWith } from "../servers/tools";

/**
 * The shared PostgreSQL and the pg-provision service that gives each app its user and databases
 * there. Offline: every client the lab declares is provisioned with the credentials it is given.
 * Then for real, against Debian's PostgreSQL: an instance initialised as the image's entrypoint
 * does it (test/support/pg-entrypoint.sh), init-databases.sh run as the service runs it until the
 * service's own health check passes, and every client logs into each of its databases; a rerun, a
 * restart, an app added to the running instance and a rotated password. Debian ships PostgreSQL
 * 15; the image runs 17 (the major version is asserted).
 */

/** The image's postgres user and the data directory of its PostgreSQL 17 (PGDATA). */
const IMAGE = { uid: 70, gid: 70, pgdata: "/var/lib/postgresql/data", major: 17, sh: "busybox sh" } as const;
const POSTGRES_STACK_FILE = require.resolve("../lab/stacks/platform/postgres");

/**
 * The lab with `entry` added to the `apps` list of lab/stacks/platform/postgres/index.ts, the way a user
 * adds an app: the stack file's own text, edited and evaluated (never written back).
 */
function labWithApp(entry: string): StackDefinition[] {
  const source = readFileSync(POSTGRES_STACK_FILE, "utf8");
  const list = /const apps\b[^=]*= \[\n/.exec(source);
  if (!list) throw new Error("lab/stacks/platform/postgres/index.ts has no `const apps ... = [` list");
  const edited = `${source.slice(0, list.index + list[0].length)}    ${entry}\n${source.slice(list.index + list[0].length)}`;
  const js = ts.transpileModule(edited, { compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true } }).outputText;
  const exports: { default?: StackDefinition } = {};
  const load = (id: string) => require(id.startsWith(".") ? path.resolve(path.dirname(POSTGRES_STACK_FILE), id) : id);
  new Function("exports", "require", js)(exports, load);
  return STACKS.map((define) => (define === postgresStack ? exports.default! : define));
}

/** The lab's config with secrets from config: `values` instead of 1Password. */
function withValues(values: ReadonlyMap<string, string>, definitions?: readonly StackDefinition[]): Promise<OfflineRun> {
  const raw = { ...readStackConfig("prod"), "homelab:secrets": JSON.stringify({ source: "config" }), "homelab:secretValues": JSON.stringify(Object.fromEntries(values)) };
  return runOffline({ stack: "prod", rawConfig: raw, ...(definitions ? { deploy: { definitions } } : {}) });
}

/** Every 1Password field the run read, the ones pg-provision gets as logins made awkward: quotes, spaces, shell characters. */
function awkwardValues(run: OfflineRun): Map<string, string> {
  const keyOf = new Map([...run.fakeSecrets].map(([key, value]) => [value, key]));
  const values = new Map([...run.fakeSecrets].filter(([key]) => key.includes("/")));
  for (const file of mountedSecrets(run, PROVISIONER)) {
    const key = keyOf.get(file.content.toString("utf8"));
    const name = /^\/run\/secrets\/(.+)_(user|password)$/.exec(file.target);
    if (key && name) values.set(key, name[2] === "user" ? `${name[1]}_app` : `it's "${name[1]}" $HOME \`id\` ; pw`);
  }
  return values;
}

test("every client of the shared PostgreSQL is one pg-provision creates: its user, its password and each of its databases", async () => {
  const run = await runOffline({ stack: "prod" });
  const found = clients(run);
  expect(found.length).toBeGreaterThan(0);
  const logins = provisioned(run);
  for (const client of found) {
    const login = logins.find((candidate) => candidate.user === client.user);
    expect({ client: client.service, user: client.user, declared: login !== undefined }).toEqual({ client: client.service, user: client.user, declared: true });
    expect({ client: client.service, passwordMatches: login!.password === client.password }).toEqual({ client: client.service, passwordMatches: true });
    expect({ client: client.service, missing: client.databases.filter((database) => !login!.databases.includes(database)) }).toEqual({ client: client.service, missing: [] });
  }
});

const bindir = postgresBinDir();
const sections = ["unshare", "setpriv", "nsenter", "busybox", bindir ? path.join(bindir, "postgres") : "postgres (Debian's postgresql)"];

describeWith(sections, { root: true })(`the shared PostgreSQL and pg-provision, for real (Debian's PostgreSQL ${bindir ? majorVersion(bindir) : "?"}; the image runs ${IMAGE.major})`, () => {
  const PROBE = { app: "probe", databases: ["probe-main", "probe-log"] };
  const probeEntry = `{ app: "${PROBE.app}", user: op("pg-probe", "user"), password: op("pg-probe", "password"), databases: ${JSON.stringify(PROBE.databases)} },`;
  let run: OfflineRun;
  let values: Map<string, string>;
  let dir: string;
  let start: Parameters<typeof startLikeImage>[1];
  let firstStart: string;
  let firstProvision: string;
  let server: Server | undefined;
  let port: number;
  let runs = 0;
  const socketDir = () => path.join(dir, "sock");

  const serve = async () => {
    const hba = readFileSync(path.join(start.pgdata, "pg_hba.conf"), "utf8").trim().split("\n");
    const method = /^host all all all (\S+)$/.exec(hba[hba.length - 1]!)![1]!;
    server = await startServer(bindir!, { pgdata: start.pgdata, port, socketDir: socketDir(), method, user: "postgres", log: path.join(dir, "postgres.log") });
  };
  const asSuperuser = (sql: string) => psql(bindir!, { host: socketDir(), port, user: String(service(run, SHARED_POSTGRES).container.env?.POSTGRES_USER), database: "postgres" }, sql);
  const snapshot = () => [asSuperuser("SELECT rolname || ' ' || coalesce(rolpassword, '') FROM pg_authid ORDER BY 1"), asSuperuser("SELECT datname || ' ' || pg_get_userbyid(datdba) FROM pg_database ORDER BY 1")];
  const login = (user: string, password: string, database: string) => ({ host: "127.0.0.1", port, user, database, password });

  /** One task of pg-provision from what `of` registered, until its health check passes; its log. */
  const provision = async (of: OfflineRun): Promise<string> => {
    const at = path.join(dir, `provision-${++runs}`);
    const provisioner = service(of, PROVISIONER);
    const secrets = mountedSecrets(of, PROVISIONER);
    layOut(path.join(at, "secrets"), secrets.map((file) => ({ ...file, target: path.relative("/run/secrets", file.target) }))).forEach((file, i) => chownSync(file, secrets[i]!.uid, secrets[i]!.gid));
    const [shell, target] = provisioner.container.args as string[];
    expect(shell).toBe("/bin/sh");
    const script = path.join(at, "init-databases.sh");
    writeFileSync(script, mountedConfigs(of, PROVISIONER).find((file) => file.target === target)!.content);
    const env = { ...(provisioner.container.env as Record<string, string>), PGHOST: "127.0.0.1", PGPORT: String(port) };
    const task = startProvisioner(bindir!, { secrets: path.join(at, "secrets"), script, env, imageSh: IMAGE.sh, healthcheck: provisioner.container.healthcheck?.tests ?? [], log: path.join(at, "log") });
    try {
      expect(task.healthy()).toBe(false);
      await task.untilHealthy();
    } finally {
      await task.stop();
    }
    return readFileSync(path.join(at, "log"), "utf8");
  };

  beforeAll(async () => {
    values = awkwardValues(await runOffline({ stack: "prod" }));
    run = await withValues(values);

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
    const mounted = mountedSecrets(run, SHARED_POSTGRES);
    const files = layOut(secrets, mounted.map((file) => ({ ...file, target: path.relative("/run/secrets", file.target) })));
    // The image's postgres user (uid 70) is Debian's postgres user here; root stays root.
    mounted.forEach((file, i) => chownSync(files[i]!, file.uid === IMAGE.uid ? stand.uid : file.uid, file.gid === IMAGE.gid ? stand.gid : file.gid));
    layOut(initdb, mountedConfigs(run, SHARED_POSTGRES).filter((file) => file.target.startsWith("/docker-entrypoint-initdb.d/")).map((file) => ({ ...file, target: path.basename(file.target) })));
    const env = service(run, SHARED_POSTGRES).container.env as Record<string, string>;
    start = { pgdata, secrets, initdb, user: "postgres", env, imageSh: IMAGE.sh };
    port = await freePort();
    firstStart = startLikeImage(bindir!, start);
    await serve();
    firstProvision = await provision(run);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the instance keeps its data where the image does and mounts only its own password; pg-provision's secrets are root's alone", () => {
    const instance = service(run, SHARED_POSTGRES);
    expect(instance.container.image).toMatch(new RegExp(`^postgres:${IMAGE.major}-alpine`));
    expect((instance.container.mounts ?? []).map((mount) => mount.target)).toContain(IMAGE.pgdata);
    expect(mountedSecrets(run, SHARED_POSTGRES).map((file) => file.target)).toEqual([instance.container.env?.POSTGRES_PASSWORD_FILE]);
    const secrets = mountedSecrets(run, PROVISIONER);
    expect(secrets.length).toBeGreaterThan(1);
    for (const file of secrets) expect({ target: file.target, uid: file.uid, gid: file.gid, mode: file.mode }).toEqual({ target: file.target, uid: 0, gid: 0, mode: 0o400 });
  });

  test("a new instance initialises without the apps; pg-provision waits for it, provisions every app, then turns healthy", () => {
    expect(firstStart).toContain("PostgreSQL init process complete");
    expect(firstStart).not.toContain("running ");
    for (const app of provisioned(run)) for (const database of app.databases) expect(firstProvision).toContain(`database ${database}: owner ${app.user}`);
    expect(firstProvision).toContain("created, or its password set");
    expect(firstProvision).toContain("all application users and databases provisioned");
  });

  test("each client logs into each of its databases with the credentials the program gives it, and can create tables there", () => {
    const found = clients(run);
    expect(found.length).toBeGreaterThan(0);
    for (const client of found) {
      for (const database of client.databases) {
        const as = login(client.user, client.password, database);
        expect(psql(bindir!, as, "SELECT current_user || ' ' || current_database()")).toBe(`${client.user} ${database}`);
        expect(psql(bindir!, as, "CREATE TABLE homelab_probe (id int); DROP TABLE homelab_probe; SELECT 'ok'")).toBe("ok");
      }
    }
  });

  test("a wrong password is refused (the logins above are checked, not trusted)", () => {
    const client = clients(run)[0]!;
    expect(() => psql(bindir!, login(client.user, "wrong", client.databases[0]!), "SELECT 1")).toThrow(/password authentication failed/);
  });

  test("another run on the provisioned instance changes nothing: every user logs in already, every database exists", async () => {
    const before = snapshot();
    const again = await provision(run);
    expect(again).not.toContain("created, or its password set");
    expect(snapshot()).toEqual(before);
  });

  test("a restart of PostgreSQL on its data directory skips initialisation and changes nothing", async () => {
    const before = snapshot();
    await server!.stop();
    server = undefined;
    const second = startLikeImage(bindir!, start);
    expect(second).toContain("Skipping initialization");
    await serve();
    expect(snapshot()).toEqual(before);
  });

  test("an app added to the postgres stack file of a running lab gets its user and databases from the next pg-provision task; the others keep their data and passwords", async () => {
    const keeper = clients(run)[0]!;
    psql(bindir!, login(keeper.user, keeper.password, keeper.databases[0]!), "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before the new app')");
    const passwordsBefore = asSuperuser("SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL ORDER BY 1");
    const serverPid = server!.pid;

    const added = await withValues(new Map([...values, ["pg-probe/user", "probe_app"], ["pg-probe/password", "probe's \"new\" $PATH"]]), labWithApp(probeEntry));
    const log = await provision(added);
    expect(log).toContain("user probe_app: created, or its password set");
    for (const database of PROBE.databases) {
      expect(psql(bindir!, login("probe_app", "probe's \"new\" $PATH", database), "CREATE TABLE t (id int); SELECT current_user || ' ' || current_database()")).toBe(`probe_app ${database}`);
    }
    expect(server!.pid).toBe(serverPid);
    expect(psql(bindir!, login(keeper.user, keeper.password, keeper.databases[0]!), "SELECT note FROM kept")).toBe("before the new app");
    expect(asSuperuser("SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL AND rolname <> 'probe_app' ORDER BY 1")).toBe(passwordsBefore);
  });

  test("a rotated password reaches the running instance with the next task: the new one logs in, the old one no longer does", async () => {
    const rotatedApp = provisioned(run)[0]!;
    const keyOf = new Map([...values].map(([key, value]) => [value, key]));
    const rotated = await withValues(new Map([...values, [keyOf.get(rotatedApp.password)!, "a 'rotated' password"]]));
    await provision(rotated);
    const database = rotatedApp.databases[0]!;
    expect(psql(bindir!, login(rotatedApp.user, "a 'rotated' password", database), "SELECT current_user")).toBe(rotatedApp.user);
    expect(() => psql(bindir!, login(rotatedApp.user, rotatedApp.password, database), "SELECT 1")).toThrow(/password authentication failed/);
  });
});
