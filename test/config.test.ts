import { ConfigError, lacksOnePasswordCredentials, NAMESPACES, parseConfig } from "../config";
import { providerKeys } from "../config/namespaces";
import { STACKS } from "../lab";
import { evaluateLab, labContext } from "../evaluation/evaluate-lab";
import { refKey } from "../evaluation/secret-values";
import { OfflineRunError, runOffline } from "../offline/run";
import { readStackConfig } from "../config/stack-file";
import { labSecretRefs } from "../evaluation/evaluate-lab";

/**
 * "Bad configuration": every malformed config runs through the whole program under mocks and must
 * stop before the first resource, with an error that names the exact key and what was expected.
 */

type RawConfig = Record<string, string>;

/** A distinctive credential in every prod case: it must never be echoed back in an error. */
const TOKEN = "ops_FAKE-token-must-not-leak-7f3a9c";
/** A distinctive secret value for the `homelab:secretValues` cases. */
const SECRET = "s3cr3t-zebra-value-must-not-leak";

const OP_ENV = ["OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_HOST", "OP_CONNECT_TOKEN"] as const;
const savedEnv = new Map<string, string | undefined>();
beforeAll(() => {
  for (const name of OP_ENV) {
    savedEnv.set(name, process.env[name]);
    delete process.env[name];
  }
});
afterAll(() => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function prodConfig(): RawConfig {
  return { ...readStackConfig("prod"), "onepassword:serviceAccountToken": TOKEN };
}

function json(config: RawConfig, key: string): unknown {
  const raw = config[key];
  if (raw === undefined) throw new Error(`test setup: ${key} is not in the config`);
  return JSON.parse(raw);
}

/** Edits one JSON-valued key in place. */
function editJson<T>(config: RawConfig, key: string, edit: (value: T) => T | void): void {
  const value = json(config, key) as T;
  const edited = edit(value);
  config[key] = JSON.stringify(edited === undefined ? value : edited);
}

async function rejectionOf(promise: Promise<unknown>): Promise<OfflineRunError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof OfflineRunError)) throw new Error(`expected an OfflineRunError, got ${outcome === undefined ? "success" : String(outcome)}`);
  return outcome;
}

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function configMessage(problems: readonly string[]): string {
  return `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`;
}

/** Asserts the run failed on configuration, naming exactly these problems, with nothing registered. */
function expectConfigFailure(error: OfflineRunError, problems: readonly string[]): void {
  expect(error.cause).toBeInstanceOf(ConfigError);
  expect((error.cause as ConfigError).problems).toEqual(problems);
  expect(error.name).toBe("ConfigError");
  expect(error.message).toBe(configMessage(problems));
  expect(error.resources).toEqual([]);
  expect(error.invocations).toEqual([]);
  expect(error.message).not.toContain(TOKEN);
  expect(error.message).not.toContain(SECRET);
}

interface NodeEntry {
  hostname: string;
  role: string;
  description?: string;
}

/** The lab's stacks, in lab/index.ts order (whatever the lab holds). */
const ALL_STACKS = STACKS.map((define) => define(labContext(parseConfig(prodConfig()).homelab)).name).join(", ");

