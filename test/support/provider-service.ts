import { parseDuration, shortDuration } from "../../evaluation/units";

/**
 * A model, in TypeScript, of what the Docker provider (kreuzwerker/terraform-provider-docker
 * v4.5.0, resource_docker_service_structures.go) sends on create and makes of the live service
 * on read, so the tests can run both against a real engine. Each function names the Go function
 * it follows. Inputs and state use Pulumi's attribute names (see provider-schema.ts).
 */

type Loose = Record<string, any>;

const ns = (value: string | undefined) => Number(parseDuration(value ?? "0s"));
const dur = (nanos: number) => shortDuration(BigInt(nanos));
const labelMapOf = (labels: Loose[] | undefined) => Object.fromEntries((labels ?? []).map((entry) => [entry.label, entry.value]));
const labelSetOf = (labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).map(([label, value]) => ({ label, value }));
const some = (list: any[] | undefined): any[] | undefined => (list && list.length > 0 ? list : undefined);

/** `createUpdateOrRollbackConfig`, defaults from the schema filled in as the SDK does. */
function updateConfig(config: Loose | undefined): Loose | undefined {
  if (!config) return undefined; // createServiceUpdateConfig: d.GetOk false → nil
  return {
    Parallelism: config.parallelism ?? 1,
    Delay: ns(config.delay ?? "0s"),
    FailureAction: config.failureAction ?? "pause",
    Monitor: ns(config.monitor ?? "5s"),
    MaxFailureRatio: Number(config.maxFailureRatio ?? "0.0"),
    Order: config.order ?? "stop-first",
  };
}

/**
 * `createServiceSpec` → `createServiceTaskSpec`, `createContainerSpec`, `createResources`,
 * `createRestartPolicy`, `createPlacement`, `createServiceAdvancedNetworks`, `createServiceMode`,
 * `createServiceEndpointSpec`. Blocks the declaration leaves out still reach the engine as
 * empty structs (the SDK hands the expanders every key), e.g. an empty `Healthcheck`.
 */
export function createServiceSpec(args: Loose): Loose {
  const task = args.taskSpec ?? {};
  const container = task.containerSpec ?? {};
  const check = container.healthcheck;
  const restart = task.restartPolicy;
  const resources = task.resources;
  const amounts = (value: Loose | undefined) => (value ? { NanoCPUs: value.nanoCpus ?? 0, MemoryBytes: value.memoryBytes ?? 0 } : undefined);
  const fileRef = (kind: "Secret" | "Config", ref: Loose) => ({
    [`${kind}ID`]: ref[`${kind.toLowerCase()}Id`],
    [`${kind}Name`]: ref[`${kind.toLowerCase()}Name`],
    File: { Name: ref.fileName, UID: ref.fileUid ?? "0", GID: ref.fileGid ?? "0", Mode: ref.fileMode ?? 0o444 },
  });
  return {
    Name: args.name,
    Labels: args.labels ? labelMapOf(args.labels) : undefined,
    TaskTemplate: {
      ContainerSpec: {
        Image: container.image,
        Labels: labelMapOf(container.labels),
        Command: container.commands,
        Args: container.args,
        Hostname: container.hostname,
        Env: Object.entries(container.env ?? {}).map(([key, value]) => `${key}=${value}`),
        Dir: container.dir,
        User: container.user,
        ReadOnly: container.readOnly ?? false,
        Mounts: (container.mounts ?? []).map((mount: Loose) => ({
          Type: mount.type,
          Target: mount.target,
          Source: mount.source ?? "",
          ReadOnly: mount.readOnly ?? false,
          ...(mount.tmpfsOptions ? { TmpfsOptions: { SizeBytes: mount.tmpfsOptions.sizeBytes ?? 0, Mode: mount.tmpfsOptions.mode ?? 0 } } : {}),
        })),
        StopGracePeriod: ns(container.stopGracePeriod),
        Healthcheck: check
          ? { Test: check.tests, Interval: ns(check.interval), Timeout: ns(check.timeout), StartPeriod: ns(check.startPeriod), Retries: check.retries ?? 0 }
          : {},
        Hosts: (container.hosts ?? []).map((host: Loose) => `${host.ip} ${host.host}`), // extraHostsSetToServiceExtraHosts
        DNSConfig: {},
        Secrets: (container.secrets ?? []).map((ref: Loose) => fileRef("Secret", ref)),
        Configs: (container.configs ?? []).map((ref: Loose) => fileRef("Config", ref)),
        Isolation: container.isolation ?? "default",
        Init: container.init ?? false, // supportsServiceContainerInit: API >= 1.37
      },
      Resources: resources ? { Limits: amounts(resources.limits), Reservations: amounts(resources.reservation) } : {},
      RestartPolicy: restart
        ? { Condition: restart.condition ?? "", Delay: ns(restart.delay), MaxAttempts: restart.maxAttempts ?? 0, Window: ns(restart.window) }
        : {},
      Placement: { Constraints: task.placement?.constraints ?? [], Preferences: [], Platforms: task.placement?.platforms ?? [], MaxReplicas: task.placement?.maxReplicas ?? 0 },
      ForceUpdate: task.forceUpdate ?? 0,
      Networks: (task.networksAdvanceds ?? []).map((network: Loose) => ({ Target: network.id, Aliases: network.aliases ?? [] })),
    },
    Mode: args.mode?.global ? { Global: {} } : { Replicated: { Replicas: args.mode?.replicated?.replicas ?? 1 } },
    UpdateConfig: updateConfig(args.updateConfig),
    RollbackConfig: updateConfig(args.rollbackConfig),
    EndpointSpec: { Ports: (args.endpointSpec?.ports ?? []).map((port: Loose) => ({ Protocol: port.protocol ?? "tcp", TargetPort: port.targetPort, PublishedPort: port.publishedPort ?? 0, PublishMode: port.publishMode ?? "ingress" })) },
  };
}

