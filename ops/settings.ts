import * as pulumi from "@pulumi/pulumi";
import type { DeploymentSettingsArgs, DriftScheduleArgs } from "@pulumi/pulumiservice";
import { z } from "zod";
import { type ConfigNamespaces, unreadConfigKeys } from "../config/namespaces";
import { ProblemList } from "../lib/problems";

/**
 * The pure half of the ops program: validates the `homelab-ops:*` stack configuration and turns it
 * into the arguments of the two Pulumi Cloud resources that run the lab. Nothing here registers a
 * resource or does I/O, so the tests (and a reviewer) can read the exact settings off the result.
 */

export const OPS_PROJECT = "homelab-ops";

/** A value the committed stack file ships with where only the operator knows the real one. */
export const PLACEHOLDER = "REPLACE-ME";

/** What each key holds, shown whenever the key is missing, invalid or still the placeholder. */
export const KEY_HELP = {
  organization: "the Pulumi Cloud organization that owns the lab's stack",
  labProject: "the lab's Pulumi project (name: in the root Pulumi.yaml)",
  labStack: "the lab's stack that Deployments runs, e.g. prod",
  repository: "the lab's GitHub repository as owner/name (the Pulumi GitHub app must be installed on it)",
  branch: "the branch whose pushes deploy, without refs/heads/",
  agentPoolId: "the id of a customer-managed agent pool inside the LAN (Pulumi Cloud: Settings > Deployments > Agent pools)",
  driftCron: "when drift detection runs, a 5-field cron expression in UTC, e.g. '30 4 * * *'",
  executorImage: "optional executor image with node 20+, npm, ssh, the docker CLI and the 1Password CLI (op)",
  dockerSshKnownHosts: "known_hosts line(s) of the lab's Docker host: ssh-keyscan -t ed25519 <host>",
  opServiceAccountToken: "the 1Password service account token the lab program reads its secrets with",
  dockerSshPrivateKey: "the unencrypted private SSH key of the deploy user on the Docker host",
} as const;

export type OpsConfigKey = keyof typeof KEY_HELP;

/** Keys whose values must be stored as Pulumi secrets (`pulumi config set --secret`). */
export const SECRET_KEYS = ["opServiceAccountToken", "dockerSshPrivateKey"] as const satisfies readonly OpsConfigKey[];
type SecretKey = (typeof SECRET_KEYS)[number];

const isSecretKey = (key: string): key is SecretKey => (SECRET_KEYS as readonly string[]).includes(key);

/** Raised for every configuration problem; lists each bad key and what was expected. */
export class OpsConfigError extends ProblemList {
  constructor(problems: readonly string[]) {
    super(`Invalid ${OPS_PROJECT} configuration`, problems);
  }
}

// --- cron -------------------------------------------------------------------------------------

const CRON_FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], first: 1 },
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], first: 0 },
] as const;

/** Why a 5-field cron expression is invalid, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `expected 5 cron fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [index, field] of fields.entries()) {
    const spec = CRON_FIELDS[index]!;
    const value = (token: string): number | undefined => {
      if (/^\d+$/.test(token)) return Number(token);
      const names: readonly string[] | undefined = "names" in spec ? spec.names : undefined;
      const at = names?.indexOf(token.toUpperCase()) ?? -1;
      return at >= 0 && "first" in spec ? at + spec.first : undefined;
    };
    for (const item of field.split(",")) {
      const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
      if (!match) return `${spec.name}: cannot read "${item}"`;
      const [, range, step] = match;
      if (step !== undefined && Number(step) < 1) return `${spec.name}: step must be at least 1 in "${item}"`;
      if (range === "*") continue;
      const [low, high] = range!.split("-").map(value);
      if (low === undefined || (range!.includes("-") && high === undefined)) return `${spec.name}: "${item}" is not a number${"names" in spec ? " or name" : ""}`;
      for (const bound of [low, high]) {
        if (bound !== undefined && (bound < spec.min || bound > spec.max)) return `${spec.name}: ${bound} is outside ${spec.min}-${spec.max}`;
      }
      if (high !== undefined && high < low) return `${spec.name}: range "${item}" runs backwards`;
    }
  }
  return undefined;
}

// --- ssh ----------------------------------------------------------------------------------------

const KNOWN_HOSTS_LINE =
  /^(?:@(?:cert-authority|revoked)\s+)?\S+\s+(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+[A-Za-z0-9+/]+={0,2}(?:\s.*)?$/;

/** Why a known_hosts text is unusable, or undefined. */
export function knownHostsProblem(text: string): string | undefined {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) return "expected at least one known_hosts line";
  const bad = lines.findIndex((line) => !KNOWN_HOSTS_LINE.test(line));
  return bad < 0 ? undefined : `line ${bad + 1} is not a known_hosts entry (<host> <key type> <base64 key>)`;
}

