import { type GeneratedCaddyfile, generateCaddyfile, type ServiceCaddyLabels } from "./generate";
import { ROLE_LABEL } from "../lib/naming";
import { type RegisteredResource, registeredServices } from "../lib/registered";

/**
 * The Caddyfile caddy-docker-proxy would build from what a program run registered: every
 * service's labels (Caddy's own included), with `{{upstreams PORT}}` expanded to the service's
 * task addresses on the ingress network (the Caddy service's CADDY_INGRESS_NETWORKS). There are no
 * tasks offline, so each task gets a made-up address in that network, one per replica; a service
 * off the ingress network gets none, as caddy-docker-proxy gives it none.
 */

export interface RegisteredLabels {
  /** The swarm service name. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface LabCaddyfile extends GeneratedCaddyfile {
  /** The made-up task addresses, by swarm service name. */
  readonly taskAddresses: ReadonlyMap<string, readonly string[]>;
  readonly ingressNetwork: string;
  /** The ingress controller's image (caddy-docker-proxy with the lab's Caddy). */
  readonly controllerImage: string | undefined;
}

/**
 * The lab's Caddyfile from a run's registrations (an `OfflineRun` is one), every service's labels
 * as registered unless `overrides.labels` says otherwise (the tests plant a broken label so).
 */
export function labCaddyfile(run: { readonly resources: readonly RegisteredResource[] }, overrides: { labels?: (service: RegisteredLabels) => Record<string, string> } = {}): LabCaddyfile {
  const registered = registeredServices(run.resources)
    .map((service) => ({
      name: service.name,
      labels: service.labels,
      container: service.container,
      networks: (service.task.networksAdvanceds ?? []).map((network) => String(network.id)),
      replicas: typeof service.inputs.mode?.replicated?.replicas === "number" ? service.inputs.mode.replicated.replicas : 1,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const controller = registered.find((svc) => svc.labels[ROLE_LABEL] === "ingress-controller");
  const ingressNetwork = String(controller?.container.env?.CADDY_INGRESS_NETWORKS ?? "proxy_network");
  const taskAddresses = new Map<string, string[]>();
  let next = 0;
  for (const svc of registered) {
    if (!svc.networks.includes(ingressNetwork)) continue;
    taskAddresses.set(
      svc.name,
      Array.from({ length: Math.max(svc.replicas, 1) }, () => `10.0.${9 + Math.floor(next / 250)}.${2 + (next++ % 250)}`),
    );
  }
  const inputs: ServiceCaddyLabels[] = registered.map((svc) => ({
    service: svc.name,
    labels: overrides.labels ? overrides.labels(svc) : svc.labels,
    upstreams: taskAddresses.get(svc.name) ?? [],
  }));
  return { ...generateCaddyfile(inputs), taskAddresses, ingressNetwork, controllerImage: controller ? String(controller.container.image) : undefined };
}
