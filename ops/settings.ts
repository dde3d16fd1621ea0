import type { DeploymentSettingsArgs, DriftScheduleArgs } from "@pulumi/pulumiservice";
import { keyName, OPS_PROJECT, type OpsConfig } from "./config";

/**
 * The pure half of the ops program: turns the validated configuration (./config.ts) into the
 * arguments of the two Pulumi Cloud resources that run the lab. Nothing here registers a resource
 * or does I/O, so the tests (and a reviewer) can read the exact settings off the result.
 */

/**
 * Files whose change can change what `pulumi up` does to the lab, relative to the repository root
 * (Deployments matches each changed path against these globs). The program and everything it
 * imports or reads at run time (config/, components/, lab/ with its stacks' files, lib/, images/,
 * caddy/, forward-auth/, evaluation/, providers/), the
 * project and stack files, and what decides the installed dependencies and the compile. Not: tests,
 * docs, the review and live-swarm tooling (review/, live/, scripts/, offline/, bench/), CI files, the dev stack and this
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
    "images/**",
    "caddy/**",
    "forward-auth/**",
    "evaluation/**",
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
