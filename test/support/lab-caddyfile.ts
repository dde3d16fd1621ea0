import { type GeneratedCaddyfile, generateCaddyfile, type ServiceCaddyLabels } from "../../lib/caddy/generate";
import { ROLE_LABEL } from "../../lib/naming";
import type { OfflineRun } from "../../offline/run";
import { attachedNetworks, type RegisteredService, services } from "../helpers";

/**
 * The Caddyfile caddy-docker-proxy would build from what a program run registered: every
 * service's labels (Caddy's own included), with `{{upstreams PORT}}` expanded to the service's
 * task addresses on the ingress network (CADDY_INGRESS_NETWORKS of the Caddy service). There are
 * no tasks offline, so each task gets a made-up address in that network, one per replica; a
 * service off the ingress network gets none, as caddy-docker-proxy gives it none.
 */

export interface LabCaddyfile extends GeneratedCaddyfile {
  /** The made-up task addresses, by swarm service name. */
  readonly taskAddresses: ReadonlyMap<string, readonly string[]>;
  readonly ingressNetwork: string;
}

function replicas(svc: RegisteredService): number {
  const replicated = svc.inputs.mode?.replicated?.replicas;
  return typeof replicated === "number" ? replicated : 1;
}

export function labCaddyfile(run: OfflineRun, overrides: { labels?: (svc: RegisteredService) => Record<string, string> } = {}): LabCaddyfile {
  const registered = services(run);
  const controller = registered.find((svc) => svc.labels[ROLE_LABEL] === "ingress-controller");
  const ingressNetwork = String(controller?.container.env?.CADDY_INGRESS_NETWORKS ?? "proxy_network");
  const taskAddresses = new Map<string, string[]>();
  let next = 2;
  for (const svc of [...registered].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!attachedNetworks(svc).includes(ingressNetwork)) continue;
    taskAddresses.set(
      svc.name,
      Array.from({ length: Math.max(replicas(svc), 1) }, () => `10.0.${Math.floor(next / 250) + 9}.${(next++ % 250) + 2}`),
    );
  }
  const inputs: ServiceCaddyLabels[] = registered.map((svc) => ({
    service: svc.name,
    labels: overrides.labels ? overrides.labels(svc) : svc.labels,
    upstreams: taskAddresses.get(svc.name) ?? [],
  }));
  return { ...generateCaddyfile(inputs), taskAddresses, ingressNetwork };
}
