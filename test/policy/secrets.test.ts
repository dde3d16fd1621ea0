import { POLICIES } from "../../policy/policies";
import { PREVIEW_UNKNOWNS, service, swarmSecret as secret, type TestResource, violations } from "../support/policy-analyzer";

/** policy/rules/secrets.ts: no secret value in an environment, swarm secret data encrypted in state. */

const ENV = "env-holds-no-secret-values";
const DATA = "swarm-secret-data-is-secret";

const literal = (variable: string) =>
  `${ENV}: app_env: ${variable} looks like a secret but holds a literal value (not shown). Deliver it as a swarm secret and point at the file ` +
  `(${variable}_FILE=/run/secrets/..., FILE__${variable}, file:///run/secrets/...), or source an env-file secret (SecretEnv in lab/model.ts).`;

/** Each case is one service's environment. */
const ENV_CASES: readonly [string, Record<string, string>, readonly string[]][] = [
  [
    "the lab's ways of pointing at secret files, switches and ordinary settings",
    {
      POSTGRES_PASSWORD_FILE: "/run/secrets/POSTGRES_PASSWORD",
      GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/GF_SECURITY_ADMIN_PASSWORD",
      FILE__SONARR__POSTGRES__PASSWORD: "/run/secrets/SONARR__POSTGRES__PASSWORD",
      TUNNEL_TOKEN_FILE: "/run/secrets/TUNNEL_TOKEN",
      AUTHENTIK_SECRET_KEY: "file:///run/secrets/AUTHENTIK_SECRET_KEY",
      API_KEY: "/run/secrets/api_key",
      PGPASSFILE: "/run/secrets/pgpass",
      SECRETS: "0",
      AUTH_TOKEN_REQUIRED: "true",
      PASSTHROUGH_MODE: "strict",
      REDIS_URL: "redis://tracearr-redis:6379",
      DOCKER_HOST: "tcp://docker-socket-proxy:2375",
      GF_SECURITY_DISABLE_GRAVATAR: "true",
    },
    [],
  ],
  ["a plain password", { DB_PASSWORD: "hunter2" }, [literal("DB_PASSWORD")]],
  ["PASS as a whole word", { DB_PASS: "hunter2" }, [literal("DB_PASS")]],
  ["a _FILE variable that holds the secret itself", { POSTGRES_PASSWORD_FILE: "hunter2" }, [literal("POSTGRES_PASSWORD_FILE")]],
  ["a secret", { JWT_SECRET: "s3cr3t-value" }, [literal("JWT_SECRET")]],
  ["an API key", { SONARR_API_KEY: "0123456789abcdef" }, [literal("SONARR_API_KEY")]],
  [
    "credentials in a URL, whatever the variable's name",
    { DATABASE_URL: "postgresql://tracearr:hunter2@db:5432/tracearr" },
    [`${ENV}: app_env: DATABASE_URL embeds credentials in a URL (user:password@); deliver the URL as a secret file or env-file secret.`],
  ],
  [
    "a private key",
    { TLS_KEY: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----" },
    [`${ENV}: app_env: TLS_KEY holds a private key; mount it as a swarm secret file instead.`],
  ],
  ["variables in name order", { SONARR_API_KEY: "0123456789abcdef", DB_PASSWORD: "hunter2" }, [literal("DB_PASSWORD"), literal("SONARR_API_KEY")]],
];

const DATA_CASES: readonly [string, TestResource, readonly string[]][] = [
  ["data registered as a secret", secret("app_db_password-1a2b3c4d", { data: "aHVudGVyMg==" }, ["data"]), []],
  ["data registered as a secret while its value is unknown", PREVIEW_UNKNOWNS.secretData, []],
  [
    "data not registered as a secret",
    secret("app_plain-1a2b3c4d", { data: "aHVudGVyMg==" }, []),
    [
      `${DATA}: swarm secret app_plain-1a2b3c4d: data is not registered as a Pulumi secret (additionalSecretOutputs lacks "data"), so it would be stored in plain text in the state. ` +
        `Create it with @pulumi/docker's Secret (which marks it) or wrap the value in pulumi.secret and add additionalSecretOutputs: ["data"].`,
    ],
  ],
  ["a secret without data", secret("app_empty-1a2b3c4d", {}, ["data"]), [`${DATA}: swarm secret app_empty-1a2b3c4d has no data.`]],
];

describe(ENV, () => {
  it.each(ENV_CASES)("%s", async (_sentence, env, expected) => {
    expect(await violations([ENV], service("app_env", { env }))).toEqual(expected);
  });

  it("never quotes the value it refuses", async () => {
    const found = (await Promise.all(ENV_CASES.map(([, env]) => violations([ENV], service("app_env", { env }))))).flat();
    expect(found.length).toBeGreaterThan(5);
    for (const message of found) expect(message).not.toMatch(/hunter2|s3cr3t|0123456789abcdef|MIIE/);
  });

  it("takes names that only look like secrets from config", async () => {
    const endpoint = service("app_tokens", { env: { TOKEN_ENDPOINT: "https://idp.example.com/token" } });
    expect(await violations([ENV], endpoint)).toHaveLength(1);
    expect(await violations([ENV], endpoint, { [ENV]: { allowedNames: ["TOKEN_ENDPOINT"] } })).toEqual([]);
  });
});

describe(DATA, () => {
  // Every policy: one that read the unknown data would report that it can't run during preview.
  it.each(DATA_CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations(POLICIES.map((policy) => policy.name), resource)).toEqual(expected);
  });
});
