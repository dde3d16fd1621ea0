import {
  commandLine,
  fileRefLine,
  healthcheckLine,
  type LabView,
  mountLine,
  networkLine,
  portLine,
  resourcesLine,
  restartLine,
  routeParts,
  type ServiceView,
  shortImage,
  siteLine,
  type StackView,
  convergeLine,
  policyLine,
} from "./lab-view";
import { caddyLabelRoot } from "../caddy/from-labels";
import { LOCK_FILE, UPDATE_COMMAND } from "../images/image-lock";
import { field, shellLine, wrap } from "./text-layout";

/**
 * The render's text: the whole desired state of a stack of the program, one block per service,
 * every line at most 100 columns. Empty fields are left out; `--json` has every field.
 */

const INDENT = "    ";

function monitorLine(monitor: ServiceView["monitors"][number]): string {
  const target = monitor.settings.url ?? monitor.settings.hostname ?? monitor.settings.keyword ?? "";
  return `${monitor.id}: ${monitor.type}${target ? ` ${target}` : ""}`;
}

function homepageLine(homepage: Readonly<Record<string, string>>): string {
  const widget = homepage["widget.type"] ? `, widget ${homepage["widget.type"]}` : "";
  return `${homepage.group ?? "-"} / ${homepage.name ?? "-"}${homepage.href ? ` -> ${homepage.href}` : ""}${widget}`;
}

function runLines(run: ServiceView["run"]): string[] {
  return [
    run.user ? `user ${run.user}` : undefined,
    run.entrypoint ? `entrypoint ${commandLine(run.entrypoint)}` : undefined,
    run.command ? `command ${commandLine(run.command)}` : undefined,
    run.hosts.length > 0 ? `hosts ${run.hosts.join(", ")}` : undefined,
    run.stopGracePeriod ? `stop grace period ${run.stopGracePeriod}` : undefined,
    run.init ? "init process" : undefined,
  ].filter((line): line is string => line !== undefined);
}

/**
 * The Caddy blocks a service's derived labels define beyond its declared sites (the ingress
 * controller's forward-auth snippet, its health answer, the global options): one line each.
 */
function derivedCaddyLines(derived: Readonly<Record<string, string>>): string[] {
  const prefixes = [...new Set(Object.keys(derived).flatMap((key) => caddyLabelRoot(key) ?? []))];
  return prefixes.map((prefix) => {
    const root = derived[prefix];
    const children = Object.entries(derived).filter(([key]) => key.startsWith(`${prefix}.`));
    const settings = children.map(([key, value]) => `${key.slice(prefix.length + 1)} ${value}`).join("; ");
    if (root?.startsWith("(")) return `Caddy snippet ${root}: ${children.length} labels (--json shows them)`;
    return root !== undefined ? `Caddy site ${root}: ${settings}` : `Caddy global options: ${settings}`;
  });
}

/** A service's fields in display order, as [label, items, packed]. */
function serviceFields(service: ServiceView): [string, string[], boolean][] {
  const optional = (value: string | undefined) => (value === undefined ? [] : [value]);
  const replicas = [
    `${service.replicas === "global" ? "global (one task per node)" : `${service.replicas}`}`,
    ...(service.stateful ? ["stateful"] : []),
    ...(service.protected ? ["protected"] : []),
    ...(service.role ? [`role ${service.role}`] : []),
  ];
  return [
    ["image", [`${shortImage(service.image)}${service.unpinned ? ` (unpinned: ${service.unpinned})` : ""}`], false],
    ["replicas", [replicas.join(", ")], false],
    ["update", [policyLine(service.update)], false],
    ["rollback", service.rollback ? [policyLine(service.rollback)] : [], false],
    ["converge", optional(convergeLine(service.converge)), false],
    ["placement", [...service.placement], true],
    ["networks", service.networks.map(networkLine), true],
    ["sites", service.sites.map(siteLine), false],
    ["ports", service.ports.map(portLine), false],
    ["mounts", service.mounts.map(mountLine), false],
    ["env", service.env.map((variable) => variable.name), true],
    ["secrets", service.secrets.map(fileRefLine), false],
    ["configs", service.configs.map(fileRefLine), false],
    ["labels", Object.entries(service.labels).map(([key, value]) => `${key}=${value}`), false],
    ["defines", derivedCaddyLines(service.derivedLabels), false],
    ["homepage", service.homepage ? [homepageLine(service.homepage)] : [], false],
    ["monitors", service.monitors.map(monitorLine), false],
    ["limits", optional(resourcesLine(service.limits)), false],
    ["reservations", optional(resourcesLine(service.reservations)), false],
    ["healthcheck", optional(healthcheckLine(service.healthcheck)), false],
    ["restart", optional(restartLine(service.restart)), false],
    ["run", runLines(service.run), false],
  ];
}