/** [case, the broken key, what the problem says after "<key>: ", how to break the prod config]. */
const BAD_CONFIGS: readonly [string, string, string, (config: RawConfig) => void][] = [
  ["missing required key", "homelab:domain", "required, expected string, received undefined", (c) => void delete c["homelab:domain"]],
  [
    "mediaUser.uid of the wrong type",
    "homelab:mediaUser.uid",
    'expected number, received string, got "abc"',
    (c) => editJson<{ uid: unknown }>(c, "homelab:mediaUser", (user) => void (user.uid = "abc")),
  ],
  ["missing nested key", "homelab:mediaUser.gid", "required, expected number, received undefined", (c) => (c["homelab:mediaUser"] = JSON.stringify({ uid: 1701 }))],
  [
    "unifi.ttlSeconds past the bound the UniFi API and the record provider share",
    "homelab:unifi.ttlSeconds",
    "Too big: expected number to be <=604800, got 700000",
    (c) => editJson<{ ttlSeconds?: number }>(c, "homelab:unifi", (unifi) => void (unifi.ttlSeconds = 700_000)),
  ],
  ["timezone of the wrong type", "homelab:timezone", "expected string, received number, got 42", (c) => (c["homelab:timezone"] = "42")],
  [
    "storageNode names no node",
    "homelab:storageNode",
    'expected one of the nodes (barbary, ching, angre, lorcha, dhow), got "nas01"',
    (c) => (c["homelab:storageNode"] = "nas01"),
  ],
  [
    "duplicate node hostname",
    "homelab:nodes",
    'node "ching" is listed twice',
    (c) => editJson<NodeEntry[]>(c, "homelab:nodes", (nodes) => void nodes.push({ hostname: "ching", role: "worker" })),
  ],
  [
    "node role outside the enum",
    "homelab:nodes[1].role",
    'Invalid option: expected one of "manager"|"worker", got "leader"',
    (c) => editJson<NodeEntry[]>(c, "homelab:nodes", (nodes) => void (nodes[1]!.role = "leader")),
  ],
  [
    "node hostname not a DNS label",
    "homelab:nodes[0].hostname",
    `expected a host name (lower-case letters, digits, '-'), got "Barbary"`,
    (c) => editJson<NodeEntry[]>(c, "homelab:nodes", (nodes) => void (nodes[0]!.hostname = "Barbary")),
  ],
  ["no nodes at all", "homelab:nodes", "expected at least one node, got []", (c) => (c["homelab:nodes"] = "[]")],
  ["bad domain", "homelab:domain", 'expected a lower-case DNS domain such as example.com, got "Hypyr_Space"', (c) => (c["homelab:domain"] = "Hypyr_Space")],
  [
    "internalDomain equal to domain",
    "homelab:internalDomain",
    'expected a zone other than homelab:domain, got "hypyr.space"',
    (c) => (c["homelab:internalDomain"] = "hypyr.space"),
  ],
  [
    "invalid timezone",
    "homelab:timezone",
    'expected an IANA time zone such as America/Chicago, got "America/Gotham"',
    (c) => (c["homelab:timezone"] = "America/Gotham"),
  ],
  ["bad e-mail", "homelab:acmeEmail", 'expected an e-mail address, got "admin-at-hypyr.space"', (c) => (c["homelab:acmeEmail"] = "admin-at-hypyr.space")],
  [
    "relative path",
    "homelab:paths.appdata",
    `expected an absolute path without '..', got "mnt/apps01/appdata"`,
    (c) => editJson<Record<string, string>>(c, "homelab:paths", (paths) => void (paths.appdata = "mnt/apps01/appdata")),
  ],
  [
    "path escaping with ..",
    "homelab:paths.backups",
    `expected an absolute path without '..', got "/mnt/data01/../etc"`,
    (c) => editJson<Record<string, string>>(c, "homelab:paths", (paths) => void (paths.backups = "/mnt/data01/../etc")),
  ],
  ["boolean of the wrong type", "homelab:pinStateful", 'expected boolean, received string, got "yes"', (c) => (c["homelab:pinStateful"] = "yes")],
  ["unknown top-level key (typo)", "homelab:storagenode", "unknown key; the nearest valid key is homelab:storageNode", (c) => (c["homelab:storagenode"] = "barbary")],
  [
    "misspelt nested key",
    "homelab:cloudflare.tunelName",
    "unknown key; the nearest valid key is homelab:cloudflare.tunnelName",
    (c) => (c["homelab:cloudflare"] = JSON.stringify({ enabled: true, tunelName: "homelab" })),
  ],
  [
    "docker:host misspelt as docker:hots (the provider's keys, from @pulumi/docker)",
    "docker:hots",
    "not a config key of @pulumi/docker 5.2.0; the nearest valid key is docker:host",
    (c) => {
      c["docker:hots"] = c["docker:host"]!;
      delete c["docker:host"];
    },
  ],
  [
    "misspelt 1Password provider key",
    "onepassword:serviceAcountToken",
    "not a config key of @1password/pulumi-onepassword 1.1.3; the nearest valid key is onepassword:serviceAccountToken",
    (c) => (c["onepassword:serviceAcountToken"] = "ops_other"),
  ],
  ["misspelt Cloudflare provider key", "cloudflare:apiTokn", "not a config key of @pulumi/cloudflare 6.22.1; the nearest valid key is cloudflare:apiToken", (c) => (c["cloudflare:apiTokn"] = "x")],
  [
    "a namespace nobody reads",
    "dokcer:sshOpts",
    'unknown namespace "dokcer" (this project reads homelab, docker, onepassword, cloudflare and pulumi keys); the nearest valid key is docker:sshOpts',
    (c) => (c["dokcer:sshOpts"] = '["-v"]'),
  ],
  [
    "a pulumi: key Pulumi does not define",
    "pulumi:tag",
    "not a key Pulumi reads (pulumi:disable-default-providers, pulumi:tags and pulumi:autonaming); the nearest valid key is pulumi:tags",
    (c) => (c["pulumi:tag"] = '{"team":"lab"}'),
  ],
  [
    "a key of the ops project in the lab's stack file",
    "homelab-ops:agentPoolId",
    "belongs to the homelab-ops project (ops/Pulumi.<stack>.yaml), not to this project's stack file",
    (c) => (c["homelab-ops:agentPoolId"] = "pool"),
  ],
  ["a key without a namespace", "host", "expected a key of the form <namespace>:<name>; the nearest valid key is docker:host", (c) => (c.host = "ssh://x")],
  [
    "docker:sshOpts not a list",
    "docker:sshOpts",
    'expected a list of ssh arguments such as ["-o", "ServerAliveInterval=30"], got "-o ServerAliveInterval=30"',
    (c) => (c["docker:sshOpts"] = "-o ServerAliveInterval=30"),
  ],
  [
    "bad docker:host scheme",
    "docker:host",
    'expected unix://, ssh:// or tcp:// followed by an address, got "http://barbary:2375"',
    (c) => (c["docker:host"] = "http://barbary:2375"),
  ],
  [
    "unknown secrets.source",
    "homelab:secrets.source",
    `Invalid discriminator value. Expected 'onepassword' | 'config', got "vaultwarden"`,
    (c) => (c["homelab:secrets"] = JSON.stringify({ source: "vaultwarden" })),
  ],
  [
    "empty 1Password vault",
    "homelab:secrets.vault",
    'Too small: expected string to have >=1 characters, got ""',
    (c) => (c["homelab:secrets"] = JSON.stringify({ source: "onepassword", vault: "" })),
  ],
  [
    "negative replicas override",
    "homelab:services.application_media_core/sonarr.replicas",
    "Too small: expected number to be >=0, got -1",
    (c) => (c["homelab:services"] = JSON.stringify({ "application_media_core/sonarr": { replicas: -1 } })),
  ],
  [
    "fractional replicas override",
    "homelab:services.application_media_core/sonarr.replicas",
    "expected int, received number, got 1.5",
    (c) => (c["homelab:services"] = JSON.stringify({ "application_media_core/sonarr": { replicas: 1.5 } })),
  ],
  [
    "bad image reference override",
    "homelab:services.application_media_core/sonarr.image",
    'expected an image reference such as repo/name:tag or name@sha256:<digest>, got "LinuxServer/Sonarr:latest!"',
    (c) => (c["homelab:services"] = JSON.stringify({ "application_media_core/sonarr": { image: "LinuxServer/Sonarr:latest!" } })),
  ],
  [
    "misspelt override field",
    "homelab:services.caddy/caddy.replica",
    "unknown key; the nearest valid key is homelab:services.caddy/caddy.replicas",
    (c) => (c["homelab:services"] = JSON.stringify({ "caddy/caddy": { replica: 2 } })),
  ],
  [
    "unknown service in overrides",
    "homelab:services.application_media_core/sonar",
    "unknown service (expected <stack>/<service>, e.g. application_media_core/sonarr)",
    (c) => (c["homelab:services"] = JSON.stringify({ "application_media_core/sonar": { replicas: 2 } })),
  ],
  [
    "unknown stack in homelab:stacks",
    "homelab:stacks",
    `unknown stack "platform_redis" (expected one of: ${ALL_STACKS})`,
    (c) => (c["homelab:stacks"] = JSON.stringify(["caddy", "platform_redis"])),
  ],
  [
    "stacks subset missing a runtime dependency",
    "homelab:stacks",
    '"application_media_core" needs "platform_postgres" at runtime; add it to the list',
    (c) => (c["homelab:stacks"] = JSON.stringify(["caddy", "application_media_core"])),
  ],
  ["empty stacks list", "homelab:stacks", "Too small: expected array to have >=1 items, got []", (c) => (c["homelab:stacks"] = "[]")],
  [
    "secretValues with the onepassword source",
    "homelab:secretValues",
    'only used with homelab:secrets.source "config"; remove it or switch the source',
    (c) => (c["homelab:secretValues"] = JSON.stringify({ "sonarr/SONARR_POSTGRES_PASS": SECRET })),
  ],
  [
    "secretValues value of the wrong type (not echoed)",
    "homelab:secretValues.sonarr/SONARR_POSTGRES_PASS",
    "expected string, received object",
    (c) => {
      c["homelab:secrets"] = JSON.stringify({ source: "config" });
      c["homelab:secretValues"] = JSON.stringify({ "sonarr/SONARR_POSTGRES_PASS": { password: SECRET } });
    },
  ],
  [
    "secretValues not an object (not echoed)",
    "homelab:secretValues",
    "expected record, received string",
    (c) => {
      c["homelab:secrets"] = JSON.stringify({ source: "config" });
      c["homelab:secretValues"] = SECRET;
    },
  ],
];

