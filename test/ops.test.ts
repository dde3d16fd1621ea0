import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { summariseRefresh } from "../ops/refresh-report";
import { OPS_PROJECT, type OpsConfigError, parseOpsConfig, PLACEHOLDER } from "../ops/config";
import { labPaths, triggersRun } from "../ops/settings";
import { cronProblem, privateKeyProblem } from "../ops/values";

/**
 * The ops program (ops/) under Pulumi's mock monitor: which Pulumi Cloud resources it registers,
 * with which inputs and dependencies, and how it refuses a bad configuration (key named, nothing
 * registered, no secret echoed).
 */

const ROOT = path.resolve(__dirname, "..");
const SETTINGS_TYPE = "pulumiservice:index:DeploymentSettings";
const DRIFT_TYPE = "pulumiservice:index:DriftSchedule";

/** The marker the SDK puts on secret values it sends to the engine. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (value: unknown): value is { value: unknown } =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;

function withoutSecrets(value: unknown): unknown {
  if (isSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
  return value;
}

// --- fixtures -----------------------------------------------------------------------------------

const u32 = (n: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(n);
  return buffer;
};
const sshString = (text: string) => Buffer.concat([u32(text.length), Buffer.from(text, "latin1")]);

/** An OpenSSH private key's framing (magic, cipher, kdf) around filler: enough for the checks. */
function openSshKey(cipher: string): string {
  const body = Buffer.concat([Buffer.from("openssh-key-v1\0", "latin1"), sshString(cipher), sshString(cipher === "none" ? "none" : "bcrypt"), sshString(""), Buffer.alloc(48, 7)]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

const OP_TOKEN = "ops_FAKE-service-account-token-must-not-leak-91c2";
const SSH_KEY = openSshKey("none");
const KNOWN_HOSTS = "barbary.in.hypyr.space ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTestsOnlyFakeHostKeyForTests0";
const POOL = "6f1c2a9e-3b7d-4e8a-9c51-2d4f6a8b0c13";
const SECRET_KEYS = [`${OPS_PROJECT}:opServiceAccountToken`, `${OPS_PROJECT}:dockerSshPrivateKey`];

type RawConfig = Record<string, string>;

function validConfig(): RawConfig {
  return {
    [`${OPS_PROJECT}:organization`]: "example-org",
    [`${OPS_PROJECT}:labProject`]: "homelab",
    [`${OPS_PROJECT}:labStack`]: "prod",
    [`${OPS_PROJECT}:repository`]: "example-org/homelab",
    [`${OPS_PROJECT}:agentPoolId`]: POOL,
    [`${OPS_PROJECT}:driftCron`]: "30 9 * * *",
    [`${OPS_PROJECT}:dockerSshKnownHosts`]: KNOWN_HOSTS,
    [`${OPS_PROJECT}:opServiceAccountToken`]: OP_TOKEN,
    [`${OPS_PROJECT}:dockerSshPrivateKey`]: SSH_KEY,
    // Other namespaces pass through untouched.
    "pulumiservice:accessToken": "pul-not-read-by-the-program",
  };
}

// --- running the program under mocks ------------------------------------------------------------

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /**
   * Inputs exactly as the SDK sent them to the engine. (The mock's own copy is deserialised by the
   * SDK, which lifts a nested secret to the top-level property; the engine and the provider keep
   * it where it is, so secrecy is checked on this copy.)
   */
  readonly inputs: Record<string, any>;
  readonly dependencies: readonly string[];
}

interface OpsRun {
  readonly resources: readonly Registered[];
  readonly outputs?: Record<string, unknown>;
  readonly error?: Error;
}

const settle = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

async function runOps(raw: RawConfig, secretKeys: readonly string[] = SECRET_KEYS): Promise<OpsRun> {
  const registered: { type: string; name: string }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name });
        const state = args.type === DRIFT_TYPE ? { ...args.inputs, scheduleId: `schedule-${args.name}` } : args.inputs;
        return { id: `${args.inputs.organization}/${args.inputs.project}/${args.inputs.stack}`, state };
      },
      call(args) {
        throw new Error(`unexpected provider call ${args.token}`);
      },
    },
    OPS_PROJECT,
    "prod",
    false,
  );
  pulumi.runtime.setAllConfig(raw, [...secretKeys]);

  // The mocks are not told a resource's dependencies, nor its inputs as sent; the request carries both.
  const requests = new Map<string, { urn: string; inputs: Record<string, any>; dependencies: string[] }>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      request: { getType(): string; getName(): string; getDependenciesList(): string[]; getObject(): { toJavaScript(): Record<string, any> } | undefined },
      callback: unknown,
    ): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const urn = `urn:pulumi:prod::${OPS_PROJECT}::${request.getType()}::${request.getName()}`;
    requests.set(`${request.getType()}::${request.getName()}`, { urn, inputs: request.getObject()?.toJavaScript() ?? {}, dependencies: request.getDependenciesList() });
    return register(request, callback);
  };

  const { default: program } = await import("../ops/index");
  let outputs: Record<string, unknown> | undefined;
  let error: Error | undefined;
  try {
    const result = await program();
    outputs = {};
    for (const [key, value] of Object.entries(result)) outputs[key] = await resolved(value);
  } catch (caught) {
    error = caught as Error;
  }
  await settle.waitForRPCs();
  const resources = registered.map((resource) => {
    const request = requests.get(`${resource.type}::${resource.name}`);
    return { ...resource, urn: request?.urn ?? "", inputs: request?.inputs ?? {}, dependencies: request?.dependencies ?? [] };
  });
  return { resources, ...(outputs ? { outputs } : {}), ...(error ? { error } : {}) };
}