/** `flattenServiceUpdateOrRollbackConfig`. */
function flattenUpdate(config: Loose | undefined): Loose | undefined {
  if (!config) return undefined;
  return {
    parallelism: config.Parallelism ?? 0,
    delay: dur(config.Delay ?? 0),
    failureAction: config.FailureAction ?? "",
    monitor: dur(config.Monitor ?? 0),
    maxFailureRatio: (config.MaxFailureRatio ?? 0).toFixed(1), // strconv.FormatFloat(v, 'f', 1, 64)
    order: config.Order ?? "",
  };
}

/** `flattenServiceSecrets` / `flattenServiceConfigs`. */
function flattenFileRefs(kind: "Secret" | "Config", refs: Loose[] | undefined): Loose[] | undefined {
  const lower = kind.toLowerCase();
  return some(refs)?.map((ref) => ({
    [`${lower}Id`]: ref[`${kind}ID`],
    ...(ref[`${kind}Name`] ? { [`${lower}Name`]: ref[`${kind}Name`] } : {}),
    ...(ref.File ? { fileName: ref.File.Name, ...(ref.File.UID ? { fileUid: ref.File.UID } : {}), ...(ref.File.GID ? { fileGid: ref.File.GID } : {}), fileMode: ref.File.Mode } : {}),
  }));
}

/** `flattenContainerSpec` (with `flattenServiceMounts`, `flattenServiceHealthcheck`, `flattenServiceHosts`, ...). */
function flattenContainerSpec(spec: Loose): Loose {
  const check = spec.Healthcheck;
  return {
    image: spec.Image || undefined,
    labels: Object.keys(spec.Labels ?? {}).length > 0 ? labelSetOf(spec.Labels) : undefined,
    commands: some(spec.Command),
    args: some(spec.Args),
    hostname: spec.Hostname || undefined,
    // mapStringSliceToMap: split at the first "=".
    env: some(spec.Env) ? Object.fromEntries(spec.Env.map((entry: string) => [entry.split("=")[0], entry.split("=").slice(1).join("=")])) : undefined,
    user: spec.User || undefined,
    dir: spec.Dir || undefined,
    groups: some(spec.Groups),
    readOnly: spec.ReadOnly ? true : undefined,
    mounts: some(spec.Mounts)?.map((mount: Loose) => ({
      target: mount.Target,
      source: mount.Source ?? "",
      type: mount.Type,
      readOnly: mount.ReadOnly ?? false,
      ...(mount.BindOptions ? { bindOptions: mount.BindOptions.Propagation ? { propagation: mount.BindOptions.Propagation } : {} } : {}),
      ...(mount.VolumeOptions ? { volumeOptions: { noCopy: mount.VolumeOptions.NoCopy ?? false, labels: labelSetOf(mount.VolumeOptions.Labels) } } : {}),
      ...(mount.TmpfsOptions ? { tmpfsOptions: { sizeBytes: mount.TmpfsOptions.SizeBytes ?? 0, mode: (mount.TmpfsOptions.Mode ?? 0) & 0o777 } } : {}),
    })),
    stopSignal: spec.StopSignal || undefined,
    stopGracePeriod: spec.StopGracePeriod === undefined ? undefined : dur(spec.StopGracePeriod),
    healthcheck: check
      ? { tests: some(check.Test), interval: dur(check.Interval ?? 0), timeout: dur(check.Timeout ?? 0), startPeriod: dur(check.StartPeriod ?? 0), retries: check.Retries ?? 0 }
      : undefined,
    hosts: some(spec.Hosts)?.map((entry: string) => ({ ip: entry.split(" ")[0], host: entry.split(" ")[1] })),
    dnsConfig: spec.DNSConfig ? { nameservers: some(spec.DNSConfig.Nameservers), searches: some(spec.DNSConfig.Search), options: some(spec.DNSConfig.Options) } : undefined,
    secrets: flattenFileRefs("Secret", spec.Secrets),
    configs: flattenFileRefs("Config", spec.Configs),
    isolation: spec.Isolation || undefined,
    sysctl: Object.keys(spec.Sysctls ?? {}).length > 0 ? spec.Sysctls : undefined,
    capAdds: some(spec.CapabilityAdd),
    capDrops: some(spec.CapabilityDrop),
    init: spec.Init,
  };
}

