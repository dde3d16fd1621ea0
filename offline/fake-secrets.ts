import { createHash } from "node:crypto";
import type { HomelabConfig } from "../config";
import type { OpRef } from "../lab/model";
import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import { type FieldShape, fieldsToRead, programFields } from "../evaluation/program-fields";
import { refKey } from "../evaluation/secret-values";

/**
 * The fake values an offline run hands out instead of reading 1Password: one per field the run
 * reads, recognisable (`FAKE-SECRET-<item>-<field>`) so tests can look for leaks, and for the
 * program's own fields a value of the shape evaluation/program-fields.ts checks, so the run gets past the
 * check as a real one does. Stable: the same field always gets the same value.
 */

/** The key under which the tunnel token a fake Cloudflare hands out is recorded. */
export const FAKE_TUNNEL_TOKEN_KEY = "program:cloudflare-tunnel-token";

export const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/** A fake value per field; base64 fields get base64, so decoding them works as in real runs. */
export function fakeSecretValues(refs: readonly OpRef[]): Map<string, string> {
  return new Map(
    refs.map((ref) => {
      const plain = `FAKE-SECRET-${ref.item}-${ref.field}`;
      return [refKey(ref), ref.decode === "base64" ? Buffer.from(JSON.stringify({ fake: plain })).toString("base64") : plain];
    }),
  );
}

/** A fake of the given shape for a field, or undefined where any text will do. */
function shapedFake(shape: FieldShape, written: string): string | undefined {
  switch (shape) {
    case "base64-32":
      return digest(`fake ${written}`).toString("base64");
    case "cloudflare-id":
      return digest(`fake ${written}`).toString("hex").slice(0, 32);
    case "pem":
      return `-----BEGIN CERTIFICATE-----\n${digest(`fake ${written}`).toString("base64")}\n-----END CERTIFICATE-----\n`;
    case "text":
      return undefined;
  }
}

/** The fake value of every field a run of this configuration of the lab reads. */
export function fakeFieldValues(lab: Pick<EvaluatedLab, "stacks">, config: HomelabConfig): Map<string, string> {
  const fakes = fakeSecretValues(fieldsToRead(lab, config));
  for (const field of programFields(config)) {
    const fake = shapedFake(field.shape, field.written);
    if (fake !== undefined) fakes.set(field.written, fake);
  }
  return fakes;
}

/** A fake UUID, stable per name: tunnel ids look like the real thing in the render. */
export function fakeUuid(name: string): string {
  const hex = digest(name).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
