import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { parseConfig } from "../config";
import { STACKS } from "../lab";
import { type StackDefinition, type Tier, TIERS } from "../lab/model";
import { SHARED_NETWORKS } from "../lab/networks";
import { evaluateLab, ingressSettings, labContext } from "../evaluation/evaluate-lab";
import { LAB_DIR, stackFolder } from "../evaluation/lab-files";
import { PROJECT_DIR } from "../lib/project-dir";
import { writeWholeFiles } from "../lib/whole-files";
import { readConfigFile, readStackConfig } from "../config/stack-file";
import { stackFileText } from "./emit";
import { addSharedNetworks, addStack } from "./lab-edits";
import { type ImportPlan, planImport } from "./map-stack";
import type { ImportNote } from "./notes";
import { interpolationEnv, readCompose } from "./read-compose";

/**
 * `npm run import`: compose files → a stack folder of the lab. Reads the files as `docker stack
 * deploy` does, plans the stack in the lab's vocabulary, writes the stack file and the files it
 * ships, adds the stack to lab/index.ts and its external networks to lab/networks.ts, then holds
 * what it wrote to the two consumers that matter: the TypeScript compiler and lab validation.
 */

export class ImportError extends Error {}

export interface ImportArgs {
  /** The `docker stack deploy` name. */
  readonly stack: string;
  readonly files: readonly string[];
  /** @default "application" */
  readonly tier?: Tier;
  readonly envFile?: string;
  /** Pulumi stack whose config gives the zones and settings the import maps against. @default "prod" */
  readonly configStack?: string;
  readonly configFile?: string;
  /** @default process.env */
  readonly environment?: NodeJS.ProcessEnv;
}

export interface ImportResult {
  readonly stack: string;
  /** The stack's folder, from `lab/`. */
  readonly folder: string;
  /** Every file written or edited, from the project's root. */
  readonly written: readonly string[];
  readonly notes: readonly ImportNote[];
  readonly newSharedNetworks: ImportPlan["newSharedNetworks"];
  /** What the compiler and lab validation say of the result; empty when both accept it. */
  readonly problems: readonly string[];
}

const STACK_NAME = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

function checkArgs(args: ImportArgs): { tier: Tier; folder: string } {
  if (!STACK_NAME.test(args.stack)) throw new ImportError(`--stack: expected lower-case letters, digits, '_' and '-', got "${args.stack}"`);
  const tier = args.tier ?? "application";
  if (!TIERS.includes(tier)) throw new ImportError(`--tier: expected one of ${TIERS.join(", ")}, got "${tier}"`);
  if (existsSync(path.join(LAB_DIR, stackFolder({ name: args.stack, tier })))) {
    throw new ImportError(`lab/${stackFolder({ name: args.stack, tier })} already exists; remove it first or import under another --stack`);
  }
  return { tier, folder: stackFolder({ name: args.stack, tier }) };
}

/** The TypeScript compiler's errors in the files the import wrote, with the project's options. */
function typeErrors(files: readonly string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(PROJECT_DIR, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const program = ts.createProgram([...files], { ...config?.options, noEmit: true });
  const mine = new Set(files.map((file) => path.resolve(file)));
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file !== undefined && mine.has(path.resolve(diagnostic.file.fileName)))
    .map((diagnostic) => {
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      return `${path.relative(PROJECT_DIR, diagnostic.file!.fileName)}:${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
    });
}

/** Lab validation of the whole lab with the new stack (selected too, where config selects stacks). */
function labProblems(raw: Record<string, string>, stackFile: string, plan: ImportPlan): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const definition = (require(stackFile) as { default: StackDefinition }).default;
  const { homelab } = parseConfig(raw, { purpose: "evaluate" });
  // A config that selects stacks selects the new one too (and only stacks the lab has).
  const context = labContext(homelab);
  const known = new Set(STACKS.map((define) => define(context).name));
  const config = { ...homelab, ...(homelab.stacks ? { stacks: [...homelab.stacks.filter((name) => known.has(name)), plan.spec.name] } : {}) };
  try {
    evaluateLab(config, [...STACKS, definition], [...SHARED_NETWORKS, ...plan.newSharedNetworks]);
    return [];
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems;
    return problems ? [...problems] : [(error as Error).message];
  }
}

export function importStack(args: ImportArgs): ImportResult {
  const { tier, folder } = checkArgs(args);
  const raw = args.configFile ? readConfigFile(args.configFile) : readStackConfig(args.configStack ?? "prod");
  const { homelab } = parseConfig(raw, { purpose: "evaluate" });
  const ingress = ingressSettings(homelab);
  const { model, lines } = readCompose(args.files, interpolationEnv(args.envFile, args.environment ?? process.env));
  const plan = planImport(model, lines, {
    stack: args.stack,
    tier,
    ingress,
    pinStateful: homelab.pinStateful,
    sharedNetworks: SHARED_NETWORKS,
    readFile: (file) => readFileSync(file, "utf8"),
    isFile: (file) => existsSync(file) && statSync(file).isFile(),
    composeDir: path.dirname(path.resolve(args.files[0] ?? ".")),
    files: args.files.map((file) => path.basename(file)),
  });

  const stackDir = path.join(LAB_DIR, folder);
  const stackFile = path.join(stackDir, "index.ts");
  const indexFile = path.join(LAB_DIR, "index.ts");
  const networksFile = path.join(LAB_DIR, "networks.ts");
  const modelPath = path.relative(stackDir, path.join(LAB_DIR, "model")).split(path.sep).join("/");
  const files: Record<string, string> = {
    [stackFile]: stackFileText(plan.spec, plan.notes, modelPath, homelab.paths),
    ...Object.fromEntries([...plan.files].map(([name, text]) => [path.join(stackDir, name), text])),
    [indexFile]: addStack(readFileSync(indexFile, "utf8"), folder).text,
  };
  if (plan.newSharedNetworks.length > 0) files[networksFile] = addSharedNetworks(readFileSync(networksFile, "utf8"), plan.newSharedNetworks);
  const written = writeWholeFiles(files);

  const types = typeErrors([stackFile, indexFile, networksFile]);
  const problems = types.length > 0 ? types : labProblems(raw, stackFile, plan);
  return {
    stack: args.stack,
    folder,
    written: written.map((file) => path.relative(PROJECT_DIR, file)),
    notes: plan.notes,
    newSharedNetworks: plan.newSharedNetworks,
    problems,
  };
}
