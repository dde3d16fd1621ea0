import { z } from "zod";
import { object } from "./kit";

// ─── Secrets ─────────────────────────────────────────────────────────────────────────────────────

/** A field of a 1Password item in the lab's vault (the vault itself comes from config). */
export const opRefSchema = object({
  kind: z.literal("op"),
  item: z.string(),
  field: z.string(),
  /** The field holds base64 (e.g. a JSON credentials file); deliver the decoded bytes. @default the field's text as it is */
  decode: z.literal("base64").optional(),
});
export type OpRef = z.infer<typeof opRefSchema>;

/**
 * A text with `{{ op://<item>/<field> }}` placeholders, rendered with the fields' values. Used where
 * an application wants a secret embedded in a larger value (a connection URL, a config file).
 */
export const opTemplateSchema = z.union([
  object({ kind: z.literal("template"), text: z.string() }),
  /** The template text lives in a file of the stack's folder (`lab/stacks/<tier>/<stack>/`), for whole config files. */
  object({ kind: z.literal("template"), file: z.string() }),
]);
export type OpTemplate = z.infer<typeof opTemplateSchema>;

/** The secrets the program produces (see `ProgramSecret`). */
export const programSecretNameSchema = z.enum(["cloudflare-tunnel-token"]);
export type ProgramSecretName = z.infer<typeof programSecretNameSchema>;

/**
 * A secret the program itself produces while it runs, rather than one read from 1Password: the
 * Cloudflare tunnel's token exists only once the tunnel does. It can be delivered as a whole secret
 * file or file-variable, never inside a template or env file.
 */
export const programSecretSchema = object({ kind: z.literal("program"), name: programSecretNameSchema });
export type ProgramSecret = z.infer<typeof programSecretSchema>;

export const secretValueSchema = z.union([opRefSchema, ...opTemplateSchema.options, programSecretSchema]);
export type SecretValue = z.infer<typeof secretValueSchema>;

/** A field of a 1Password item. `op("sonarr", "SONARR_POSTGRES_PASS")`. */
export function op(item: string, field: string, options: { decode?: "base64" } = {}): OpRef {
  return options.decode ? { kind: "op", item, field, decode: options.decode } : { kind: "op", item, field };
}

/** A secret the program produces, e.g. `programSecret("cloudflare-tunnel-token")`. */
export function programSecret(name: ProgramSecretName): ProgramSecret {
  return { kind: "program", name };
}

/** A text with `{{ op://item/field }}` placeholders. */
export function opTemplate(text: string): OpTemplate {
  return { kind: "template", text };
}

/** A file of the stack's folder with `{{ op://item/field }}` placeholders, e.g. an app's config. */
export function opTemplateFile(file: string): OpTemplate {
  return { kind: "template", file };
}

/**
 * How a service that wants a secret in an environment variable gets it without the value ever
 * being in its environment spec. Images differ, so the style is chosen per service.
 */
export const secretEnvDeliverySchema = z.discriminatedUnion("kind", [
  /**
   * The image reads the variable from a file named by another variable. `variable` and `value`
   * are patterns: `{name}` is the variable's name, `{path}` the mounted secret file.
   */
  object({ kind: z.literal("file-variable"), variable: z.string(), value: z.string() }),
  /**
   * The image knows no file convention: all the service's secret variables go into one env file,
   * mounted as a swarm secret and sourced by `/bin/sh` before `exec`-ing `command`.
   */
  object({ kind: z.literal("env-file"), command: z.array(z.string()).readonly() }),
]);
export type SecretEnvDelivery = z.infer<typeof secretEnvDeliverySchema>;

export const SecretEnv = {
  /** Official postgres and timescaledb images: `POSTGRES_PASSWORD_FILE=/run/secrets/...`. */
  postgres: { kind: "file-variable", variable: "{name}_FILE", value: "{path}" },
  /** Grafana: `GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/...`. */
  grafana: { kind: "file-variable", variable: "{name}__FILE", value: "{path}" },
  /** linuxserver.io images: `FILE__SONARR__POSTGRES__PASSWORD=/run/secrets/...`. */
  linuxserver: { kind: "file-variable", variable: "FILE__{name}", value: "{path}" },
  /** cloudflared 2025.4.0 and later: `TUNNEL_TOKEN_FILE=/run/secrets/...`. */
  cloudflared: { kind: "file-variable", variable: "{name}_FILE", value: "{path}" },
  /** Authentik reads `file://` URIs in any of its variables. */
  authentik: { kind: "file-variable", variable: "{name}", value: "file://{path}" },
  /** Any image with `/bin/sh`: source an env-file secret, then exec the image's real command. */
  envFile: (command: readonly string[]): SecretEnvDelivery => ({ kind: "env-file", command }),
} as const satisfies Record<string, SecretEnvDelivery | ((command: readonly string[]) => SecretEnvDelivery)>;

/** A secret delivered as a file (a credentials file, a rendered config that holds secrets). */
export const secretFileSchema = object({
  /** Absolute path in the container. */
  target: z.string(),
  value: secretValueSchema,
  /** @default the service's numeric user, else 0 */
  uid: z.number().optional(),
  /** @default the service's numeric group, else 0 */
  gid: z.number().optional(),
  /** @default 0o440 when an owner is known, else 0o444 (Docker's default) */
  mode: z.number().optional(),
});
export type SecretFile = z.infer<typeof secretFileSchema>;
