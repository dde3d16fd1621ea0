import type { ResourceValidationPolicy } from "@pulumi/policy";
import { caddySitesUseForwardAuth } from "./rules/forward-auth";
import { hostPortsOnlyWhereDeclared } from "./rules/host-ports";
import { imagesAvoidLatest, imagesHaveTagOrDigest } from "./rules/image-tags";
import { databasesNotFloatingOnSharedStorage, nodeLocalStateIsPinned } from "./rules/node-state";
import { envHoldsNoSecretValues, swarmSecretDataIsSecret } from "./rules/secrets";
import { dockerSocketOnlyInSocketProxy, dockerSocketAncestorNotMounted } from "./rules/socket-access";
import { tunnelConfigEndsWithCatchAll, tunnelDnsRecordsAreProxiedCnames } from "./rules/tunnel";

/**
 * The lab's architecture as policies, checked on every resource the engine is about to register,
 * one concern per file under ./rules (the resource readers they share in ./rules/resources.ts).
 * This module only lists them: constructing a PolicyPack starts the analyzer's gRPC server, so that
 * happens in index.ts alone, and the tests call each `validateResource` directly.
 */
export const POLICIES: readonly ResourceValidationPolicy[] = [
  dockerSocketOnlyInSocketProxy,
  dockerSocketAncestorNotMounted,
  caddySitesUseForwardAuth,
  envHoldsNoSecretValues,
  swarmSecretDataIsSecret,
  nodeLocalStateIsPinned,
  databasesNotFloatingOnSharedStorage,
  hostPortsOnlyWhereDeclared,
  tunnelDnsRecordsAreProxiedCnames,
  tunnelConfigEndsWithCatchAll,
  imagesHaveTagOrDigest,
  imagesAvoidLatest,
];

/** The name index.ts gives the pack; the SDK's messages name it (`<name>@v<version>`), so the tests' analyzer reads it here. */
export const POLICY_PACK_NAME = "homelab-architecture";
