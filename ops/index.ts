// The homelab-ops program: Pulumi Cloud's settings for running the lab (push-to-deploy through an
// agent pool inside the LAN, PR previews, a drift schedule), kept apart from the lab's own program
// so a stack never defines its own deployment settings. Everything is decided in ./settings.ts.
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { parseOpsConfig } from "./config";
import { buildOpsPlan } from "./settings";

/** Whether Pulumi holds a config key as a secret (the SDK exports this at run time, untyped). */
function isSecretKey(key: string): boolean {
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
  return runtimeConfig.isConfigSecret?.(key) ?? true;
}

export = async () => {
  const plan = buildOpsPlan(parseOpsConfig(pulumi.runtime.allConfig(), isSecretKey));
  const settings = new service.DeploymentSettings(plan.deploymentSettings.name, plan.deploymentSettings.args);
  // Drift runs use the stack's deployment settings (agent pool, environment): create them first.
  const drift = new service.DriftSchedule(plan.driftSchedule.name, plan.driftSchedule.args, { dependsOn: [settings] });
  return { deploymentSettings: settings.id, driftScheduleId: drift.scheduleId, pathFilters: plan.paths };
};
