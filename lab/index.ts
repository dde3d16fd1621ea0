import type { StackDefinition } from "./model";
import opConnect from "./stacks/infrastructure/op-connect";
import caddy from "./stacks/infrastructure/caddy";
import postgres from "./stacks/platform/postgres";
import authentik from "./stacks/platform/authentik";
import monitoring from "./stacks/platform/monitoring";
import observability from "./stacks/platform/observability";
import mediaCore from "./stacks/application/media-core";
import mediaSupport from "./stacks/application/media-support";
import mediaEnrichment from "./stacks/application/media-enrichment";

/**
 * Every stack of the lab. Adding a stack is one file in stacks/ and one line here; adding a
 * service is one entry in its stack's file.
 */
export const STACKS: readonly StackDefinition[] = [
  // infrastructure
  opConnect,
  caddy,
  // platform
  postgres,
  authentik,
  monitoring,
  observability,
  // application
  mediaCore,
  mediaSupport,
  mediaEnrichment,
];

export { SHARED_NETWORKS } from "./networks";
