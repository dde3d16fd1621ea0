import type Docker from "dockerode";
import { familiarName, parseImageReference } from "../../images/image-ref";
import { waitUntil } from "../../servers/daemon";
import { createServiceSpec, readService } from "./provider-service";

/**
 * The provider's create and read of networks, secrets, configs and services, carried out against
 * a real engine through the Engine API (what the provider's Docker client calls), for the
 * round-trip test. Inputs are the ones the program registered, with the IDs of the objects they
 * refer to replaced by the engine's.
 */

type Loose = Record<string, any>;

const labelMap = (labels: Loose[] | undefined) => (labels ? Object.fromEntries(labels.map((entry) => [entry.label, entry.value])) : undefined);
const labelSet = (labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).map(([label, value]) => ({ label, value }));

/** `resourceDockerNetworkCreate`, then `resourceDockerNetworkReadRefreshFunc`. */
export async function createNetwork(api: Docker, args: Loose): Promise<{ id: string; state: Loose }> {
  const network = await api.createNetwork({
    Name: args.name,
    Driver: args.driver,
    Labels: labelMap(args.labels),
    Attachable: args.attachable ?? false,
    Internal: args.internal ?? false,
    Ingress: args.ingress ?? false,
    // ipam_driver has a default ("default"), so the provider always sends an IPAM block.
    IPAM: { Driver: args.ipamDriver ?? "default" },
  } as Docker.NetworkCreateOptions);
  // A swarm network shows its driver and IPAM once the allocator has run; the provider's read
  // waits 2 s before its first look (networkReadRefreshDelay), here we wait for the allocation.
  let live: Loose = {};
  const allocated = async () => Boolean((live = (await network.inspect()) as Loose).Driver);
  await waitUntil(`the allocation of network ${args.name}`, allocated, { timeoutMs: 10_000 });
  return {
    id: live.Id,
    state: {
      name: live.Name,
      labels: labelSet(live.Labels),
      driver: live.Driver,
      internal: live.Internal,
      attachable: live.Attachable,
      ingress: live.Ingress,
      ipv6: live.EnableIPv6,
      ipamDriver: live.IPAM?.Driver,
      ipamOptions: live.IPAM?.Options ?? undefined,
      options: live.Options ?? undefined,
    },
  };
}

/** `resourceDockerSecretCreate`; the read sets only the name (the data is never read back). */
export async function createSecret(api: Docker, args: Loose): Promise<{ id: string; state: Loose }> {
  const created = (await api.createSecret({ Name: args.name, Data: args.data, Labels: labelMap(args.labels) })) as Loose;
  const live = (await api.getSecret(created.id ?? created.ID).inspect()) as Loose;
  return { id: live.ID, state: { ...args, name: live.Spec.Name } };
}

/** `resourceDockerConfigCreate`, then `resourceDockerConfigRead` (data back as standard base64). */
export async function createConfig(api: Docker, args: Loose): Promise<{ id: string; state: Loose }> {
  const created = (await api.createConfig({ Name: args.name, Data: args.data, Labels: labelMap(args.labels) } as Loose)) as Loose;
  const live = (await api.getConfig(created.id ?? created.ID).inspect()) as Loose;
  return { id: live.ID, state: { name: live.Spec.Name, data: Buffer.from(live.Spec.Data, "base64").toString("base64"), labels: labelSet(live.Spec.Labels) } };
}

/**
 * The Docker client's `imageWithTagString`: the familiar form with a default `latest` tag (a
 * reference with a digest keeps whatever tag it has).
 */
export function imageWithTagString(reference: string): string {
  const image = parseImageReference(reference);
  const named = reference.split("@")[0]!;
  const tagged = named.lastIndexOf(":") > named.lastIndexOf("/");
  return image.digest ? `${familiarName(image)}${tagged ? `:${image.tag}` : ""}@${image.digest}` : `${familiarName(image)}:${image.tag}`;
}

const onLoopback = (reference: string) => /^(localhost|127(\.\d{1,3}){3})(:\d+)?$/.test(parseImageReference(reference).domain);

/**
 * The client's `ServiceCreate` with `QueryRegistry` (the provider sets it on create, not on
 * update): `resolveContainerSpecImage` asks the engine for the tag's descriptor
 * (`DistributionInspect`), pins the image to it unless it carries a digest already, and stores
 * the image's platforms in the placement ("arm" without its architecture). Only registries on
 * loopback are asked here; for any other the outcome is the one of an unreachable registry (a
 * warning, the spec unchanged), and no request leaves the machine.
 */
async function resolveContainerSpecImage(api: Docker, spec: Loose): Promise<void> {
  const container = spec.TaskTemplate.ContainerSpec;
  if (!onLoopback(container.Image)) return;
  const info = (await api.getImage(container.Image).distribution({})) as Loose;
  if (!parseImageReference(container.Image).digest) container.Image = `${container.Image}@${info.Descriptor.digest}`;
  const platforms = (info.Platforms ?? []).map((p: Loose) => ({ Architecture: String(p.architecture).toLowerCase() === "arm" ? "" : p.architecture, OS: p.os }));
  if (platforms.length > 0) spec.TaskTemplate.Placement = { ...(spec.TaskTemplate.Placement ?? {}), Platforms: platforms };
}

/** The service's state once its endpoint is allocated (the read waits for it, too). */
async function inspectWhenAllocated(api: Docker, id: string): Promise<Loose> {
  let live: Loose = {};
  const allocated = async () => {
    live = (await api.getService(id).inspect()) as Loose;
    return Boolean(live.Endpoint?.Spec?.Mode || live.Spec?.EndpointSpec?.Mode);
  };
  await waitUntil(`the endpoint of service ${id}`, allocated, { timeoutMs: 30_000 });
  return live;
}

/** `resourceDockerServiceCreate` (without its convergence wait: the test node runs no tasks), then the read. */
export async function createService(api: Docker, args: Loose): Promise<{ id: string; state: Loose; live: Loose }> {
  const spec = createServiceSpec(args);
  spec.TaskTemplate.ContainerSpec.Image = imageWithTagString(spec.TaskTemplate.ContainerSpec.Image);
  await resolveContainerSpecImage(api, spec);
  const created = (await api.createService(spec as Docker.CreateServiceOptions)) as Loose;
  const id = created.id ?? created.ID;
  const live = await inspectWhenAllocated(api, id);
  return { id, state: readService(live, args), live };
}
