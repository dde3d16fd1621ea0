import { bind, defineStack, op, opTemplateFile, pgIsReady, restartUpTo, SecretEnv, type SecretFile, type StackSpec } from "../../model";

/**
 * The shared PostgreSQL instance (the *arr apps, Seerr and Grafana) and its nightly dump loop.
 * Its `postgres` network is a shared one (`lab/networks.ts`), so this stack declares none.
 */
export default defineStack((lab): StackSpec => {
  const image = "postgres:17-alpine";
  const postgresUser = { uid: 70, gid: 70 }; // the alpine image's postgres user, which runs the init scripts

  /** Each app's database user and password, read by init-databases.sh on first boot only. */
  const appUsers = [
    { app: "SONARR", item: "sonarr", user: "SONARR_POSTGRES_USER", pass: "SONARR_POSTGRES_PASS" },
    { app: "RADARR", item: "radarr", user: "RADARR_POSTGRES_USER", pass: "RADARR_POSTGRES_PASS" },
    { app: "PROWLARR", item: "prowlarr", user: "PROWLARR_POSTGRES_USER", pass: "PROWLARR_POSTGRES_PASS" },
    { app: "SEERR", item: "seerr", user: "DB_USER", pass: "DB_PASS" },
  ];
  const appCredentials: SecretFile[] = appUsers.flatMap(({ app, item, user, pass }) => [
    { target: `/run/secrets/${app}_POSTGRES_USER`, value: op(item, user), ...postgresUser },
    { target: `/run/secrets/${app}_POSTGRES_PASS`, value: op(item, pass), ...postgresUser },
  ]);

  return {
    name: "platform_postgres",
    tier: "platform",
    description: "Shared PostgreSQL for the *arr apps, Seerr and Grafana, with a daily pg_dumpall backup",
    services: [
      {
        name: "postgresql",
        image,
        networks: ["postgres"],
        stateful: true,
        restart: restartUpTo(3),
        env: { POSTGRES_USER: "homelab" },
        secretEnv: { POSTGRES_PASSWORD: op("postgres-shared", "password") },
        secretEnvDelivery: SecretEnv.postgres,
        secretFiles: appCredentials,
        configs: [
          // Executable, so the entrypoint runs it instead of sourcing it into its own shell.
          { file: "platform_postgres/init-databases.sh", target: "/docker-entrypoint-initdb.d/init-databases.sh", mode: 0o555 },
        ],
        mounts: [bind(lab.appdata("postgres/data"), "/var/lib/postgresql/data")],
        healthcheck: pgIsReady("homelab"),
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
        name: "pg-backup",
        image,
        networks: ["postgres"],
        stateful: true,
        restart: restartUpTo(3, "60s"),
        env: { PGHOST: "postgresql", PGUSER: "homelab", PGPASSFILE: "/run/secrets/pgpass" },
        // libpq ignores a password file that group or others can read.
        secretFiles: [{ target: "/run/secrets/pgpass", value: opTemplateFile("platform_postgres/pgpass"), uid: 0, gid: 0, mode: 0o400 }],
        configs: [{ file: "platform_postgres/pg-backup.sh", target: "/usr/local/bin/pg-backup.sh", mode: 0o555 }],
        command: ["/bin/sh", "/usr/local/bin/pg-backup.sh"],
        mounts: [bind(lab.backups("postgres"), "/backups")],
        limits: { cpus: "0.5", memory: "256M" },
      },
    ],
  };
});