/**
 * Why a private key cannot be used by an unattended run, or undefined. Never includes the key.
 * OpenSSH keys carry their cipher name in the clear: anything but "none" needs a passphrase.
 */
export function privateKeyProblem(text: string): string | undefined {
  const pem = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([\s\S]*?)-----END \1PRIVATE KEY-----/.exec(text.trim());
  if (!pem) return "expected a private key (-----BEGIN OPENSSH PRIVATE KEY----- ... -----END OPENSSH PRIVATE KEY-----)";
  const [, kind, body] = pem;
  if (/Proc-Type:\s*4,ENCRYPTED/.test(body!) || kind === "ENCRYPTED ") return "the key is passphrase-protected; an unattended run cannot enter a passphrase";
  if (kind === "OPENSSH ") {
    const bytes = Buffer.from(body!.replace(/\s+/g, ""), "base64");
    const magic = "openssh-key-v1\0";
    if (bytes.subarray(0, magic.length).toString("latin1") !== magic) return "the OpenSSH key is damaged (no openssh-key-v1 header)";
    const length = bytes.length >= magic.length + 4 ? bytes.readUInt32BE(magic.length) : -1;
    const cipher = length >= 0 ? bytes.subarray(magic.length + 4, magic.length + 4 + length).toString("latin1") : "";
    if (cipher !== "none") return "the key is passphrase-protected; an unattended run cannot enter a passphrase";
  }
  return undefined;
}

// --- schema -------------------------------------------------------------------------------------