/**
 * `resourceDockerServiceReadRefreshFunc`: the state after a read, from `GET /services/<id>`.
 * `afterCreate` carries what only the create's own plan holds (`converge_config`, `auth`): the
 * read never sets them, so they survive in the state of a service the provider created, and are
 * absent from the state of an imported one.
 */
export function readService(live: Loose, afterCreate?: Loose): Loose {
  const spec = live.Spec;
  const task = spec.TaskTemplate ?? {};
  const resources = task.Resources;
  const amounts = (value: Loose | undefined) => (value ? { nanoCpus: value.NanoCPUs ?? 0, memoryBytes: value.MemoryBytes ?? 0 } : undefined);
  const restart = task.RestartPolicy;
  const placement = task.Placement;
  const ports = (list: Loose[] | undefined) => (list ?? []).map((port) => ({ name: port.Name ?? "", protocol: port.Protocol ?? "", targetPort: port.TargetPort ?? 0, publishedPort: port.PublishedPort ?? 0, publishMode: port.PublishMode ?? "" }));
  const endpoint = live.Endpoint?.Spec?.Mode ? { mode: live.Endpoint.Spec.Mode, ports: ports(live.Endpoint.Ports) } : { mode: spec.EndpointSpec?.Mode, ports: ports(spec.EndpointSpec?.Ports) };
  return {
    name: spec.Name,
    labels: labelSetOf(spec.Labels),
    taskSpec: {
      containerSpec: task.ContainerSpec ? flattenContainerSpec(task.ContainerSpec) : undefined,
      resources: resources ? { limits: amounts(resources.Limits), reservation: resources.Reservations ? amounts(resources.Reservations) : undefined } : undefined,
      restartPolicy: restart
        ? {
            condition: restart.Condition || undefined,
            delay: restart.Delay === undefined ? undefined : dur(restart.Delay),
            maxAttempts: restart.MaxAttempts,
            window: restart.Window === undefined ? undefined : dur(restart.Window),
          }
        : undefined,
      placement: placement ? { constraints: some(placement.Constraints), platforms: some(placement.Platforms)?.map((p: Loose) => ({ architecture: p.Architecture, os: p.OS })), maxReplicas: placement.MaxReplicas ?? 0 } : undefined,
      forceUpdate: task.ForceUpdate ?? 0,
      runtime: task.Runtime || undefined,
      networksAdvanceds: some(task.Networks)?.map((network: Loose) => ({ id: network.Target, driverOpts: Object.entries(network.DriverOpts ?? {}).map(([k, v]) => `${k}=${v}`), ...(some(network.Aliases) ? { aliases: network.Aliases } : {}) })),
    },
    mode: { ...(spec.Mode?.Replicated ? { replicated: { replicas: spec.Mode.Replicated.Replicas } } : {}), global: spec.Mode?.Global !== undefined },
    updateConfig: flattenUpdate(spec.UpdateConfig),
    rollbackConfig: flattenUpdate(spec.RollbackConfig),
    endpointSpec: endpoint,
    ...(afterCreate?.convergeConfig ? { convergeConfig: afterCreate.convergeConfig } : {}),
    ...(afterCreate?.auth ? { auth: afterCreate.auth } : {}),
  };
}