function resolved(value: unknown): Promise<unknown> {
  return pulumi.Output.isInstance(value) ? new Promise((resolve) => value.apply((inner) => resolve(inner))) : Promise.resolve(value);
}

function only(run: OpsRun, type: string): Registered {
  const matches = run.resources.filter((resource) => resource.type === type);
  if (matches.length !== 1) throw new Error(`expected one ${type}, got ${matches.length}`);
  return matches[0]!;
}

async function configError(raw: RawConfig, secretKeys: readonly string[] = SECRET_KEYS): Promise<OpsConfigError> {
  const run = await runOps(raw, secretKeys);
  expect(run.resources).toEqual([]);
  if (!run.error) throw new Error("expected the program to refuse the configuration");
  expect(run.error.name).toBe("OpsConfigError");
  expect(run.error.message).not.toContain(OP_TOKEN);
  expect(run.error.message).not.toContain(SSH_KEY.split("\n")[1]);
  return run.error as OpsConfigError;
}

// --- the resources ------------------------------------------------------------------------------

describe("ops program with a valid configuration", () => {
  let run: OpsRun;
  beforeAll(async () => {
    run = await runOps(validConfig());
  });

  test("registers exactly the deployment settings and the drift schedule", () => {
    expect(run.error).toBeUndefined();
    expect(run.resources.map((resource) => `${resource.type}::${resource.name}`).sort()).toEqual([
      `${SETTINGS_TYPE}::homelab-prod-deployment-settings`,
      `${DRIFT_TYPE}::homelab-prod-drift-schedule`,
    ]);
  });

  test("the settings target the lab's stack and deploy main through GitHub (vcs, not the deprecated github)", () => {
    const { inputs } = only(run, SETTINGS_TYPE);
    expect(inputs).toMatchObject({ organization: "example-org", project: "homelab", stack: "prod" });
    expect(inputs.github).toBeUndefined();
    expect(inputs.vcs).toEqual({
      provider: "github",
      repository: "example-org/homelab",
      deployCommits: true,
      previewPullRequests: true,
      pullRequestTemplate: false,
      paths: labPaths("prod"),
    });
    expect(inputs.sourceContext).toEqual({ git: { branch: "refs/heads/main" } });
  });

  test("runs go to the customer-managed agent pool inside the LAN", () => {
    expect(only(run, SETTINGS_TYPE).inputs.agentPoolId).toBe(POOL);
  });

  test("each run installs the locked dependencies with npm ci, after the tool check and the ssh setup", () => {
    const { operationContext } = only(run, SETTINGS_TYPE).inputs;
    const commands = operationContext.preRunCommands as string[];
    expect(commands.at(-2)).toMatch(/^npm ci\b/);
    // The compiled program is what main.js runs when it matches the sources.
    expect(commands.at(-1)).toBe("npm run build");
    expect(commands[0]).toMatch(/command -v/);
    for (const tool of ["node", "npm", "ssh", "docker", "op"]) expect(commands[0]).toContain(` ${tool}`);
    expect(commands[1]).toContain('"$DOCKER_SSH_PRIVATE_KEY"');
    expect(commands[1]).toContain('"$DOCKER_SSH_KNOWN_HOSTS"');
    // Deployments' own `npm install` would not honour the lock file the way npm ci does.
    expect(operationContext.options).toEqual({ skipInstallDependencies: true, skipIntermediateDeployments: true });
  });

  test("credentials reach the run only as secret environment values", () => {
    const inputs = only(run, SETTINGS_TYPE).inputs;
    // Secrecy is per value: the commands and the host keys stay readable in previews and diffs.
    expect(isSecret(inputs.operationContext)).toBe(false);
    expect(isSecret(inputs.operationContext.environmentVariables)).toBe(false);
    const env = inputs.operationContext.environmentVariables as Record<string, unknown>;
    expect(Object.keys(env).sort()).toEqual(["DOCKER_SSH_KNOWN_HOSTS", "DOCKER_SSH_PRIVATE_KEY", "OP_SERVICE_ACCOUNT_TOKEN"]);
    expect(isSecret(env.OP_SERVICE_ACCOUNT_TOKEN) && env.OP_SERVICE_ACCOUNT_TOKEN.value).toBe(OP_TOKEN);
    expect(isSecret(env.DOCKER_SSH_PRIVATE_KEY) && env.DOCKER_SSH_PRIVATE_KEY.value).toBe(SSH_KEY);
    expect(env.DOCKER_SSH_KNOWN_HOSTS).toBe(KNOWN_HOSTS); // public host keys, not a secret
    // Pulumi Deployments gives each run its own Pulumi token: none is configured here.
    expect(env).not.toHaveProperty("PULUMI_ACCESS_TOKEN");
    const visible = JSON.stringify(withoutSecrets(run.resources.map((resource) => resource.inputs)));
    expect(visible).not.toContain(OP_TOKEN);
    expect(visible).not.toContain("OPENSSH PRIVATE KEY");
    expect(visible).not.toContain("pul-not-read-by-the-program");
  });

  test("the drift schedule detects only: no auto-remediation, the configured cron, the same stack", () => {
    const { inputs } = only(run, DRIFT_TYPE);
    expect(inputs).toEqual({ organization: "example-org", project: "homelab", stack: "prod", scheduleCron: "30 9 * * *", autoRemediate: false });
  });

  test("the drift schedule is created after (depends on) the deployment settings", () => {
    const settings = only(run, SETTINGS_TYPE);
    expect(only(run, DRIFT_TYPE).dependencies).toContain(settings.urn);
    expect(settings.dependencies).toEqual([]);
  });

  test("stack outputs: the settings' id, the schedule's id and the path filters", () => {
    expect(run.outputs).toEqual({ deploymentSettings: "example-org/homelab/prod", driftScheduleId: "schedule-homelab-prod-drift-schedule", pathFilters: labPaths("prod") });
  });
});