const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const opsSchema = z.strictObject({
  organization: z.string().regex(NAME, { message: "expected a Pulumi organization name (letters, digits, '.', '_', '-')" }),
  labProject: z.string().regex(NAME, { message: "expected a Pulumi project name (letters, digits, '.', '_', '-')" }),
  labStack: z.string().regex(NAME, { message: "expected a stack name such as prod (letters, digits, '.', '_', '-')" }),
  repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9._-]+$/, { message: "expected a GitHub repository as owner/name" }),
  branch: z
    .string()
    .regex(/^(?!refs\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, { message: "expected a branch name such as main (without refs/heads/)" })
    .default("main"),
  agentPoolId: z.uuid({ message: "expected the agent pool's id, a UUID" }).refine((id) => id !== NIL_UUID, { message: "the nil UUID is not an agent pool" }),
  driftCron: z.string().superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  executorImage: z.string().regex(/^\S+$/, { message: "expected an image reference such as ghcr.io/owner/image:tag" }).optional(),
  dockerSshKnownHosts: z.string().superRefine((value, ctx) => {
    const problem = knownHostsProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  opServiceAccountToken: z.string().trim().min(1, { message: "must not be empty" }),
  dockerSshPrivateKey: z.string().superRefine((value, ctx) => {
    const problem = privateKeyProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
});

type ParsedOps = z.output<typeof opsSchema>;

/** The validated configuration. Secret values exist only as Pulumi secrets. */
export interface OpsConfig extends Omit<ParsedOps, SecretKey> {
  readonly secrets: { readonly [K in SecretKey]: pulumi.Output<string> };
}

const keyName = (key: string) => `${OPS_PROJECT}:${key}`;

/** Who reads which keys of this project's stack file: itself, the Pulumi Cloud provider, Pulumi. */
export const OPS_NAMESPACES: ConfigNamespaces = {
  project: OPS_PROJECT,
  projectKeys: Object.keys(KEY_HELP),
  providers: ["@pulumi/pulumiservice"],
  // The lab program's own keys and its providers' belong in the lab's stack file.
  elsewhere: Object.fromEntries(["homelab", "docker", "onepassword", "cloudflare"].map((namespace) => [namespace, "the lab's own project (Pulumi.<stack>.yaml at the repository root)"])),
};

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function help(key: string): string {
  return key in KEY_HELP ? KEY_HELP[key as OpsConfigKey] : "";
}

/**
 * Validates the raw configuration (every key as Pulumi hands it to a program, `<namespace>:<key>`
 * → string). `isSecret` tells whether Pulumi holds a key as a secret; the two credentials must be.
 * Every problem is reported at once, each naming its key; secret values are never echoed.
 */
export function parseOpsConfig(rawConfig: Readonly<Record<string, string>>, isSecret: (fullKey: string) => boolean): OpsConfig {
  const raw: Record<string, string> = {};
  for (const [fullKey, value] of Object.entries(rawConfig)) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace === OPS_PROJECT && key) raw[key] = value;
  }

  const problems: string[] = unreadConfigKeys(rawConfig, OPS_NAMESPACES);
  for (const [key, value] of Object.entries(raw)) {
    if (value.includes(PLACEHOLDER)) problems.push(`${keyName(key)}: still the placeholder ${PLACEHOLDER}; set ${help(key)}`);
    else if (isSecretKey(key) && !isSecret(keyName(key))) {
      problems.push(`${keyName(key)}: stored in plain text; remove it from Pulumi.<stack>.yaml and set it with \`pulumi config set --secret ${keyName(key)}\``);
    }
  }
  const flagged = new Set(problems.map((problem) => problem.slice(0, problem.indexOf(": "))));

  const result = opsSchema.safeParse(raw);
  if (result.success && problems.length === 0) {
    const { opServiceAccountToken, dockerSshPrivateKey, ...rest } = result.data;
    return { ...rest, secrets: { opServiceAccountToken: pulumi.secret(opServiceAccountToken), dockerSshPrivateKey: pulumi.secret(dockerSshPrivateKey) } };
  }
  for (const issue of result.success ? [] : result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push(`${keyName(key)}: unknown key (check its spelling; known keys: ${Object.keys(KEY_HELP).join(", ")})`);
      continue;
    }
    const key = String(issue.path[0] ?? "");
    if (flagged.has(keyName(key))) continue;
    const value = raw[key];
    if (value === undefined) problems.push(`${keyName(key)}: required: ${help(key)}`);
    else problems.push(`${keyName(key)}: ${issue.message}${isSecretKey(key) ? "" : `, got ${describe(value)}`}`);
  }
  throw new OpsConfigError(problems);
}

// --- what the lab's runs need -------------------------------------------------------------------

/**
 * Files whose change can change what `pulumi up` does to the lab, relative to the repository root
 * (Deployments matches each changed path against these globs). The program and everything it
 * imports or reads at run time (config/, components/, lab/ with lab/files/, lib/, providers/), the
 * project and stack files, and what decides the installed dependencies and the compile. Not: tests,
 * docs, the review tooling (engine/, scripts/, offline/, bench/), CI files, the dev stack and this
 * ops/ project: a push touching only those must not deploy.
 */
export function labPaths(labStack: string): string[] {
  return [
    "Pulumi.yaml",
    `Pulumi.${labStack}.yaml`,
    "main.js",
    "scripts/source-hash.js",
    "scripts/cache-provider-code.js",
    "index.ts",
    "program.ts",
    "config/**",
    "components/**",
    "lab/**",
    "lib/**",
    "providers/**",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.build.json",
  ];
}

/** A Deployments path filter as a regular expression: the glob must match the whole path. */
function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether a push changing `file` triggers a run under these filters, as Deployments evaluates them:
 * no include filter or a matching one, and no matching `!exclude` filter.
 */
