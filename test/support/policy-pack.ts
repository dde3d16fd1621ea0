import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { EnforcementLevel } from "@pulumi/policy";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { Finding, PackConfig, TestResource } from "./policy-analyzer";

/**
 * The policy pack in its own process, as `pulumi preview --policy-pack policy` starts it: the
 * language host runs @pulumi/pulumi's run-policy-pack in policy/ (ts-node, type-checked, with the
 * SDK's own compiler options since policy/ has no tsconfig.json), the pack serves the analyzer's
 * gRPC service on 127.0.0.1 and prints its port, and the engine sends it each resource. The engine
 * address argument is required but unused. On SIGTERM the process writes the files it loaded.
 */

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");
const START_TIMEOUT_MS = 120_000;
const LEVELS: Record<number, EnforcementLevel> = {
  [proto.EnforcementLevel.ADVISORY]: "advisory",
  [proto.EnforcementLevel.MANDATORY]: "mandatory",
  [proto.EnforcementLevel.DISABLED]: "disabled",
  [proto.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_CODES = Object.fromEntries(Object.entries(LEVELS).map(([code, level]) => [level, Number(code)])) as Record<EnforcementLevel, proto.EnforcementLevel>;

export interface PolicyInfo {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly configSchema: Record<string, unknown> | undefined;
}

export class PolicyPackProcess {
  private stopped: Promise<string[]> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: AnalyzerClient,
    private readonly scratch: string,
  ) {}

  static async start(): Promise<PolicyPackProcess> {
    const scratch = mkdtempSync(path.join(tmpdir(), "policy-pack-"));
    const preload = path.join(scratch, "loaded-files.js");
    writeFileSync(
      preload,
      `process.on("SIGTERM", () => { require("fs").writeFileSync(${JSON.stringify(path.join(scratch, "loaded.json"))}, JSON.stringify(Object.keys(require.cache))); process.exit(0); });\n`,
    );
    const child = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], {
      cwd: POLICY_DIR,
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`.trim() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let errors = "";
    child.stderr?.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    const port = await PolicyPackProcess.port(child, () => errors).catch((error: unknown) => {
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    });
    return new PolicyPackProcess(child, new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()), scratch);
  }

  /** The port the pack prints once it serves. */
  private static port(child: ChildProcess, errors: () => string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      // Type-checking the pack takes seconds; a pack that neither serves nor fails is stopped.
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the policy pack printed no port within ${START_TIMEOUT_MS / 1000}s: ${errors()}`));
      }, START_TIMEOUT_MS);
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const line = /^(\d+)\s*$/m.exec(output);
        if (line?.[1]) {
          clearTimeout(timer);
          resolve(line[1]);
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the policy pack exited early (${String(code)}): ${errors()}`));
      });
    });
  }

  private call<Res>(invoke: (callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown): Promise<Res> {
    return new Promise<Res>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
  }

  async policies(): Promise<PolicyInfo[]> {
    const info = await this.call<proto.AnalyzerInfo>((done) => this.client.getAnalyzerInfo(new Empty(), done));
    return info.getPoliciesList().map((policy) => ({
      name: policy.getName(),
      description: policy.getDescription(),
      enforcementLevel: LEVELS[policy.getEnforcementlevel()]!,
      configSchema: policy.getConfigschema()?.getProperties()?.toJavaScript(),
    }));
  }

  /** What `--policy-pack-config` hands the pack: each policy's level and properties. */
  async configure(config: PackConfig): Promise<void> {
    const request = new proto.ConfigureAnalyzerRequest();
    for (const [name, configured] of Object.entries(config)) {
      const { enforcementLevel = "mandatory", ...properties } = typeof configured === "string" ? { enforcementLevel: configured } : configured;
      request.getPolicyconfigMap().set(name, new proto.PolicyConfig().setEnforcementlevel(LEVEL_CODES[enforcementLevel]).setProperties(Struct.fromJavaScript(properties as never)));
    }
    await this.call((done) => this.client.configure(request, done));
  }

  /** The engine's request for one resource: the diagnostics as the SDK sends them. */
  async analyze(resource: TestResource): Promise<Finding[]> {
    const options = new proto.AnalyzerResourceOptions().setAdditionalsecretoutputsList([...(resource.additionalSecretOutputs ?? [])]);
    if (resource.parent) options.setParent(resource.parent);
    const request = new proto.AnalyzeRequest()
      .setType(resource.type)
      .setName(resource.name)
      .setUrn(`urn:pulumi:test::homelab::${resource.type}::${resource.name}`)
      .setProperties(Struct.fromJavaScript(resource.inputs as never))
      .setOptions(options);
    const response = await this.call<proto.AnalyzeResponse>((done) => this.client.analyze(request, done));
    return response.getDiagnosticsList().map((diagnostic) => ({
      policy: diagnostic.getPolicyname(),
      level: LEVELS[diagnostic.getEnforcementlevel()]!,
      resource: resource.name,
      description: diagnostic.getDescription(),
      message: diagnostic.getMessage(),
    }));
  }

  /** Stops the pack (once, however often asked): the repository's files it had loaded. */
  stop(): Promise<string[]> {
    this.stopped ??= this.terminate();
    return this.stopped;
  }

  private async terminate(): Promise<string[]> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
    try {
      const loaded = JSON.parse(readFileSync(path.join(this.scratch, "loaded.json"), "utf8")) as string[];
      return loaded.map((file) => path.relative(path.join(POLICY_DIR, ".."), file)).filter((file) => !file.startsWith(".."));
    } finally {
      rmSync(this.scratch, { recursive: true, force: true });
    }
  }
}
