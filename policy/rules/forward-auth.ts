import { type ResourceValidationArgs, type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import type { ServiceSpec } from "../../lab/model";
import { isCaddyLabel } from "../../lib/caddy/from-labels";
import { FORWARD_AUTH_SNIPPET } from "../../lib/labels";
import { ROLE_LABEL } from "../../lib/naming";
import { FORWARD_AUTH_EXCEPTIONS } from "../forward-auth-exceptions";
import { DockerService, labelsOf, nameOf, stringRecord } from "./resources";

/** Every Caddy site behind Authentik's forward auth, unless its service is a listed exception. */

const INGRESS_CONTROLLER_ROLE: NonNullable<ServiceSpec["role"]> = "ingress-controller";

interface CaddyBlocks {
  readonly sites: readonly { readonly prefix: string; readonly address: string }[];
  readonly snippets: readonly { readonly prefix: string; readonly name: string }[];
}

/**
 * The blocks the labels open: a root label (one caddy-docker-proxy reads, without a dot: `caddy`,
 * `caddy_1`, ...) opens a site, or a snippet when its value is `(name)`.
 */
function caddyBlocks(labels: ReadonlyMap<string, string>): CaddyBlocks {
  const sites: { prefix: string; address: string }[] = [];
  const snippets: { prefix: string; name: string }[] = [];
  for (const [key, value] of labels) {
    if (!isCaddyLabel(key) || key.includes(".")) continue;
    const text = value.trim();
    if (text === "") continue; // a global options block
    const snippet = /^\((.+)\)$/.exec(text);
    if (snippet) snippets.push({ prefix: key, name: snippet[1]! });
    else sites.push({ prefix: key, address: text });
  }
  return { sites, snippets };
}

/**
 * Direct children of `parent` among the labels, as caddy-docker-proxy reads keys: `<N>_directive`
 * orders siblings, `directive_<N>` lets a directive repeat (`handle_0`, `handle_1`).
 */
function children(labels: ReadonlyMap<string, string>, parent: string) {
  const found = new Map<string, { order: number | undefined; directive: string; value: string }>();
  for (const key of labels.keys()) {
    if (!key.startsWith(`${parent}.`)) continue;
    const segment = key.slice(parent.length + 1).split(".")[0]!;
    if (found.has(segment)) continue;
    const ordered = /^(\d+)_(.+)$/.exec(segment);
    found.set(segment, {
      order: ordered ? Number(ordered[1]) : undefined,
      directive: (ordered ? ordered[2]! : segment).replace(/_\d+$/, ""),
      value: labels.get(`${parent}.${segment}`) ?? "",
    });
  }
  return [...found.entries()].map(([segment, child]) => ({ segment, ...child }));
}

const importsSnippet = (value: string) => value.trim().split(/\s+/)[0] === FORWARD_AUTH_SNIPPET;

/** Site-level directives Caddy runs before `route` that can answer a request themselves. */
const HANDLERS_BEFORE_ROUTE = new Set(["handle", "handle_path"]);

/**
 * A site is protected when it imports the snippet for every request: at the site's top level
 * (Caddy orders `forward_auth` before `handle`, `route` and `reverse_proxy`), or as the first
 * handler of a `route` without matcher (a route keeps its handlers in the written order) when no
 * `handle` block, which Caddy runs before `route`, can answer first.
 */
function siteProtected(labels: ReadonlyMap<string, string>, prefix: string): boolean {
  const site = children(labels, prefix);
  if (site.some((child) => child.directive === "import" && importsSnippet(child.value))) return true;
  if (site.some((child) => HANDLERS_BEFORE_ROUTE.has(child.directive))) return false;
  const routeMatcher = (labels.get(`${prefix}.route`) ?? "").trim();
  if (routeMatcher !== "") return false;
  const handlers = children(labels, `${prefix}.route`);
  const auth = handlers.find((child) => child.directive === "import" && importsSnippet(child.value));
  if (!auth) return false;
  return handlers.every(
    (child) => child === auth || (auth.order !== undefined && child.order !== undefined && child.order > auth.order),
  );
}

function forwardAuthExceptions(args: ResourceValidationArgs): Record<string, string> {
  return { ...FORWARD_AUTH_EXCEPTIONS, ...stringRecord(args.getConfig<{ exceptions?: unknown }>().exceptions) };
}

export const caddySitesUseForwardAuth: ResourceValidationPolicy = {
  name: "caddy-sites-use-forward-auth",
  description:
    `Every Caddy site a service declares (labels caddy, caddy_N) imports the ${FORWARD_AUTH_SNIPPET} snippet before its handlers, ` +
    "unless the service is a listed exception with a reason; the ingress controller defines that snippet.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      exceptions: {
        type: "object",
        description: "Further swarm service names whose sites may skip forward auth, each with its reason.",
        additionalProperties: { type: "string", minLength: 1 },
      },
    },
  },
  validateResource: validateResourceOfType(DockerService, (service, args, reportViolation) => {
    const name = nameOf(service, args);
    const labels = labelsOf(service);
    const { sites, snippets } = caddyBlocks(labels);

    if (labels.get(ROLE_LABEL) === INGRESS_CONTROLLER_ROLE) {
      const defined = snippets.some(
        (snippet) => snippet.name === FORWARD_AUTH_SNIPPET && children(labels, snippet.prefix).some((child) => child.directive === "forward_auth"),
      );
      if (!defined) {
        reportViolation(`${name} is the ingress controller but defines no (${FORWARD_AUTH_SNIPPET}) snippet with a forward_auth directive; every protected site imports it.`);
      }
    }

    if (sites.length === 0 || forwardAuthExceptions(args)[name] !== undefined) return;
    for (const site of sites) {
      if (siteProtected(labels, site.prefix)) continue;
      reportViolation(
        `${name}: site "${site.address}" (label ${site.prefix}) is served without Authentik forward auth. ` +
          `Import the snippet before its handlers ("${site.prefix}.route.0_import: ${FORWARD_AUTH_SNIPPET}", the lab's default Auth.authentik), ` +
          `or, if the application must stay open, declare the site Auth.own/Auth.none with its reason and list ${name} in policy/forward-auth-exceptions.ts.`,
      );
    }
  }),
};
