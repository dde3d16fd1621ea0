import type { EvaluatedLab } from "../evaluation/evaluate-lab";
import { swarmName } from "../lib/naming";
import { code, type DocsOptions, document, markdownText, NONE, table } from "./document";
import { renderBootstrapDoc } from "./bootstrap";
import { renderIngressDoc } from "./ingress";
import { renderNetworkDoc } from "./network";
import { renderSecretsDoc } from "./secrets";

/**
 * The lab's documentation, derived from the same evaluated declaration the program deploys: the
 * network pictures and inventory, how a request reaches an app, the order of a bootstrap `up`, and
 * the secrets table, one module each. Pure functions from an `EvaluatedLab` to Markdown;
 * `scripts/docs.ts` writes them under `docs/lab/` and the tests check the committed files are
 * current.
 */

/** The generated files, by name under `docs/lab/`, in a fixed order. */
export const DOC_FILES = ["README.md", "network.md", "ingress.md", "bootstrap.md", "secrets.md"] as const;
export type DocFile = (typeof DOC_FILES)[number];

/** Every generated document of the lab, by file name under `docs/`. */
export function renderDocs(lab: EvaluatedLab, options: DocsOptions): Map<DocFile, string> {
  return new Map<DocFile, string>([
    ["README.md", renderDocsIndex(lab, options)],
    ["network.md", renderNetworkDoc(lab, options)],
    ["ingress.md", renderIngressDoc(lab, options)],
    ["bootstrap.md", renderBootstrapDoc(lab, options)],
    ["secrets.md", renderSecretsDoc(lab, options)],
  ]);
}

/** docs/README.md: the index of the generated docs and the table of stacks. */
export function renderDocsIndex(lab: EvaluatedLab, options: DocsOptions): string {
  const shared = new Map(lab.sharedNetworks.map((network) => [network.key, network.name]));
  const stackRows = lab.stacks.map((stack) => {
    const plans = stack.services;
    const joined = [...new Set(plans.flatMap((plan) => plan.networks.map((attachment) => attachment.key)))].filter((key) => shared.has(key));
    return [
      code(stack.name),
      stack.spec.tier,
      markdownText(stack.spec.description),
      plans.map((plan) => plan.name).join(", "),
      (stack.spec.networks ?? []).map((network) => code(swarmName(stack.name, network.key))).join(", ") || NONE,
      joined.map((key) => code(shared.get(key)!)).join(", ") || NONE,
      (stack.spec.dependsOn ?? []).map(code).join(", ") || NONE,
    ];
  });
  const body = [
    "- [Network Architecture](network.md): which shared networks join which stacks, each stack's services and networks, and the inventory, with real swarm names.",
    "- [Ingress](ingress.md): how a request reaches an app, and every routed host with who authenticates it, its DNS record and tunnel rule.",
    "- [Bootstrap Order](bootstrap.md): the order one `pulumi up` on an empty swarm follows: which stacks wait for which, and why.",
    "- [Secrets](secrets.md): which 1Password item and field feeds which swarm secret, and who mounts it (names only).",
    "",
    "Regenerate with `npm run docs`; `npm run docs -- --check` (and the test suite) fails when these files are stale.",
    "",
    "## Stacks",
    "",
    ...table(["Stack", "Tier", "Description", "Services", "Own networks", "Shared networks joined", "Needs at runtime"], stackRows),
  ];
  return document("Lab Documentation", [], body, options);
}
