import { type ResourceValidationArgs, type ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import type { ServiceSpec } from "../../lab/model";
import { isGlobal, isSnippet } from "../../caddy/caddyfile";
import { caddyRootsOf, FORWARD_AUTH_SNIPPET, runsSnippetFirst } from "../../forward-auth";
import { ROLE_LABEL } from "../../lib/naming";
import { FORWARD_AUTH_EXCEPTIONS } from "../lab-lists";
import { DockerService, labelsOf, nameOf, stringRecord } from "./resources";

/** Every Caddy site behind Authentik's forward auth, unless its service is a listed exception. */

const INGRESS_CONTROLLER_ROLE: NonNullable<ServiceSpec["role"]> = "ingress-controller";

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
    const controller = labels.get(ROLE_LABEL) === INGRESS_CONTROLLER_ROLE;
    const excepted = forwardAuthExceptions(args)[name] !== undefined;
    const read = caddyRootsOf(name, Object.fromEntries(labels));
    if ("unreadable" in read) {
      if (controller || !excepted) {
        reportViolation(`${name}: caddy-docker-proxy skips every Caddy label of this service (${read.unreadable}), so neither its sites nor its snippets can be checked for forward auth.`);
      }
      return;
    }
    const blocks = [...read.roots];

    if (controller) {
      const defined = blocks.some(
        ([, b]) => isSnippet(b) && b.keys[0] === `(${FORWARD_AUTH_SNIPPET})` && b.children.some((directive) => directive.keys[0] === "forward_auth"),
      );
      if (!defined) {
        reportViolation(`${name} is the ingress controller but defines no (${FORWARD_AUTH_SNIPPET}) snippet with a forward_auth directive; every protected site imports it.`);
      }
    }

    if (excepted) return;
    for (const [prefix, site] of blocks) {
      if (isGlobal(site) || isSnippet(site) || runsSnippetFirst(site, FORWARD_AUTH_SNIPPET)) continue;
      reportViolation(
        `${name}: site "${site.keys.join(" ")}" (label ${prefix}) is served without Authentik forward auth. ` +
          `Import the snippet before its handlers ("${prefix}.route.0_import: ${FORWARD_AUTH_SNIPPET}", the lab's default Auth.authentik), ` +
          `or, if the application must stay open, declare the site Auth.own/Auth.none with its reason and run npm run docs, which lists ${name} in policy/lab-lists.ts.`,
      );
    }
  }),
};