function serviceBlock(service: ServiceView): string[] {
  const lines = wrap(`${service.name} (${service.swarmName})`, "  ", "    ");
  for (const [label, items, packed] of serviceFields(service)) lines.push(...field(INDENT, label, items, { packed }));
  return lines;
}

function stackBlock(stack: StackView): string[] {
  const lines = ["", ...wrap(`== ${stack.name} [${stack.tier}]: ${stack.description}`, "", "   ")];
  lines.push(...field("  ", "own networks", stack.networks, { packed: true, labelWidth: 18 }));
  lines.push(...field("  ", "needs at runtime", stack.dependsOn, { packed: true, labelWidth: 18 }));
  for (const service of stack.services) lines.push("", ...serviceBlock(service));
  return lines;
}

/** The render's text: one block per service, then every routed host (at most 100 columns a line). */
export function viewText(view: LabView): string {
  const out: string[] = [];
  out.push(`homelab: desired state of stack "${view.stack}" (offline: mock monitor, fake secret values)`);
  out.push(...wrap(`secrets from: ${view.secretSource}`, "", "  "));
  out.push(
    ...wrap(
      view.forwardAuth.enabled ? "forward auth: Authentik, for every site that does not opt out" : `forward auth: OFF in this stack (homelab:forwardAuth): ${view.forwardAuth.reason}`,
      "",
      "  ",
    ),
  );
  out.push(...field("", "data paths:", view.dataPaths, { packed: true, labelWidth: 12 }));
  if (view.unlockedImages.length > 0) {
    const count = view.unlockedImages.length;
    out.push("", ...wrap(`${count} service${count === 1 ? "" : "s"} run an image with no digest in ${LOCK_FILE} (pulumi preview refuses them; \`${UPDATE_COMMAND}\` locks them):`, "", "  "));
    out.push(...wrap([...new Set(view.unlockedImages.map((entry) => entry.image))].join(", "), "  ", "  "));
  }
  if (view.secretValues.length > 0) {
    out.push("", `secret values this stack reads from config (homelab:secretValues), ${view.secretValues.length}; set each (pulumi prompts):`);
    for (const value of view.secretValues) out.push(...shellLine("  ", value.command));
  }
  if (view.removals.length > 0) {
    out.push("", "removed on purpose (lab/removed.ts):");
    for (const removal of view.removals) out.push(...wrap(`${removal.service ? `${removal.stack}/${removal.service}` : removal.stack}: ${removal.reason}`, "  ", "    "));
  }
  out.push(...field("", "turned off in config (homelab:services):", view.disabledServices, { packed: true, labelWidth: 41 }));
  out.push("", "shared networks");
  for (const network of view.sharedNetworks) out.push(...field("  ", network.name, [network.purpose], { labelWidth: 39 }));
  for (const stack of view.stacks) out.push(...stackBlock(stack));
  out.push("", "== ingress", ...field("  ", "internal DNS", [view.ingress.internalDns]), ...field("  ", "tunnel", [view.ingress.tunnel ?? "none (Cloudflare off)"]));
  for (const route of view.ingress.routes) {
    const { title, details } = routeParts(route);
    out.push(...wrap(title, "  ", "      "), ...wrap(details, "      ", "        "));
  }
  if (view.ingress.tunnelRules.length > 0) {
    out.push("  tunnel rules, in order:");
    for (const rule of view.ingress.tunnelRules) out.push(...wrap(rule, "    ", "      "));
  }
  const counts = Object.entries(view.counts).map(([type, count]) => `${count} ${type.split(":")[0]}/${type.split(":").pop()}`);
  out.push("", ...wrap(`registered: ${counts.join(", ")}`, "", "  "));
  return `${out.join("\n")}\n`;
}
