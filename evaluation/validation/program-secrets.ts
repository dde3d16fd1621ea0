import type { StackSpec } from "../../lab/model";
import { IMAGE_REFERENCE, parseImageReference } from "../../images/image-ref";

/**
 * Lab rules for secrets the program itself produces while it runs (today the Cloudflare tunnel's
 * token): whether this stack of the program produces them at all, and whether the service can
 * take them the way they are delivered.
 */

/** The calendar version of a cloudflared image tag when it predates 2025.4.0 (`latest`, digests: unknown, allowed). */
function cloudflaredTooOld(image: string): string | undefined {
  const version = IMAGE_REFERENCE.test(image) ? /^(\d{4})\.(\d{1,2})\.(\d+)$/.exec(parseImageReference(image).tag) : null;
  if (!version) return undefined;
  const [year, month] = [Number(version[1]), Number(version[2])];
  return year < 2025 || (year === 2025 && month < 4) ? `${version[1]}.${version[2]}.${version[3]}` : undefined;
}

/** `cloudflare`: whether this stack of the program runs the tunnel, which is what makes its token. */
export function checkProgramSecrets(stacks: readonly StackSpec[], cloudflare: boolean, problems: string[]): void {
  for (const stack of stacks) {
    for (const service of stack.services) {
      const where = `${stack.name}/${service.name}`;
      const programSecrets = Object.entries(service.secretEnv ?? {}).filter(([, value]) => value.kind === "program");
      for (const [name, value] of programSecrets) {
        // A service that needs the tunnel token while Cloudflare is off would never start.
        if (value.kind === "program" && value.name === "cloudflare-tunnel-token" && !cloudflare) {
          problems.push(`${where}: secretEnv.${name}: the tunnel token needs homelab:cloudflare.enabled`);
        }
        // A program secret exists only while the program runs, as a value of its own: it cannot be
        // spliced into an env file that is rendered with the 1Password fields.
        if (service.secretEnvDelivery?.kind === "env-file") problems.push(`${where}: secretEnv.${name}: a program secret needs a file-variable delivery, not an env file`);
      }
      const tunnelToken = programSecrets.some(([, value]) => value.kind === "program" && value.name === "cloudflare-tunnel-token");
      const tooOld = tunnelToken ? cloudflaredTooOld(service.image) : undefined;
      if (tooOld) problems.push(`${where}: image: reading the tunnel token from a file (TUNNEL_TOKEN_FILE) needs cloudflared 2025.4.0 or later, got ${tooOld}`);
    }
  }
}