describe("ops program options", () => {
  test("another branch, stack and an executor image", async () => {
    const raw = { ...validConfig(), [`${OPS_PROJECT}:branch`]: "release/lab", [`${OPS_PROJECT}:labStack`]: "dev", [`${OPS_PROJECT}:executorImage`]: "ghcr.io/example-org/homelab-executor:1.2.0" };
    const run = await runOps(raw);
    const { inputs } = only(run, SETTINGS_TYPE);
    expect(inputs.sourceContext.git.branch).toBe("refs/heads/release/lab");
    expect(inputs.executorContext).toEqual({ executorImage: "ghcr.io/example-org/homelab-executor:1.2.0" });
    expect(inputs.vcs.paths).toContain("Pulumi.dev.yaml");
    expect(inputs.vcs.paths).not.toContain("Pulumi.prod.yaml");
    expect(only(run, DRIFT_TYPE).inputs.stack).toBe("dev");
  });

  test("without executorImage the default executor is used", async () => {
    const run = await runOps(validConfig());
    expect(only(run, SETTINGS_TYPE).inputs.executorContext).toBeUndefined();
  });
});

// --- bad configuration --------------------------------------------------------------------------

describe("ops program refuses a bad configuration, naming the key, registering nothing", () => {
  const REQUIRED = ["organization", "labProject", "labStack", "repository", "agentPoolId", "driftCron", "dockerSshKnownHosts", "opServiceAccountToken", "dockerSshPrivateKey"];

  test.each(REQUIRED)("missing homelab-ops:%s", async (key) => {
    const raw = validConfig();
    delete raw[`${OPS_PROJECT}:${key}`];
    const error = await configError(raw);
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^homelab-ops:${key}: required: \\S`))]);
  });

  const INVALID: [string, string, RegExp][] = [
    ["organization", "my org", /expected a Pulumi organization name/],
    ["repository", "homelab", /expected a GitHub repository as owner\/name, got "homelab"/],
    ["branch", "refs/heads/main", /without refs\/heads/],
    ["agentPoolId", "pool-1", /expected the agent pool's id, a UUID, got "pool-1"/],
    ["agentPoolId", "00000000-0000-0000-0000-000000000000", /nil UUID/],
    ["driftCron", "@daily", /expected 5 cron fields/],
    ["driftCron", "0 24 * * *", /hour: 24 is outside 0-23/],
    ["driftCron", "0 4 * * MON-XYZ", /day of week: "MON-XYZ" is not a number or name/],
    ["dockerSshKnownHosts", "barbary.in.hypyr.space", /line 1 is not a known_hosts entry/],
    ["executorImage", "not an image", /expected an image reference/],
  ];

  test.each(INVALID)("homelab-ops:%s = %j", async (key, value, message) => {
    const error = await configError({ ...validConfig(), [`${OPS_PROJECT}:${key}`]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^homelab-ops:${key}: `));
    expect(error.problems[0]).toMatch(message);
  });

  test("a passphrase-protected SSH key is refused without echoing it", async () => {
    const error = await configError({ ...validConfig(), [`${OPS_PROJECT}:dockerSshPrivateKey`]: openSshKey("aes256-ctr") });
    expect(error.problems).toEqual(["homelab-ops:dockerSshPrivateKey: the key is passphrase-protected; an unattended run cannot enter a passphrase"]);
  });

  test("something that is not a private key is refused without echoing it", async () => {
    const error = await configError({ ...validConfig(), [`${OPS_PROJECT}:dockerSshPrivateKey`]: "ssh-ed25519 AAAA-this-is-a-public-key" });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^homelab-ops:dockerSshPrivateKey: expected a private key/);
    expect(error.message).not.toContain("this-is-a-public-key");
  });

  test("credentials stored in plain text are refused, without echoing them", async () => {
    const error = await configError(validConfig(), []);
    expect(error.problems).toEqual([
      expect.stringMatching(/^homelab-ops:opServiceAccountToken: stored in plain text; .*pulumi config set --secret homelab-ops:opServiceAccountToken/),
      expect.stringMatching(/^homelab-ops:dockerSshPrivateKey: stored in plain text; /),
    ]);
  });

  test("an empty token is refused", async () => {
    const error = await configError({ ...validConfig(), [`${OPS_PROJECT}:opServiceAccountToken`]: "  " });
    expect(error.problems).toEqual(["homelab-ops:opServiceAccountToken: must not be empty"]);
  });

  test("a misspelt key is named as unknown, with the nearest valid key (as the lab's are)", async () => {
    const error = await configError({ ...validConfig(), [`${OPS_PROJECT}:agentPool`]: POOL });
    expect(error.problems).toEqual(["homelab-ops:agentPool: unknown key; the nearest valid key is homelab-ops:agentPoolId"]);
    // No far-fetched hint for a key near none.
    expect((await configError({ ...validConfig(), [`${OPS_PROJECT}:webhookSecret`]: "x" })).problems).toEqual(["homelab-ops:webhookSecret: unknown key"]);
  });

  test.each([
    ["pulumiservice:acessToken", "not a config key of @pulumi/pulumiservice 1.3.0; the nearest valid key is pulumiservice:accessToken"],
    ["homelab:domain", "belongs to the lab's own project (Pulumi.<stack>.yaml at the repository root), not to this project's stack file"],
    ["docker:host", "belongs to the lab's own project (Pulumi.<stack>.yaml at the repository root), not to this project's stack file"],
    ["onepassword:serviceAccountToken", "belongs to the lab's own project (Pulumi.<stack>.yaml at the repository root), not to this project's stack file"],
    ["cloudflare:apiToken", "belongs to the lab's own project (Pulumi.<stack>.yaml at the repository root), not to this project's stack file"],
    ["homelab-opps:branch", 'unknown namespace "homelab-opps" (this project reads homelab-ops, pulumiservice and pulumi keys); the nearest valid key is homelab-ops:branch'],
    ["deploy:branch", 'unknown namespace "deploy" (this project reads homelab-ops, pulumiservice and pulumi keys)'],
  ])("a key outside homelab-ops: %s", async (key, problem) => {
    const error = await configError({ ...validConfig(), [key]: "x" });
    expect(error.problems).toEqual([`${key}: ${problem}`]);
  });

  test("the provider's own key and Pulumi's are accepted", async () => {
    const config = { ...validConfig(), "pulumiservice:accessToken": "pul-x", "pulumi:tags": '{"a":"b"}' };
    expect(parseOpsConfig(config, () => true)).toMatchObject({ labProject: "homelab", labStack: "prod" });
  });

  test("a placeholder left in is named with what to set", async () => {
    const error = await configError({ ...validConfig(), [`${OPS_PROJECT}:agentPoolId`]: PLACEHOLDER });
    expect(error.problems).toEqual([expect.stringMatching(/^homelab-ops:agentPoolId: still the placeholder REPLACE-ME; set the id of a customer-managed agent pool/)]);
  });

  test("every problem is reported at once", async () => {
    const raw: RawConfig = { ...validConfig(), [`${OPS_PROJECT}:driftCron`]: "every night", [`${OPS_PROJECT}:repository`]: "x" };
    delete raw[`${OPS_PROJECT}:agentPoolId`];
    const error = await configError(raw);
    expect(error.problems.map((problem) => problem.slice(0, problem.indexOf(": ")))).toEqual(
      expect.arrayContaining(["homelab-ops:driftCron", "homelab-ops:repository", "homelab-ops:agentPoolId"]),
    );
    expect(error.problems).toHaveLength(3);
    expect(error.message).toMatch(/^Invalid homelab-ops configuration \(3 problems\):/);
  });
});

