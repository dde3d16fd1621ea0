import Table from "cli-table3";
import { Command } from "commander";
import { runOffline } from "../offline/run";
import { buildView, type LabView } from "../offline/view";

/**
 * The main job, offline: evaluate the program for a stack under Pulumi's mock monitor with fake
 * secret values, and print the desired state for review. No credentials, no network.
 */

function table(head: string[], colWidths: (number | null)[] = []): Table.Table {
  return new Table({ head, colWidths, style: { head: [], border: [] }, wordWrap: true, wrapOnWordBoundary: true });
}

function printText(view: LabView): void {
  const out: string[] = [];
  out.push(`homelab: desired state of stack "${view.stack}" (offline: mock monitor, fake secret values)`);
  out.push(`secrets from: ${view.secretSource}`);
  out.push("");
  const shared = table(["shared network", "purpose"]);
  for (const network of view.sharedNetworks) shared.push([network.name, network.purpose]);
  out.push(shared.toString());
  for (const stack of view.stacks) {
    out.push("");
    out.push(`${stack.name} [${stack.tier}]: ${stack.description}`);
    if (stack.networks.length > 0) out.push(`  own networks: ${stack.networks.join(", ")}`);
    if (stack.dependsOn.length > 0) out.push(`  needs at runtime: ${stack.dependsOn.join(", ")}`);
    const services = table(["service", "image", "replicas", "networks", "sites (auth)", "placement", "swarm secrets"], [null, null, null, null, 44, null, null]);
    for (const service of stack.services) {
      services.push([
        service.name,
        service.image.replace(/@sha256:([a-f0-9]{12})[a-f0-9]{52}/, "@sha256:$1..."),
        String(service.replicas),
        service.networks.map((network) => network.name).join("\n"),
        service.sites.map((site) => `${site.host}${site.public ? " [public]" : ""} (${site.auth})`).join("\n") || "-",
        service.placement.map((constraint) => constraint.replace("node.hostname == ", "node ")).join("\n") || "floats",
        service.secrets.map((secret) => secret.name).join("\n") || "-",
      ]);
    }
    out.push(services.toString());
  }
  out.push("");
  out.push(`ingress: internal DNS ${view.ingress.internalDns}; tunnel ${view.ingress.tunnel ?? "none (Cloudflare off)"}`);
  const routes = table(["host", "service", "auth", "caddy site", "internal record", "tunnel rule", "cloudflare record"], [null, null, null, null, null, 34, null]);
  for (const route of view.ingress.routes) {
    routes.push([
      route.host,
      route.owner,
      route.auth,
      route.caddySite ?? "MISSING",
      route.internalRecord ? `CNAME ${route.internalRecord}` : route.noRecordBecause ? `- (${route.noRecordBecause})` : "-",
      route.tunnelRule ?? "-",
      route.cloudflareRecord ?? "-",
    ]);
  }
  out.push(routes.toString());
  if (view.ingress.tunnelRules.length > 0) out.push(`tunnel rules, in order: ${view.ingress.tunnelRules.join("; ")}`);
  out.push("");
  out.push(
    `registered: ${Object.entries(view.counts)
      .map(([type, count]) => `${count} ${type.split(":")[0]}/${type.split(":").pop()}`)
      .join(", ")}`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}

async function main(): Promise<void> {
  const program = new Command()
    .name("render")
    .description("Print the lab's desired state for a stack, evaluated offline under Pulumi's mock monitor.")
    .option("-s, --stack <name>", "Pulumi stack whose Pulumi.<name>.yaml is used", "prod")
    .option("--json", "print JSON for machines")
    .parse();
  const options = program.opts<{ stack: string; json?: boolean }>();

  const run = await runOffline({ stack: options.stack });
  const view = buildView(options.stack, run.outputs.secretSource, run.lab, run.resources);
  if (options.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else printText(view);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
