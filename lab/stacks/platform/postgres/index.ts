import { bind, defineStack, op, type OpRef, opTemplateFile, pgIsReady, restartUpTo, SecretEnv, type SecretFile, type StackSpec } from "../../../model";

/**
 * The shared PostgreSQL instance (the *arr apps, Seerr and Grafana), the service that gives each
 * app its user and databases there, and the nightly dump loop. Its `postgres` network is a shared
 * one (`lab/networks.ts`), so this stack declares none.
 */
export default defineStack((lab): StackSpec => {
  const image = "postgres:17-alpine";
  const superuser = { name: "homelab", password: op("postgres-shared", "password") };

  /**
   * Every app on this instance, declared once: its user (name and password from its 1Password
   * item, the same fields its own service reads) and its databases. pg-provision creates what is
   * missing and resets a password that no longer logs in, on a new instance and a running one.
   */
  const apps: { app: string; user: OpRef; password: OpRef; databases: string[] }[] = [
    { app: "sonarr", user: op("sonarr", "SONARR_POSTGRES_USER"), password: op("sonarr", "SONARR_POSTGRES_PASS"), databases: ["sonarr-main", "sonarr-log"] },
    { app: "radarr", user: op("radarr", "RADARR_POSTGRES_USER"), password: op("radarr", "RADARR_POSTGRES_PASS"), databases: ["radarr-main", "radarr-log"] },
    { app: "prowlarr", user: op("prowlarr", "PROWLARR_POSTGRES_USER"), password: op("prowlarr", "PROWLARR_POSTGRES_PASS"), databases: ["prowlarr-main", "prowlarr-log"] },
    { app: "seerr", user: op("seerr", "DB_USER"), password: op("seerr", "DB_PASS"), databases: ["seerr"] },
  ];
  /** Grafana logs in as the superuser, as in the running lab: its database is the superuser's. */
  const superuserDatabases = ["grafana"];

  // Read as root by init-databases.sh (the service runs as root); nobody else needs them.
  const rootOnly = { uid: 0, gid: 0, mode: 0o400 };
  const superuserPassword: SecretFile = { target: "/run/secrets/superuser_password", value: superuser.password, ...rootOnly };
  const logins: SecretFile[] = apps.flatMap(({ app, user, password }) => [
    { target: `/run/secrets/${app}_user`, value: user, ...rootOnly },
    { target: `/run/secrets/${app}_password`, value: password, ...rootOnly },
  ]);

  return {
    name: "platform_postgres",
    tier: "platform",
    description: "Shared PostgreSQL for the *arr apps, Seerr and Grafana, its apps' users and databases, and a daily pg_dumpall backup",
    services: [
      {
        name: "postgresql",
        image,
        networks: ["postgres"],
        stateful: true,
        restart: restartUpTo(3),
        env: { POSTGRES_USER: superuser.name },
        secretEnv: { POSTGRES_PASSWORD: superuser.password },
        secretEnvDelivery: SecretEnv.postgres,
        mounts: [bind(lab.appdata("postgres/data"), "/var/lib/postgresql/data")],
        healthcheck: pgIsReady(superuser.name),
        monitors: [
          {
            id: "postgres-shared",
            type: "port",
            settings: { name: "PostgreSQL (Shared)", hostname: "postgresql", port: "5432", interval: "60", maxretries: "3" },
          },
        ],
        limits: { cpus: "2", memory: "2048M" },
        reservations: { cpus: "0.5", memory: "512M" },
      },
      {
        // Healthy once every user and database exists, so an `up` that adds an app waits for its
        // database before it creates the app (its stack depends on this one) and rolls back if it fails.
        name: "pg-provision",
        image,
        networks: ["postgres"],
        restart: { condition: "any", delay: "30s" },
        env: {
          PGHOST: "postgresql",
          PGUSER: superuser.name,
          POSTGRES_PASSWORD_FILE: superuserPassword.target,
          APP_DATABASES: apps.map(({ app, databases }) => `${app}:${databases.join(",")}`).join(" "),
          SUPERUSER_DATABASES: superuserDatabases.join(" "),
        },
        secretFiles: [superuserPassword, ...logins],
        configs: [{ file: "init-databases.sh", target: "/usr/local/bin/init-databases.sh", mode: 0o555 }],
        command: ["/bin/sh", "/usr/local/bin/init-databases.sh"],
        healthcheck: { test: ["CMD-SHELL", "test -f /tmp/provisioned"], interval: "10s", timeout: "5s", retries: 3, startPeriod: "2m" },
        limits: { cpus: "0.25", memory: "64M" },
      },
      {
        name: "pg-backup",
        image,
        networks: ["postgres"],
        stateful: true,
        restart: restartUpTo(3, "60s"),
        env: { PGHOST: "postgresql", PGUSER: superuser.name, PGPASSFILE: "/run/secrets/pgpass" },
        // libpq ignores a password file that group or others can read.
        secretFiles: [{ target: "/run/secrets/pgpass", value: opTemplateFile("pgpass"), uid: 0, gid: 0, mode: 0o400 }],
        configs: [{ file: "pg-backup.sh", target: "/usr/local/bin/pg-backup.sh", mode: 0o555 }],
        command: ["/bin/sh", "/usr/local/bin/pg-backup.sh"],
        mounts: [bind(lab.backups("postgres"), "/backups")],
        limits: { cpus: "0.5", memory: "256M" },
      },
    ],
  };
});
