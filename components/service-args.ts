import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { ServicePlan } from "../evaluation/service-plan";

/** IDs of the swarm objects a service refers to, once they exist. */
export interface ServiceRefs {
  networkId(key: string): pulumi.Input<string>;
  secret(key: string): { id: pulumi.Input<string>; name: pulumi.Input<string> };
  config(key: string): { id: pulumi.Input<string>; name: pulumi.Input<string> };
}

const labelList = (labels: Readonly<Record<string, string>>) =>
  Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label]! }));

/** The one place a service plan becomes `docker.Service` arguments. */
export function toServiceArgs(plan: ServicePlan, refs: ServiceRefs): docker.ServiceArgs {
  return {
    name: plan.swarmName,
    labels: labelList(plan.labels),
    mode: plan.replicas === "global" ? { global: true } : { replicated: { replicas: plan.replicas } },
    taskSpec: {
      containerSpec: {
        image: plan.image,
        labels: labelList(plan.containerLabels),
        env: Object.keys(plan.env).length > 0 ? { ...plan.env } : undefined,
        commands: plan.entrypoint ? [...plan.entrypoint] : undefined,
        args: plan.command ? [...plan.command] : undefined,
        user: plan.user,
        init: plan.init,
        stopGracePeriod: plan.stopGracePeriod,
        hosts: plan.hosts.length > 0 ? plan.hosts.map((host) => ({ ...host })) : undefined,
        mounts: plan.mounts.map((mount) => ({
          type: mount.type,
          source: mount.source,
          target: mount.target,
          readOnly: mount.readOnly,
          ...(mount.sizeBytes !== undefined ? { tmpfsOptions: { sizeBytes: mount.sizeBytes } } : {}),
        })),
        secrets: plan.secrets.map((secret) => {
          const ref = refs.secret(secret.key);
          return {
            secretId: ref.id,
            secretName: ref.name,
            fileName: secret.target,
            fileUid: secret.uid,
            fileGid: secret.gid,
            fileMode: secret.mode,
          };
        }),
        configs: plan.configs.map((config) => {
          const ref = refs.config(config.key);
          return { configId: ref.id, configName: ref.name, fileName: config.target, fileMode: config.mode };
        }),
        healthcheck: plan.healthcheck
          ? {
              tests: [...plan.healthcheck.test],
              interval: plan.healthcheck.interval,
              timeout: plan.healthcheck.timeout,
              retries: plan.healthcheck.retries,
              startPeriod: plan.healthcheck.startPeriod,
            }
          : undefined,
      },
      networksAdvanceds: plan.networks.map((network) => ({ id: refs.networkId(network.key), aliases: [...network.aliases] })),
      // Always present, even without constraints: `ignoreChanges` below names a path inside it, and
      // Pulumi CLIs older than pulumi/pulumi#20278 (August 2025) fail a preview when that path's
      // parent exists in the old inputs but not the new (a service no longer pinned).
      placement: { constraints: [...plan.constraints] },
      resources: plan.limits || plan.reservations ? { limits: plan.limits, reservation: plan.reservations } : undefined,
      restartPolicy: { ...plan.restart },
    },
    endpointSpec: plan.ports.length > 0 ? { ports: plan.ports.map((port) => ({ ...port })) } : undefined,
    updateConfig: { ...plan.rollout.update },
    rollbackConfig: { ...plan.rollout.rollback },
    convergeConfig: plan.rollout.converge ? { ...plan.rollout.converge } : undefined,
  };
}

/**
 * Fields the engine fills in by itself on create, which the declaration must not fight.
 * `placement.platforms`: on create the provider asks the registry (QueryRegistry) and the Docker
 * client stores the image's platforms in the spec; the lab declares none, so without this every
 * service would show "- platforms" after its first `up` (its placement is declared), and applying
 * that would strip them. Updates keep sending the platforms the engine chose.
 *
 * `convergeConfig` is deliberately not here although the provider never reads it back: Pulumi
 * resets an ignored input to its old value (absent on an imported service) and the provider
 * plans without it, so an adopted service would never be health-gated. Instead the first `up`
 * after `pulumi import` records it: a one-time in-place update that sends the unchanged spec.
 */
export const SERVICE_IGNORE_CHANGES: readonly string[] = ["taskSpec.placement.platforms"];