export function triggersRun(file: string, filters: readonly string[]): boolean {
  const includes = filters.filter((filter) => !filter.startsWith("!")).map(globToRegExp);
  const excludes = filters.filter((filter) => filter.startsWith("!")).map((filter) => globToRegExp(filter.slice(1)));
  return (includes.length === 0 || includes.some((re) => re.test(file))) && !excludes.some((re) => re.test(file));
}

/** The environment variable names a run sees; secret ones hold Pulumi secrets. */
export const RUN_ENV = {
  opServiceAccountToken: "OP_SERVICE_ACCOUNT_TOKEN",
  dockerSshPrivateKey: "DOCKER_SSH_PRIVATE_KEY",
  dockerSshKnownHosts: "DOCKER_SSH_KNOWN_HOSTS",
} as const;

const TOOLS = ["node", "npm", "ssh", "docker", "op"] as const;

/**
 * Shell commands each run executes before Pulumi does (bash, in the checked-out repository):
 * check the executor has the tools the lab needs, give ssh the deploy key and the host's key, then
 * install the locked dependencies (`npm ci`; Deployments' own install step is skipped) and build
 * the program, which main.js then runs compiled (the fastest evaluation, see BENCHMARKS.md).
 */
export function preRunCommands(): string[] {
  return [
    `for tool in ${TOOLS.join(" ")}; do command -v "$tool" >/dev/null || { echo "${OPS_PROJECT}: $tool is missing from the executor image; set ${keyName("executorImage")} to an image with ${TOOLS.join(", ")}" >&2; exit 1; }; done`,
    `umask 077 && mkdir -p ~/.ssh && printf '%s\\n' "$${RUN_ENV.dockerSshPrivateKey}" > ~/.ssh/homelab_deploy && printf '%s\\n' "$${RUN_ENV.dockerSshKnownHosts}" >> ~/.ssh/known_hosts && printf 'Host *\\n  IdentityFile ~/.ssh/homelab_deploy\\n  IdentitiesOnly yes\\n' >> ~/.ssh/config`,
    "npm ci --no-audit --no-fund",
    "npm run build",
  ];
}

export interface OpsPlan {
  readonly deploymentSettings: { readonly name: string; readonly args: DeploymentSettingsArgs };
  readonly driftSchedule: { readonly name: string; readonly args: DriftScheduleArgs };
  readonly paths: readonly string[];
}

/** The two resources' names and arguments. The drift schedule must be created after the settings. */
export function buildOpsPlan(config: OpsConfig): OpsPlan {
  const stack = { organization: config.organization, project: config.labProject, stack: config.labStack };
  const paths = labPaths(config.labStack);
  const prefix = `${config.labProject}-${config.labStack}`;
  return {
    paths,
    deploymentSettings: {
      name: `${prefix}-deployment-settings`,
      args: {
        ...stack,
        // Pulumi-hosted runners cannot reach the LAN-only Docker host: runs go to our own agents.
        agentPoolId: config.agentPoolId,
        vcs: {
          provider: "github",
          repository: config.repository,
          deployCommits: true,
          previewPullRequests: true,
          pullRequestTemplate: false,
          paths,
        },
        sourceContext: { git: { branch: `refs/heads/${config.branch}` } },
        ...(config.executorImage ? { executorContext: { executorImage: config.executorImage } } : {}),
        operationContext: {
          preRunCommands: preRunCommands(),
          environmentVariables: {
            [RUN_ENV.opServiceAccountToken]: config.secrets.opServiceAccountToken,
            [RUN_ENV.dockerSshPrivateKey]: config.secrets.dockerSshPrivateKey,
            [RUN_ENV.dockerSshKnownHosts]: config.dockerSshKnownHosts,
          },
          options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
        },
      },
    },
    driftSchedule: {
      name: `${prefix}-drift-schedule`,
      args: { ...stack, scheduleCron: config.driftCron, autoRemediate: false },
    },
  };
}
