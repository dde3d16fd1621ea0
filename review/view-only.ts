import type { LabView } from "./lab-view";
import { nearestKeyHint } from "../config/namespaces";

/**
 * `render --only <stack>[/<service>]`: the view cut to one stack, or one service of it, for a
 * reader who wants just that block. What is lab-wide (the header, the routes) stays, limited to
 * the routes the selection serves; an unknown name is refused with the names there are.
 */
export function onlyView(view: LabView, only: string): LabView {
  const [stackName = "", serviceName] = only.split("/", 2);
  const stack = view.stacks.find((candidate) => candidate.name === stackName);
  const names = view.stacks.map((candidate) => candidate.name);
  if (!stack) throw new Error(`--only ${only}: no stack "${stackName}"${nearestKeyHint(stackName, names).replace("valid key", "stack")}; the stacks are ${names.join(", ")}`);
  const services = serviceName === undefined ? stack.services : stack.services.filter((service) => service.name === serviceName);
  if (services.length === 0) {
    const serviceNames = stack.services.map((service) => service.name);
    throw new Error(`--only ${only}: stack ${stack.name} has no service "${serviceName}"${nearestKeyHint(serviceName!, serviceNames).replace("valid key", "service")}; its services are ${serviceNames.join(", ")}`);
  }
  const owners = new Set(services.map((service) => `${stack.name}/${service.name}`));
  return {
    ...view,
    stacks: [{ ...stack, services }],
    unlockedImages: view.unlockedImages.filter((entry) => owners.has(entry.service)),
    ingress: { ...view.ingress, routes: view.ingress.routes.filter((route) => owners.has(route.owner)) },
  };
}
