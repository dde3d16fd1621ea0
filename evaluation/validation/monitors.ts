import type { StackSpec } from "../../lab/model";
import { resolveLabSites, type Zones } from "../sites";

/**
 * Lab validation of the Uptime Kuma monitors (AutoKuma labels). A monitor must check the app
 * itself: through a site behind Authentik it meets the forward-auth redirect instead, and is
 * either always down (2xx only) or always up (the redirect accepted), whatever the app does.
 */

const STATUS_CODES = /^[1-5]\d\d(-[1-5]\d\d)?$/;

/** Every host behind forward auth, with the service that serves it and its port. */
function protectedHosts(stacks: readonly StackSpec[], zones: Zones): Map<string, { alias: string; port?: number }> {
  const hosts = new Map<string, { alias: string; port?: number }>();
  for (const site of resolveLabSites(stacks, zones)) {
    if (site.protected) hosts.set(site.host, { alias: site.service, ...(site.port !== undefined ? { port: site.port } : {}) });
  }
  return hosts;
}

/**
 * Adds a problem for each monitor that would check an app through its forward-auth site instead
 * of the app itself.
 */
export function checkMonitors(stacks: readonly StackSpec[], zones: Zones, problems: string[]): void {
  const guarded = protectedHosts(stacks, zones);
  for (const stack of stacks) {
    for (const service of stack.services) {
      for (const monitor of service.monitors ?? []) {
        const where = `${stack.name}/${service.name}: monitors.${monitor.id}`;
        if ("accepted_statuscodes" in monitor.settings) {
          problems.push(`${where}.settings.accepted_statuscodes: give the codes as a list, acceptedStatusCodes: ["200-299"], not JSON in a string`);
        }
        for (const code of monitor.acceptedStatusCodes ?? []) {
          if (!STATUS_CODES.test(code)) problems.push(`${where}.acceptedStatusCodes: expected a status code or range such as "200-299", got "${code}"`);
        }
        const url = monitor.settings.url;
        if (url === undefined) continue;
        let host: string;
        try {
          host = new URL(url).hostname;
        } catch {
          problems.push(`${where}.settings.url: expected a URL, got "${url}"`);
          continue;
        }
        const site = guarded.get(host);
        if (site) {
          const direct = `http://${site.alias}${site.port !== undefined ? `:${site.port}` : ""}/<health path>`;
          problems.push(`${where}.settings.url: ${url} goes through Authentik's forward auth, so the monitor sees the sign-in redirect, not the app; check the app itself on the overlay network (${direct})`);
        }
      }
    }
  }
}
