import { type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { containerOf, DockerSecret, DockerService, list, nameOf, stringList } from "./resources";

/** Secret values only in swarm secrets, and those encrypted in the state. */

/** Variable names that announce a secret. `PASS` and `PSK` only as whole words (not PASSTHROUGH). */
const SECRET_NAME =
  /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|AUTH_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|LICENSE_?KEY|(?:^|_)PASS(?:_|$)|(?:^|_)PSK(?:_|$)/i;
/** `<NAME>_FILE`, `<NAME>__FILE` (postgres, grafana, cloudflared) and `FILE__<NAME>` (linuxserver.io). */
const FILE_VARIABLE = /_FILE$|^FILE__./i;
/** Values that are switches, never secrets (`SECRETS=0` on a socket proxy, `..._ENABLED=true`). */
const FLAG_VALUE = /^(?:|0|1|true|false|yes|no|on|off|enabled?|disabled?)$/i;
/** `scheme://user:password@host`: credentials inside a connection URL, whatever the variable's name. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Where a secret-named variable is allowed to point: a file the secret is mounted as. */
function pointsAtFile(name: string, value: string): boolean {
  if (FILE_VARIABLE.test(name)) return value.startsWith("/");
  return /^file:\/\//i.test(value) || value.startsWith("/run/secrets/");
}

export const envHoldsNoSecretValues: ResourceValidationPolicy = {
  name: "env-holds-no-secret-values",
  description:
    "No environment variable holds a secret value: variables named like secrets (PASSWORD, TOKEN, SECRET, API_KEY, ...) point at mounted files (_FILE, __FILE, FILE__, file://, /run/secrets/), and no value embeds URL credentials or a private key.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedNames: {
        type: "array",
        description: "Variable names that look like secrets but are not (checked case-sensitively).",
        items: { type: "string", minLength: 1 },
      },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const allowed = new Set(stringList(args.getConfig<{ allowedNames?: unknown }>().allowedNames));
    const env = containerOf(service).env ?? {};
    for (const variable of Object.keys(env).sort()) {
      const value = env[variable];
      if (typeof value !== "string") continue;
      if (URL_CREDENTIALS.test(value)) {
        reportViolation(`${name}: ${variable} embeds credentials in a URL (user:password@); deliver the URL as a secret file or env-file secret.`);
        continue;
      }
      if (PRIVATE_KEY_BLOCK.test(value)) {
        reportViolation(`${name}: ${variable} holds a private key; mount it as a swarm secret file instead.`);
        continue;
      }
      if (allowed.has(variable) || !SECRET_NAME.test(variable) || FLAG_VALUE.test(value.trim()) || pointsAtFile(variable, value)) continue;
      reportViolation(
        `${name}: ${variable} looks like a secret but holds a literal value (not shown). Deliver it as a swarm secret and point at the file ` +
          `(${variable}_FILE=/run/secrets/..., FILE__${variable}, file:///run/secrets/...), or source an env-file secret (SecretEnv in lab/model.ts).`,
      );
    }
  }),
};

export const swarmSecretDataIsSecret: ResourceValidationPolicy = {
  name: "swarm-secret-data-is-secret",
  description:
    "Every swarm secret has data, and its data is registered as a Pulumi secret (encrypted in state). Policies cannot see input secretness, so this checks the registration's additionalSecretOutputs, which the provider SDK sets together with wrapping the input.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(DockerSecret, (secret, args, reportViolation) => {
    const name = typeof secret.name === "string" ? secret.name : args.name;
    // Presence only: reading `data` would throw during a preview where it is still unknown.
    if (!Object.prototype.hasOwnProperty.call(args.props, "data")) reportViolation(`swarm secret ${name} has no data.`);
    if (!list(args.opts.additionalSecretOutputs).includes("data")) {
      reportViolation(
        `swarm secret ${name}: data is not registered as a Pulumi secret (additionalSecretOutputs lacks "data"), so it would be stored in plain text in the state. ` +
          `Create it with @pulumi/docker's Secret (which marks it) or wrap the value in pulumi.secret and add additionalSecretOutputs: ["data"].`,
      );
    }
  }),
};
