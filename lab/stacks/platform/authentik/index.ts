import { Auth, bind, bindRO, defineStack, httpMonitor, op, opTemplateFile, pgIsReady, restartUpTo, SecretEnv, type SecretFile, type ServiceSpec, type StackSpec } from "../../../model";

/**
 * Single sign-on: the Authentik server (which also serves Caddy's forward-auth endpoint through its
 * embedded outpost), its worker, and the Redis and PostgreSQL that only Authentik uses.
 */
export default defineStack((lab): StackSpec => {
  /** Configuration both Authentik processes read; the secret part is per service below. */
  const authentikEnv = {
    AUTHENTIK_REDIS__HOST: "redis",
    // The stack's own `postgresql` (OBS-7): the shared instance of platform_postgres has the same
    // short name, but this stack's services are not on the `postgres` network.
    AUTHENTIK_POSTGRESQL__HOST: "postgresql",
    AUTHENTIK_POSTGRESQL__USER: "authentik",
    AUTHENTIK_POSTGRESQL__NAME: "authentik",
    AUTHENTIK_DISABLE_STARTUP_ANALYTICS: "true",
    AUTHENTIK_ERROR_REPORTING__ENABLED: "false",
    AUTHENTIK_COOKIE_DOMAIN: `.${lab.internalDomain}`,
    AUTHENTIK_HOST: `https://${lab.internalHost("auth")}`,
    AUTHENTIK_EMAIL__HOST: "smtp-relay",
    AUTHENTIK_EMAIL__PORT: "2500",
    AUTHENTIK_EMAIL__USE_TLS: "false",
    AUTHENTIK_EMAIL__USE_SSL: "false",
    AUTHENTIK_EMAIL__TIMEOUT: "30",
  };
  const authentikSecrets = {
    AUTHENTIK_SECRET_KEY: op("authentik-stack", "secret_key"),
    AUTHENTIK_POSTGRESQL__PASSWORD: op("authentik-stack", "postgres_password"),
    AUTHENTIK_EMAIL__FROM: op("smtp-relay", "from_address"),
  };

  /** Blueprints that carry secrets, rendered from this folder's blueprints/ (they were op-inject outputs). */
  const generatedBlueprints: SecretFile[] = ["homepage-token", "oauth2-forgejo", "oauth2-readmeabook"].map((name) => ({
    target: `/blueprints/custom/generated/${name}.yaml`,
    value: opTemplateFile(`blueprints/${name}.yaml`),
  }));

  const common = {
    image: "ghcr.io/goauthentik/server:2025.12.4",
    user: "1000:999",
    stopGracePeriod: "5m",
    env: authentikEnv,
    mounts: [
      bind(lab.appdata("authentik/media"), "/media"),
      bind(lab.appdata("authentik/custom-templates"), "/templates"),
      // The repo's static blueprints (forward-auth providers, outpost assignments, scope mappings).
      bindRO(lab.appdata("authentik/blueprints/static"), "/blueprints/custom/static"),
    ],
    limits: { cpus: "2", memory: "2048M" },
    reservations: { cpus: "1", memory: "1024M" },
  } as const;

  const server: ServiceSpec = {
    ...common,
    name: "authentik-server",
    networks: ["authentik", "proxy_network", "smtp_relay"],
    secretEnv: authentikSecrets,
    secretEnvDelivery: SecretEnv.authentik,
    command: ["server"], // argument to the image's `dumb-init -- ak` entrypoint, which has no default
    sites: [
      {
        host: "auth",
        port: 9000,
        auth: Auth.own("Authentik is the identity provider: it serves the login and the forward-auth endpoint itself"),
      },
    ],
    homepage: {
      group: "Platform",
      name: "Authentik",
      icon: "authentik.png",
      description: "SSO & Authentication",
      widget: { type: "authentik", url: `https://${lab.internalHost("auth")}`, key: "{{HOMEPAGE_VAR_AUTHENTIK_API_KEY}}" },
    },
    monitors: [
      // 204 while the server is up; its login page would answer even with the core failing.
      httpMonitor("authentik", "Authentik SSO", "http://authentik-server:9000/-/health/live/"),
    ],
  };

  const worker: ServiceSpec = {
    ...common,
    name: "authentik-worker",
    networks: ["authentik"],
    secretEnv: {
      ...authentikSecrets,
      // Read by the worker's bootstrap blueprint on first start only.
      AUTHENTIK_BOOTSTRAP_EMAIL: op("authentik-stack", "bootstrap_email"),
      AUTHENTIK_BOOTSTRAP_PASSWORD: op("authentik-stack", "bootstrap_password"),
    },
    // Authentik documents that the AUTHENTIK_BOOTSTRAP_* variables do not accept file:// values.
    secretEnvDelivery: SecretEnv.envFile(["/lifecycle/ak", "worker"]),
    // The worker discovers and applies blueprints, so only it gets the ones holding secrets.
    secretFiles: generatedBlueprints,
  };

  return {
    name: "platform_authentik",
    tier: "platform",
    description: "Authentik SSO (server with the embedded forward-auth outpost, worker) with its own Redis and PostgreSQL",
    networks: [{ key: "authentik", purpose: "Authentik server and worker to their Redis and dedicated PostgreSQL" }],
    services: [
      {
        // Authentik's dedicated database keeps the lab's short name `postgresql` (OBS-7) and lives
        // only on the `authentik` network, so it never meets the shared `postgresql`.
        name: "postgresql",
        image: "postgres:18@sha256:5773fe724c49c42a7a9ca70202e11e1dff21fb7235b335a73f39297d200b73a2",
        networks: ["authentik"],
        // A database: its files must not move between nodes (the policy pack caught it floating).
        stateful: true,
        restart: restartUpTo(3),
        env: { POSTGRES_DB: "authentik", POSTGRES_USER: "authentik" },
        secretEnv: { POSTGRES_PASSWORD: op("authentik-stack", "postgres_password") },
        secretEnvDelivery: SecretEnv.postgres,
        mounts: [bind(lab.appdata("authentik/postgres"), "/var/lib/postgresql")],
        healthcheck: pgIsReady("authentik"),
        limits: { cpus: "2", memory: "2048M" },
        reservations: { cpus: "1", memory: "1024M" },
      },
      {
        name: "redis",
        image: "redis:8-alpine@sha256:4eec4565e45aa0b3966554c866bc73211e281b0b3d89fe9a33c982e6faca809d",
        networks: ["authentik"],
        restart: restartUpTo(3),
        command: ["redis-server", "--save", "60", "1"],
        mounts: [bind(lab.appdata("authentik/redis"), "/data")],
        healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: "10s", timeout: "5s", retries: 5 },
        limits: { cpus: "1", memory: "512M" },
        reservations: { cpus: "0.5", memory: "256M" },
      },
      server,
      worker,
    ],
  };
});
