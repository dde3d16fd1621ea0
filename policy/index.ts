import { PolicyPack } from "@pulumi/policy";
import { POLICIES, POLICY_PACK_NAME } from "./policies";

/**
 * The lab's architecture policy pack: `pulumi preview --policy-pack policy` from the repository
 * root. Constructing the pack starts the analyzer's gRPC server (and reads ./package.json for the
 * version), so nothing but this file may construct it; ./policies.ts lists the policies.
 */
new PolicyPack(POLICY_PACK_NAME, {
  description: "Docker Swarm home lab: socket access, forward auth, secrets, pinning, host ports, the Cloudflare tunnel and image tags.",
  enforcementLevel: "mandatory",
  policies: [...POLICIES],
});
