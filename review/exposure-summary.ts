import { unmarkedRemovals } from "../evaluation/deletion-safety";
import { isUnder, reachesDockerSocket, systemPathOf } from "../evaluation/host-paths";
import { type LabView, mountLine, portLine, type ServiceView } from "./lab-view";
import { contentIdentity } from "../live/swarm-state";

/**
 * The exposure summary that heads a review: of everything a change does, what widens who can
 * reach what, what a service can see of its node, what it may now read, and what goes away.
 * Computed from two views (the base revision's and the working tree's), never from the text.
 */

export const EXPOSURE_KINDS = {
  "public-host": "hosts that became public",
  "lost-forward-auth": "hosts without forward auth that had it, or are new without it",
  "published-port": "new published ports",
  "docker-socket": "Docker socket mounts",
  "host-bind": "new host bind mounts outside the lab's data paths",
  "new-secret": "secrets a service newly receives",
  removed: "stacks and services removed",
  image: "images changed",
} as const;

export type ExposureKind = keyof typeof EXPOSURE_KINDS;

export interface ExposureItem {
  readonly kind: ExposureKind;
  /** The host, `<stack>/<service>`, or the stack. */
  readonly subject: string;
  readonly detail: string;
}

interface Placed {
  readonly owner: string;
  readonly service: ServiceView;
}

function servicesOf(view: LabView): Map<string, Placed> {
  return new Map(view.stacks.flatMap((stack) => stack.services.map((service) => [`${stack.name}/${service.name}`, { owner: `${stack.name}/${service.name}`, service }] as const)));
}

/** Items of `now` whose key `old` lacks. */
function fresh<T>(now: readonly T[], old: readonly T[] | undefined, key: (item: T) => string): T[] {
  const seen = new Set((old ?? []).map(key));
  return now.filter((item) => !seen.has(key(item)));
}

function hostItems(before: LabView, after: LabView): ExposureItem[] {
  const old = new Map(before.ingress.routes.map((route) => [route.host, route]));
  // The site's auth as the service declares it: with the reason for an opt-out.
  const auth = new Map(after.stacks.flatMap((stack) => stack.services.flatMap((service) => service.sites.map((site) => [site.host, site.auth] as const))));
  return after.ingress.routes.flatMap((route): ExposureItem[] => {
    const previous = old.get(route.host);
    const how = auth.get(route.host) ?? route.auth;
    const items: ExposureItem[] = [];
    if (route.public && !previous?.public) items.push({ kind: "public-host", subject: route.host, detail: `now public, served by ${route.owner} (${how})` });
    if (route.auth !== "authentik" && (previous === undefined || previous.auth === "authentik")) {
      items.push({ kind: "lost-forward-auth", subject: route.host, detail: `${previous ? "no longer behind forward auth" : "new, without forward auth"}: ${route.owner} (${how})` });
    }
    return items;
  });
}

function serviceItems(before: LabView, after: LabView): ExposureItem[] {
  const old = servicesOf(before);
  const items: ExposureItem[] = [];
  for (const { owner, service } of servicesOf(after).values()) {
    const previous = old.get(owner)?.service;
    const hosts = service.sites.map((site) => site.host);
    for (const port of fresh(service.ports, previous?.ports, (p) => `${p.published}/${p.protocol} ${p.mode}`)) {
      const bypass = port.mode === "ingress" && hosts.length > 0 && service.role !== "ingress-controller" ? `; the routing mesh reaches it past Caddy and Authentik (its sites: ${hosts.join(", ")})` : "";
      items.push({ kind: "published-port", subject: owner, detail: `${portLine(port)}${bypass}` });
    }
    const binds = service.mounts.filter((mount) => mount.type === "bind" && mount.source !== undefined);
    for (const mount of fresh(binds, previous?.mounts, (m) => `${m.type} ${m.source} ${m.target} ${m.readOnly}`)) {
      const source = mount.source!;
      if (reachesDockerSocket(source)) {
        const proxy = service.role === "socket-proxy" ? " (a socket proxy)" : "";
        items.push({ kind: "docker-socket", subject: owner, detail: `${mountLine(mount)}: reaches the Docker socket, root on its node${proxy}` });
      }
      if (!after.dataPaths.some((root) => isUnder(source, root))) {
        const system = systemPathOf(source);
        items.push({ kind: "host-bind", subject: owner, detail: `${mountLine(mount)}${system ? `; ${system}` : ""}` });
      }
    }
    for (const secret of fresh(service.secrets, previous?.secrets, (s) => contentIdentity(s.name))) {
      items.push({ kind: "new-secret", subject: owner, detail: `${contentIdentity(secret.name)} at ${secret.target}` });
    }
    if (previous && previous.image !== service.image) items.push({ kind: "image", subject: owner, detail: `${previous.image} -> ${service.image}` });
  }
  return items;
}

/** Removed stacks and services with what deletion safety makes of them, were the base deployed. */
function removalItems(before: LabView, after: LabView): ExposureItem[] {
  const disabled = new Set(after.disabledServices);
  const refusals = new Map(unmarkedRemovals(before.inventory, after.inventory, after.removals, disabled).map((removal) => [removal.subject, removal.why]));
  const refusal = (key: string) => refusals.get(key);
  const items: ExposureItem[] = [];
  const gone = new Set(before.inventory.stacks.filter((stack) => !after.inventory.stacks.includes(stack)));
  for (const stack of gone) {
    const count = before.inventory.services.filter((key) => key.startsWith(`${stack}/`)).length;
    const declared = after.removals.find((removal) => removal.stack === stack && removal.service === undefined);
    const verdict = refusal(stack) !== undefined ? `up refuses: ${refusal(stack)}` : `declared in lab/removed.ts (${declared?.reason}); up deletes its ${count} service${count === 1 ? "" : "s"}`;
    items.push({ kind: "removed", subject: `stack ${stack}`, detail: verdict });
  }
  const oldServices = servicesOf(before);
  for (const key of before.inventory.services) {
    const [stack = ""] = key.split("/", 1);
    if (gone.has(stack) || after.inventory.services.includes(key)) continue;
    const stateful = before.inventory.statefulServices.includes(key);
    const declared = after.removals.find((removal) => `${removal.stack}/${removal.service}` === key);
    const unprotect = oldServices.get(key)?.service.protected ? "; it is protected: pulumi state unprotect it first" : "";
    const verdict =
      refusal(key) !== undefined
        ? `up refuses: ${refusal(key)}`
        : !stateful
          ? "stateless: up deletes it"
          : disabled.has(key)
            ? `turned off in config (homelab:services); up deletes it${unprotect}`
            : `declared in lab/removed.ts (${declared?.reason}); up deletes it${unprotect}`;
    items.push({ kind: "removed", subject: key, detail: verdict });
  }
  return items;
}

/** The summary, grouped by kind in the order of EXPOSURE_KINDS. */
export function exposureOf(before: LabView, after: LabView): ExposureItem[] {
  const items = [...hostItems(before, after), ...serviceItems(before, after), ...removalItems(before, after)];
  const order = Object.keys(EXPOSURE_KINDS);
  return items.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}