// --- the committed project and stack files ------------------------------------------------------

describe("ops/Pulumi.yaml and ops/Pulumi.prod.yaml", () => {
  const project = parseYaml(readFileSync(path.join(ROOT, "ops/Pulumi.yaml"), "utf8")) as { name: string; runtime: { name: string; options: Record<string, unknown> } };
  const stackFile = parseYaml(readFileSync(path.join(ROOT, "ops/Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
  const committed = Object.fromEntries(Object.entries(stackFile.config).map(([key, value]) => [key, String(value)]));

  test("a TypeScript project named homelab-ops", () => {
    expect(project.name).toBe(OPS_PROJECT);
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
  });

  test("it points at the lab's real project and an existing stack of it", () => {
    const lab = parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string };
    expect(committed[`${OPS_PROJECT}:labProject`]).toBe(lab.name);
    expect(existsSync(path.join(ROOT, `Pulumi.${committed[`${OPS_PROJECT}:labStack`]}.yaml`))).toBe(true);
    expect(cronProblem(committed[`${OPS_PROJECT}:driftCron`] ?? "")).toBeUndefined();
  });

  test("no credential is committed", () => {
    expect(Object.keys(committed).filter((key) => /Token|PrivateKey/.test(key))).toEqual([]);
  });

  test("only the operator's own values are left to fill in, and the program says which", () => {
    const withSecrets = { ...committed, [`${OPS_PROJECT}:opServiceAccountToken`]: OP_TOKEN, [`${OPS_PROJECT}:dockerSshPrivateKey`]: SSH_KEY };
    const refused = (() => {
      try {
        parseOpsConfig(withSecrets, (key) => SECRET_KEYS.includes(key));
      } catch (error) {
        return error as OpsConfigError;
      }
      throw new Error("the committed config parsed with placeholders in it");
    })();
    expect(refused.problems.map((problem) => problem.slice(0, problem.indexOf(": "))).sort()).toEqual(
      ["agentPoolId", "dockerSshKnownHosts", "organization", "repository"].map((key) => `${OPS_PROJECT}:${key}`),
    );
    for (const problem of refused.problems) expect(problem).toContain(`still the placeholder ${PLACEHOLDER}; set `);

    const filled = { ...withSecrets, [`${OPS_PROJECT}:organization`]: "example-org", [`${OPS_PROJECT}:repository`]: "example-org/homelab", [`${OPS_PROJECT}:agentPoolId`]: POOL, [`${OPS_PROJECT}:dockerSshKnownHosts`]: KNOWN_HOSTS };
    expect(parseOpsConfig(filled, (key) => SECRET_KEYS.includes(key))).toMatchObject({ labProject: "homelab", labStack: "prod", branch: "main" });
  });
});

// --- path filters -------------------------------------------------------------------------------

/** Every repository file the lab's program loads: the import closure of index.ts. */
function programFiles(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) {
      const base = path.resolve(path.dirname(file), match[1]!);
      const target = [`${base}.ts`, path.join(base, "index.ts"), base].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
      if (target) visit(target);
    }
  };
  visit(path.join(ROOT, "index.ts"));
  return [...seen].map((file) => path.relative(ROOT, file).split(path.sep).join("/"));
}

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

