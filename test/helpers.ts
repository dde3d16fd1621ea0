import { isSecretWrapper, type RegisteredResource, type RegisteredService, registeredService, registeredServices } from "../lib/registered";
import { type OfflineRun } from "../offline/run";

/** Small readers over what a run registered, on top of the one typed reader (lib/registered.ts). */

export type { RegisteredService };

export function services(run: OfflineRun): RegisteredService[] {
  return registeredServices(run.resources);
}

export function service(run: OfflineRun, swarmName: string): RegisteredService {
  return registeredService(run.resources, swarmName);
}

/** Registered networks by the ID the mock gave them (their name). */
export function networks(run: OfflineRun): RegisteredResource[] {
  return run.resources.filter((resource) => resource.type === "docker:index/network:Network");
}

/** Network names a service is attached to (the mock's IDs are the networks' names). */
export function attachedNetworks(svc: RegisteredService): string[] {
  return (svc.task.networksAdvanceds ?? []).map((network) => String(network.id));
}

/** A copy of a value with every Pulumi secret replaced by a marker. */
export function withoutSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutSecrets(inner)]));
  }
  return value;
}

/** Every string in a value, plus the decoded text of strings that are valid base64. */
export function stringsIn(value: unknown): string[] {
  const out: string[] = [];
  const walk = (inner: unknown) => {
    if (typeof inner === "string") {
      out.push(inner);
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(inner) && inner.length % 4 === 0 && inner.length >= 8) out.push(Buffer.from(inner, "base64").toString("utf8"));
    } else if (Array.isArray(inner)) inner.forEach(walk);
    else if (inner !== null && typeof inner === "object") Object.values(inner).forEach(walk);
  };
  walk(value);
  return out;
}

/**
 * The label prefixes that open a declared Caddy site (`caddy`, `caddy_1`, ...), leaving out snippet
 * definitions and port-only addresses (the ingress controller's own health answer names no host).
 */
export function sitePrefixes(svc: { labels: Record<string, string> }): string[] {
  return Object.keys(svc.labels).filter((key) => /^caddy(_\d+)?$/.test(key) && !svc.labels[key]!.startsWith("(") && !/^(https?:\/\/)?:\d+$/.test(svc.labels[key]!));
}
