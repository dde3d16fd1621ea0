import * as path from "node:path";
import { ConfigError, type HomelabConfig, PROJECT } from "../config";
import { type LabContext, type OpRef, type StackDefinition, type StackSpec } from "../lab/model";
import { SHARED_NETWORKS, type SharedNetworkSpec } from "../lab/networks";
import { ingressControllers, type IngressPlan, planIngress } from "./ingress";
import { withStackFiles } from "./lab-files";
import { type ImageLock, readImageLock } from "../images/image-lock";
import type { IngressSettings } from "./labels";
import { distinctRefs, refKey, refsOf } from "./secret-values";
import { contentValues, type PlanContext, planService, type ServicePlan } from "./service-plan";
import { withoutForwardAuth } from "../forward-auth";
import { stackOrder } from "./stack-order";
import { validateLab } from "./validation";
import { type UnlockedImage, unlockedImages } from "./validation/images";

/** One stack as this stack of the program deploys it. */
export interface StackPlan {
  readonly name: string;
  /** The declaration, with the selection and per-service overrides applied. */
  readonly spec: StackSpec;
  /** Its services' plans, in declaration order. */
  readonly services: readonly ServicePlan[];
}

/**
 * The lab as this stack of the program deploys it: the stack files evaluated against config, the
 * subset and per-service overrides applied, everything validated and planned. Pure: it registers
 * nothing, so every error surfaces before the first resource.
 */
export interface EvaluatedLab {
  readonly context: LabContext;
  readonly ingress: IngressSettings;
  /** Every route, and the DNS records and tunnel rules derived from them. */
  readonly ingressPlan: IngressPlan;
  readonly sharedNetworks: readonly SharedNetworkSpec[];
  /** In dependency order: each stack after the stacks it needs at runtime, declaration order otherwise. */
  readonly stacks: readonly StackPlan[];
  /** Tag-only images with no digest in the lock (deployed by tag where allowed; see `ImageOptions`). */
  readonly unlockedImages: readonly UnlockedImage[];
}

export interface ImageOptions {
  /** @default the committed lock (lab/images.lock.json) */
  readonly lock?: ImageLock;
  /**
   * `refuse` (what `pulumi preview`/`up` run, see program.ts): a tag-only image missing from the
   * lock is a lab error naming its service. `allow` (docs, offline review, where no registry can
   * be reached): it is planned by tag and listed in `unlockedImages`. @default "allow"
   */
  readonly unlocked?: "refuse" | "allow";
}

function under(root: string) {
  return (sub: string) => (sub === "" ? root : path.posix.join(root, sub));
}

/**
 * What a stack file is given to read: the domains, paths, nodes and shared values of this stack
 * of the program.
 */
export function labContext(config: HomelabConfig): LabContext {
  return {
    domain: config.domain,
    internalDomain: config.internalDomain,
    timezone: config.timezone,
    acmeEmail: config.acmeEmail,
    mediaUser: config.mediaUser,
    mediaUserSpec: `${config.mediaUser.uid}:${config.mediaUser.gid}`,
    mediaEnv: { PUID: String(config.mediaUser.uid), PGID: String(config.mediaUser.gid), TZ: config.timezone },
    storageNode: config.storageNode,
    cloudflare: config.cloudflare.enabled,
    appdata: under(config.paths.appdata),
    media: under(config.paths.media),
    backups: under(config.paths.backups),
    dockerRoot: under(config.paths.dockerRoot),
    internalHost: (name) => `${name}.${config.internalDomain}`,
    publicHost: (name) => `${name}.${config.domain}`,
  };
}