describe("bad configuration stops the whole program before anything is registered", () => {
  test("the table covers at least 16 cases", () => {
    expect(BAD_CONFIGS.length).toBeGreaterThanOrEqual(16);
  });

  test.each(BAD_CONFIGS)("%s: %s", async (_case, key, expected, breakConfig) => {
    const rawConfig = prodConfig();
    breakConfig(rawConfig);
    const error = await rejectionOf(runOffline({ stack: "prod", rawConfig }));
    expectConfigFailure(error, [`${key}: ${expected}`]);
  });

  test("the providers whose config keys are allowed are exactly the ones the program uses", async () => {
    const run = await runOffline({ stack: "prod", rawConfig: prodConfig() });
    // Everything registered or invoked that is neither Pulumi's, the dynamic provider's nor ours.
    const own = new Set(["pulumi", "pulumi-nodejs", "homelab"]);
    const used = new Set([...run.resources.map((resource) => resource.type), ...run.invocations.map((call) => call.token)].map((token) => token.split(":")[0]!).filter((namespace) => !own.has(namespace)));
    expect([...used].sort()).toEqual(NAMESPACES.providers.map((name) => providerKeys(name).namespace).sort());
  });

  test("keys Pulumi itself defines are accepted beside the providers' own", async () => {
    const rawConfig = { ...prodConfig(), "pulumi:tags": '{"owner":"lab"}', "pulumi:disable-default-providers": '["cloudflare"]', "docker:disableDockerDaemonCheck": "true" };
    expect(parseConfig(rawConfig).docker.sshOpts).toEqual(["-o", "ServerAliveInterval=30"]);
  });

  test("the unbroken prod config is the control: it deploys", async () => {
    const run = await runOffline({ stack: "prod", rawConfig: prodConfig() });
    expect(run.outputs.secretSource).toBe('1Password vault "homelab"');
    expect(Object.keys(run.outputs.stacks)).toEqual(ALL_STACKS.split(", "));
  });

  test("three schema problems in one config are reported together", async () => {
    const rawConfig = prodConfig();
    rawConfig["homelab:timezone"] = "Mars/Olympus_Mons";
    editJson<Record<string, string>>(rawConfig, "homelab:paths", (paths) => void (paths.media = "data01/data"));
    editJson<NodeEntry[]>(rawConfig, "homelab:nodes", (nodes) => void (nodes[1]!.role = "leader"));
    const error = await rejectionOf(runOffline({ stack: "prod", rawConfig }));
    expectConfigFailure(error, [
      'homelab:timezone: expected an IANA time zone such as America/Chicago, got "Mars/Olympus_Mons"',
      'homelab:nodes[1].role: Invalid option: expected one of "manager"|"worker", got "leader"',
      `homelab:paths.media: expected an absolute path without '..', got "data01/data"`,
    ]);
    expect(error.message.startsWith("Invalid configuration (3 problems):\n")).toBe(true);
  });

  test("three cross-check problems in one config are reported together", async () => {
    const rawConfig = prodConfig();
    rawConfig["homelab:storageNode"] = "nas01";
    rawConfig["homelab:internalDomain"] = "hypyr.space";
    rawConfig["docker:host"] = "barbary.in.hypyr.space";
    const error = await rejectionOf(runOffline({ stack: "prod", rawConfig }));
    expectConfigFailure(error, [
      'docker:host: expected unix://, ssh:// or tcp:// followed by an address, got "barbary.in.hypyr.space"',
      'homelab:storageNode: expected one of the nodes (barbary, ching, angre, lorcha, dhow), got "nas01"',
      'homelab:internalDomain: expected a zone other than homelab:domain, got "hypyr.space"',
    ]);
  });

  test("a schema problem does not hide the checks that need no valid schema", async () => {
    const rawConfig = prodConfig();
    delete rawConfig["homelab:domain"];
    rawConfig["docker:host"] = "barbary";
    const error = await rejectionOf(runOffline({ stack: "prod", rawConfig }));
    expect((error.cause as ConfigError).problems).toEqual([
      "homelab:domain: required, expected string, received undefined",
      'docker:host: expected unix://, ssh:// or tcp:// followed by an address, got "barbary"',
    ]);
    expect(error.resources).toEqual([]);
  });
});