describe("path filters: exactly the changes that can change the lab trigger a run", () => {
  const filters = labPaths("prod");

  test("every file the program imports triggers a run", () => {
    const files = programFiles();
    expect(files).toEqual(expect.arrayContaining(["index.ts", "program.ts", "config/index.ts", "lab/index.ts"]));
    expect(files.filter((file) => !triggersRun(file, filters))).toEqual([]);
  });

  test("files the program reads at run time, the stack, dependencies and compiler settings trigger a run", () => {
    for (const file of [...filesUnder("lab/stacks"), "Pulumi.yaml", "Pulumi.prod.yaml", "package.json", "package-lock.json", "tsconfig.json"]) {
      expect([file, triggersRun(file, filters)]).toEqual([file, true]);
    }
  });

  test("tests, docs, tooling, CI, the dev stack and the ops project do not", () => {
    const quiet = ["README.md", "test/program.test.ts", "test/fixtures/seed.ts", "scripts/drift.ts", "live/scan.ts", "offline/run.ts", "bench/scan.ts", ".ci/run", ".github/workflows/lab-up.yml", "Pulumi.dev.yaml", "ops/index.ts", "ops/Pulumi.prod.yaml", "docs/anything.md", ".gitignore"];
    for (const file of quiet) expect([file, triggersRun(file, filters)]).toEqual([file, false]);
  });

  test("no filter is dead: each matches a file in the repository", () => {
    const files = ["Pulumi.yaml", "Pulumi.prod.yaml", "main.js", "scripts/source-hash.js", "scripts/cache-provider-code.js", "index.ts", "program.ts", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", ...["config", "components", "lab", "lib", "images", "caddy", "forward-auth", "evaluation", "providers"].flatMap(filesUnder)];
    for (const filter of filters) expect([filter, files.some((file) => triggersRun(file, [filter]))]).toEqual([filter, true]);
  });

  test("the matcher follows Deployments' rules: whole-path globs, ** across folders, ! excludes", () => {
    expect(triggersRun("lab/stacks/platform/postgres/index.ts", ["lab/**"])).toBe(true);
    expect(triggersRun("lab.ts", ["lab/**"])).toBe(false);
    expect(triggersRun("sub/index.ts", ["index.ts"])).toBe(false);
    expect(triggersRun("lab/stacks/x.md", ["lab/**", "!**/*.md"])).toBe(false);
    expect(triggersRun("README.md", ["!**/*.md"])).toBe(false);
    expect(triggersRun("anything", [])).toBe(true);
  });
});

// --- the pure checks ------------------------------------------------------------------------------

describe("checks", () => {
  test.each(["30 9 * * *", "*/15 * * * *", "0 3 * * 1-5", "0 3 1,15 * *", "0 0 * JAN-MAR SUN", "0 4 * * 7"])("cron %j is valid", (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });

  test.each([
    ["* * * *", /expected 5 cron fields/],
    ["60 * * * *", /minute: 60 is outside 0-59/],
    ["0 0 0 * *", /day of month: 0 is outside 1-31/],
    ["0 0 * 13 *", /month: 13 is outside 1-12/],
    ["0 5-1 * * *", /hour: range "5-1" runs backwards/],
    ["*/0 * * * *", /minute: step must be at least 1/],
    ["0 0 * * ? ", /day of week: cannot read "\?"/],
  ])("cron %j is refused", (cron, message) => {
    expect(cronProblem(cron)).toMatch(message);
  });

  test("PEM keys: plain accepted, encrypted refused, never echoed", () => {
    expect(privateKeyProblem(SSH_KEY)).toBeUndefined();
    expect(privateKeyProblem("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----")).toBeUndefined();
    expect(privateKeyProblem("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIB\n-----END RSA PRIVATE KEY-----")).toMatch(/passphrase-protected/);
    expect(privateKeyProblem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----")).toMatch(/passphrase-protected/);
    expect(privateKeyProblem("-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----")).toMatch(/damaged/);
  });
});

describe("refresh report (nightly job)", () => {
  test("no changes", () => {
    const summary = summariseRefresh({ changeSummary: { same: 42 }, steps: [{ op: "same", urn: "urn:a" }] });
    expect(summary.changes).toBe(0);
    expect(summary.markdown).toContain("no drift");
  });

  test("changes are counted and listed", () => {
    const summary = summariseRefresh({
      changeSummary: { same: 40, update: 1, delete: 1 },
      steps: [
        { op: "same", urn: "urn:a" },
        { op: "update", urn: "urn:pulumi:prod::homelab::docker:index/service:Service::sonarr" },
        { op: "delete", urn: "urn:pulumi:prod::homelab::docker:index/network:Network::old" },
      ],
    });
    expect(summary.changes).toBe(2);
    expect(summary.resources).toEqual([
      { op: "update", urn: "urn:pulumi:prod::homelab::docker:index/service:Service::sonarr" },
      { op: "delete", urn: "urn:pulumi:prod::homelab::docker:index/network:Network::old" },
    ]);
    expect(summary.markdown).toContain("2 managed resources drifted");
  });

  test("output without a change summary is an error, never 'no drift'", () => {
    expect(() => summariseRefresh({ steps: [] })).toThrow(/no changeSummary/);
    expect(() => summariseRefresh(null)).toThrow(/no changeSummary/);
  });
});