/** Applies `homelab:stacks` and `homelab:services`; names every unknown stack or service. */
function select(all: readonly StackSpec[], config: HomelabConfig): StackSpec[] {
  const problems: string[] = [];
  const names = all.map((stack) => stack.name);
  for (const name of config.stacks ?? []) {
    if (!names.includes(name)) problems.push(`${PROJECT}:stacks: unknown stack "${name}" (expected one of: ${names.join(", ")})`);
  }
  const chosen = all.filter((stack) => config.stacks === undefined || config.stacks.includes(stack.name));
  for (const stack of chosen) {
    for (const dependency of stack.dependsOn ?? []) {
      if (!chosen.some((other) => other.name === dependency) && names.includes(dependency)) {
        problems.push(`${PROJECT}:stacks: "${stack.name}" needs "${dependency}" at runtime; add it to the list`);
      }
    }
  }
  const overrides = config.services ?? {};
  for (const key of Object.keys(overrides)) {
    const [stackName, serviceName] = key.split("/", 2);
    const stack = all.find((candidate) => candidate.name === stackName);
    if (!stack || !stack.services.some((service) => service.name === serviceName)) {
      problems.push(`${PROJECT}:services.${key}: unknown service (expected <stack>/<service>, e.g. application_media_core/sonarr)`);
    }
  }
  const chosenWithOverrides = chosen.map((stack) => ({
    ...stack,
    services: stack.services
      .filter((service) => overrides[`${stack.name}/${service.name}`]?.enabled !== false)
      .map((service) => {
        const override = overrides[`${stack.name}/${service.name}`];
        if (!override) return service;
        return {
          ...service,
          ...(override.image !== undefined ? { image: override.image } : {}),
          ...(override.replicas !== undefined ? { replicas: override.replicas } : {}),
        };
      }),
  }));
  const selected = config.forwardAuth.enabled ? chosenWithOverrides : withoutForwardAuth(chosenWithOverrides, config.forwardAuth.reason ?? "", problems, `${PROJECT}:forwardAuth`);
  if (problems.length > 0) throw new ConfigError(problems);
  return selected;
}

function stackPlan(spec: StackSpec, ctx: PlanContext): StackPlan {
  return { name: spec.name, spec, services: spec.services.map((service) => planService(spec, service, ctx)) };
}

/** Every 1Password field the deployed lab's secrets (published or mounted) need, each once (with its `decode`, if any), sorted. */
export function labSecretRefs(lab: Pick<EvaluatedLab, "stacks">): OpRef[] {
  const values = lab.stacks.flatMap((stack) => [
    ...(stack.spec.publishedSecrets ?? []).map((secret) => secret.value),
    ...stack.services.flatMap((plan) => plan.secrets.flatMap((mount) => contentValues(mount.content))),
  ]);
  return distinctRefs(values.flatMap(refsOf)).sort((a, b) => refKey(a).localeCompare(refKey(b)));
}

/**
 * The lab as one stack of the program deploys it: the stacks selected and overridden by config,
 * validated, planned in dependency order, with their ingress plan and secret references. Throws a
 * ConfigError listing every problem; registers nothing.
 */
export function evaluateLab(
  config: HomelabConfig,
  definitions: readonly StackDefinition[],
  sharedNetworks: readonly SharedNetworkSpec[] = SHARED_NETWORKS,
  images: ImageOptions = {},
): EvaluatedLab {
  const context = labContext(config);
  const selected = select(
    definitions.map((define) => withStackFiles(define(context))),
    config,
  );
  const lock = images.lock ?? readImageLock();
  const ingress: IngressSettings = {
    domain: config.domain,
    internalDomain: config.internalDomain,
    storageNode: config.storageNode,
    tls: config.cloudflare.enabled ? "cloudflare-dns" : "internal",
    acmeEmail: config.acmeEmail,
  };
  validateLab(selected, { sharedNetworks, ingress, images: { lock, requireLocked: images.unlocked === "refuse" }, cloudflare: config.cloudflare.enabled });

  const planContext: PlanContext = {
    ingress,
    storageNode: config.pinStateful ? config.storageNode : undefined,
    sharedNetworks: new Map(sharedNetworks.map((network) => [network.key, network.name])),
    images: lock,
  };
  const planned = new Map(selected.map((spec) => [spec.name, stackPlan(spec, planContext)]));
  // Routes in declaration order; validation has refused any dependency cycle.
  const ingressPlan = planIngress(
    [...planned.values()].flatMap((stack) => stack.services.flatMap((plan) => plan.sites)),
    ingress,
    ingressControllers(selected)[0]?.name,
  );
  const stacks = (stackOrder(selected).order ?? selected).map((spec) => planned.get(spec.name)!);
  return { context, ingress, ingressPlan, sharedNetworks, stacks, unlockedImages: unlockedImages(selected, lock) };
}