describe("1Password credentials", () => {
  function withoutOnePasswordKeys(config: RawConfig): RawConfig {
    return Object.fromEntries(Object.entries(config).filter(([key]) => !key.startsWith("onepassword:")));
  }

  const MISSING_TOKEN =
    "onepassword:serviceAccountToken: required to read the lab's secrets (or onepassword:url with onepassword:token for a Connect server outside the cluster); set it with `pulumi config set --secret`";

  test("the onepassword source with no service-account token is a ConfigError naming onepassword:serviceAccountToken", () => {
    for (const name of OP_ENV) expect(process.env[name]).toBeUndefined();
    const error = catchError(() => parseConfig(withoutOnePasswordKeys(readStackConfig("prod"))));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([MISSING_TOKEN]);
    expect((error as ConfigError).message).toBe(configMessage([MISSING_TOKEN]));
  });

  test("a Connect URL without its token is not enough either", () => {
    const error = catchError(() => parseConfig({ ...withoutOnePasswordKeys(readStackConfig("prod")), "onepassword:url": "https://op-connect.example.com" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([MISSING_TOKEN]);
  });

  test("tools that read no secret (docs, images, dev-stack) evaluate without credentials; the rest of the config is still checked", () => {
    const raw = withoutOnePasswordKeys(readStackConfig("prod"));
    expect(parseConfig(raw, { purpose: "evaluate" }).homelab.secrets).toEqual({ source: "onepassword", vault: "homelab" });
    expect(catchError(() => parseConfig(raw, { purpose: "deploy" }))).toBeInstanceOf(ConfigError);
    const error = catchError(() => parseConfig({ ...raw, "homelab:storageNode": "nowhere" }, { purpose: "evaluate" }));
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^homelab:storageNode: expected one of the nodes/)]);
  });

  test.each([
    ["no credential", {}, true],
    ["a service account token", { "onepassword:serviceAccountToken": TOKEN }, false],
    ["a Connect server", { "onepassword:url": "https://op-connect.example.com", "onepassword:token": TOKEN }, false],
    ["a Connect URL alone", { "onepassword:url": "https://op-connect.example.com" }, true],
    ["secrets from config", { "homelab:secrets": JSON.stringify({ source: "config" }) }, false],
  ])("lacksOnePasswordCredentials: %s is %s", (_, extra, lacks) => {
    expect(lacksOnePasswordCredentials({ ...withoutOnePasswordKeys(readStackConfig("prod")), ...extra })).toBe(lacks);
  });

  test("the token from OP_SERVICE_ACCOUNT_TOKEN satisfies the check", () => {
    process.env.OP_SERVICE_ACCOUNT_TOKEN = TOKEN;
    try {
      const loaded = parseConfig(withoutOnePasswordKeys(readStackConfig("prod")));
      expect(loaded.homelab.secrets).toEqual({ source: "onepassword", vault: "homelab" });
      expect(loaded.docker.host).toBe("ssh://deploy@barbary.in.hypyr.space");
    } finally {
      delete process.env.OP_SERVICE_ACCOUNT_TOKEN;
    }
  });
});

