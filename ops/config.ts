import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { NAMESPACES } from "../config";
import { type ConfigSchema, issueProblems, pathKeyName } from "../config/issues";
import { type ConfigNamespaces, namespaceValues, projectNamespaces, unreadConfigKeys } from "../config/namespaces";
import { ProblemList } from "../lib/problems";
import { cronProblem, knownHostsProblem, privateKeyProblem } from "./values";

/**
 * The ops program's configuration (`homelab-ops:*` keys): what each key holds, the schema, and the
 * one parse that reports every problem at once, each naming its key. Secret values are never
 * echoed and exist afterwards only as Pulumi secrets.
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

/** `homelab-ops:<key>`, as errors and hints name a key. */
export const keyName = (key: string) => pathKeyName(OPS_PROJECT, [key]);

/** Who reads which keys of this project's stack file: itself, the Pulumi Cloud provider, Pulumi. */
export const OPS_NAMESPACES: ConfigNamespaces = {
  project: OPS_PROJECT,
  projectKeys: Object.keys(KEY_HELP),
  providers: ["@pulumi/pulumiservice"],
  // The lab program's own keys and its providers' belong in the lab's stack file.
  elsewhere: Object.fromEntries(projectNamespaces(NAMESPACES).map((namespace) => [namespace, "the lab's own project (Pulumi.<stack>.yaml at the repository root)"])),
};

function help(key: string): string {
  return key in KEY_HELP ? KEY_HELP[key as OpsConfigKey] : "";
}

/** The keys are flat, so a path is one key; a missing one is explained by what it holds. */
const OPS_SCHEMA: ConfigSchema = { project: OPS_PROJECT, schema: opsSchema, secret: (path) => isSecretKey(String(path[0])), required: (path) => help(String(path[0])) };

/**
 * Validates the raw configuration (every key as Pulumi hands it to a program, `<namespace>:<key>`
 * → string). `isSecret` tells whether Pulumi holds a key as a secret; the two credentials must be.
 * Every problem is reported at once, each naming its key; secret values are never echoed.
 */
export function parseOpsConfig(rawConfig: Readonly<Record<string, string>>, isSecret: (fullKey: string) => boolean): OpsConfig {
  const raw = namespaceValues(rawConfig, OPS_PROJECT, (value) => value);

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
  // A key already named as a placeholder or as plain text is not named again for its value.
  const issues = (result.success ? [] : result.error.issues).filter((issue) => issue.code === "unrecognized_keys" || !flagged.has(keyName(String(issue.path[0] ?? ""))));
  throw new OpsConfigError([...problems, ...issues.flatMap((issue) => issueProblems(issue, raw, OPS_SCHEMA))]);
}
