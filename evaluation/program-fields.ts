import type { HomelabConfig } from "../config";
import type { OpRef } from "../lab/model";
import { type EvaluatedLab, labSecretRefs } from "./evaluate-lab";
import type { FieldValues } from "./secret-values";
import { LabError } from "./validation";

/**
 * The 1Password fields the program reads for itself, to manage Cloudflare and UniFi, rather than
 * to deliver to a service: what each is for, and the shape its value must have. The secret read,
 * the check of the values, the generated docs and the offline run's fake values all ask this.
 */

/** What a field's value must look like; each shape has a check here and a fake offline. */
export type FieldShape =
  /** Base64 of at least 32 random bytes (`openssl rand -base64 32`). */
  | "base64-32"
  /** A Cloudflare id: 32 lower-case hex characters. */
  | "cloudflare-id"
  /** A PEM certificate. */
  | "pem"
  /** Any non-empty text (a token). */
  | "text";

export interface ProgramField {
  readonly ref: OpRef;
  /** `<item>/<field>`, as written in config. */
  readonly written: string;
  readonly purpose: string;
  readonly shape: FieldShape;
}

function field(written: string, purpose: string, shape: FieldShape): ProgramField {
  const [item = "", name = ""] = written.split("/", 2);
  return { ref: { kind: "op", item, field: name }, written, purpose, shape };
}

/** The fields this configuration makes the program read, in the order they are listed. */
export function programFields(config: HomelabConfig): ProgramField[] {
  const fields: ProgramField[] = [];
  const { cloudflare, unifi } = config;
  if (cloudflare.enabled) {
    fields.push(
      field(cloudflare.apiTokenField, "Cloudflare API token that manages the tunnel and the public DNS records", "text"),
      field(cloudflare.tunnelSecretField, "the Cloudflare tunnel's secret", "base64-32"),
    );
    if (cloudflare.accountId === undefined) fields.push(field(cloudflare.accountIdField, "the Cloudflare account that owns the tunnel", "cloudflare-id"));
  }
  if (unifi) {
    fields.push(field(unifi.apiKeyField, "UniFi Network integration API key that manages the internal DNS records", "text"));
    if (unifi.caCertField !== undefined) fields.push(field(unifi.caCertField, "the UniFi console's CA certificate", "pem"));
  }
  return fields;
}

/** The 1Password references of the fields the program itself reads for this config. */
export function programRefs(config: HomelabConfig): OpRef[] {
  return programFields(config).map((programField) => programField.ref);
}

/** Every 1Password field a run of this stack of the program reads: the lab's, then its own. */
export function fieldsToRead(lab: Pick<EvaluatedLab, "stacks">, config: HomelabConfig): OpRef[] {
  return [...labSecretRefs(lab), ...programRefs(config)];
}

/** Why a value does not have its field's shape, or undefined when it does. Never shows the value. */
function shapeProblem(shape: FieldShape, value: string): string | undefined {
  switch (shape) {
    case "base64-32": {
      const bytes = Buffer.from(value, "base64");
      return !/^[A-Za-z0-9+/]+={0,2}$/.test(value.trim()) || bytes.length < 32
        ? `expected base64 of at least 32 random bytes (e.g. \`openssl rand -base64 32\`), got ${bytes.length} bytes`
        : undefined;
    }
    case "cloudflare-id":
      return /^[0-9a-f]{32}$/.test(value) ? undefined : "expected the 32-character hex Cloudflare account id";
    case "pem":
    case "text":
      return undefined;
  }
}

/** Checks the values read for the program's own fields, naming each bad field. */
export function checkProgramFields(config: HomelabConfig, values: FieldValues): void {
  const problems = programFields(config).flatMap((programField) => {
    const problem = shapeProblem(programField.shape, values.get(programField.written) ?? "");
    return problem === undefined ? [] : [`1Password field ${programField.written}: ${problem}`];
  });
  if (problems.length > 0) throw new LabError(problems);
}