describe("dev: secret values from config", () => {
  const MISSING = "sonarr/SONARR_POSTGRES_PASS";

  /** Every field the dev subset of the lab reads, each with a distinctive fake value. */
  function devSecretValues(): Record<string, string> {
    const lab = evaluateLab(parseConfig(readStackConfig("dev")).homelab, STACKS);
    const keys = labSecretRefs(lab).map(refKey);
    expect(keys).toContain(MISSING);
    return Object.fromEntries(keys.map((key, index) => [key, `${SECRET}-${index}`]));
  }

  test(`a partial homelab:secretValues names the missing field and creates nothing`, async () => {
    const values = devSecretValues();
    delete values[MISSING];
    const rawConfig = { ...readStackConfig("dev"), "homelab:secretValues": JSON.stringify(values) };
    const failure = await rejectionOf(runOffline({ stack: "dev", rawConfig }));
    // The secrets are read beside the last deployment's inventory: that read-only reference to the
    // stack itself is the one registration there may be.
    expect(failure.resources.map((resource) => resource.type)).toEqual(["pulumi:pulumi:StackReference"]);
    const error = new OfflineRunError(failure.cause, [], failure.invocations);
    expectConfigFailure(error, [
      `homelab:secretValues["${MISSING}"]: required by the lab; set it with pulumi config set --secret --path 'homelab:secretValues["${MISSING}"]'`,
    ]);
    for (const value of Object.values(values)) expect(error.message).not.toContain(value);
  });

  test("the complete set is the control: it deploys from config", async () => {
    const rawConfig = { ...readStackConfig("dev"), "homelab:secretValues": JSON.stringify(devSecretValues()) };
    const run = await runOffline({ stack: "dev", rawConfig });
    expect(run.outputs.secretSource).toBe("Pulumi config (homelab:secretValues)");
    expect(Object.keys(run.outputs.stacks)).toEqual(["caddy", "platform_postgres", "platform_observability", "application_media_core"]);
  });
});
