/**
 * What three of the ops settings' values must look like: the drift schedule's cron expression, the
 * Docker host's known_hosts line and the deploy key. Each check says what is wrong, never echoing
 * the value.
 */

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
