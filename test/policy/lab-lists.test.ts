import { readFileSync } from "node:fs";
import * as path from "node:path";
import { policyLists, POLICY_LISTS_FILE, type PolicyLists } from "../../docs-generator/policy-lists";
import type { EvaluatedLab } from "../../evaluation/evaluate-lab";
import { Auth, type ServiceSpec } from "../../lab/model";
import { PROJECT_DIR } from "../../lib/project-dir";
import { generateDocs, stalePolicyLists } from "../../docs-generator/generate";

/**
 * policy/lab-lists.ts, the policy pack's lists, is generated from the lab by `npm run docs`
 * (docs-generator/policy-lists.ts): the generator on small labs of its own, and the committed file
 * against what the lab generates now.
 */

type Lab = Pick<EvaluatedLab, "stacks" | "context">;

/** A lab of one stack `app` with these services (only what the generator reads). */
function lab(services: readonly Partial<ServiceSpec>[]): Lab {
  const specs = services.map((service, index) => ({ name: `svc${index}`, image: "nginx:1", networks: [], ...service }));
  return {
    stacks: [{ name: "app", spec: { name: "app", services: specs }, services: [] }],
    context: { appdata: (p: string) => `/pool/appdata${p ? `/${p}` : ""}`, media: (p: string) => `/pool/media${p ? `/${p}` : ""}` },
  } as unknown as Lab;
}

const EMPTY: PolicyLists = { forwardAuthExceptions: {}, hostPorts: {}, sharedStorageRoots: ["/pool/appdata", "/pool/media"] };

describe("the policy pack's lists, generated from a lab", () => {
  test.each<[string, readonly Partial<ServiceSpec>[], PolicyLists]>([
    ["a protected site, a port on the routing mesh: nothing listed", [{ sites: [{ host: "a", port: 80 }], ports: [{ target: 53, published: 53, mode: "ingress", reason: "DNS" }] }], EMPTY],
    ["an opted-out site: the service, with its reason", [{ sites: [{ host: "a", port: 80, auth: Auth.own("its own login") }] }], { ...EMPTY, forwardAuthExceptions: { app_svc0: "its own login" } }],
    [
      "two opted-out sites: their reasons in site order",
      [{ sites: [{ host: "a", port: 80, auth: Auth.own("its own login") }, { host: "b", port: 81, auth: Auth.none("public invites") }] }],
      { ...EMPTY, forwardAuthExceptions: { app_svc0: "its own login; public invites" } },
    ],
    [
      "host-mode ports: the service's ports with protocol, the reasons once each",
      [{ ports: [{ target: 1, published: 1001, mode: "host", reason: "LAN clients" }, { target: 2, published: 1002, mode: "host", protocol: "udp", reason: "LAN clients" }] }],
      { ...EMPTY, hostPorts: { app_svc0: { ports: ["1001/tcp", "1002/udp"], reason: "LAN clients" } } },
    ],
  ])("%s", (_, services, expected) => {
    expect(policyLists(lab(services))).toEqual(expected);
  });

  test.each<[string, readonly Partial<ServiceSpec>[], string]>([
    [
      "a service mixing open and protected sites",
      [{ sites: [{ host: "a", port: 80 }, { host: "b", port: 81, auth: Auth.none("public") }] }],
      "app/svc0: mixes sites with and without forward auth; the policy pack exempts whole services, so give the open site a service of its own",
    ],
    ["a host-mode port without a reason", [{ ports: [{ target: 1, published: 1001, mode: "host" }] }], "app/svc0: ports: 1001 is published in host mode without a reason; declare its reason"],
  ])("refused, by name: %s", (_, services, problem) => {
    expect(() => policyLists(lab(services))).toThrow(`the policy pack's lists cannot be generated:\n  ${problem}`);
  });
});

describe(`${POLICY_LISTS_FILE}`, () => {
  test("is what the lab generates now (run `npm run docs` and commit the result)", () => {
    const { policyLists: generated } = generateDocs();
    const committed = readFileSync(path.join(PROJECT_DIR, POLICY_LISTS_FILE), "utf8");
    if (stalePolicyLists(generated)) throw new Error(`${POLICY_LISTS_FILE} is stale (the lab changed since it was generated): run \`npm run docs\` and commit the result`);
    expect(committed).toBe(generated);
  });

  test("a stale copy is told apart from a current one", () => {
    const { policyLists: generated } = generateDocs();
    expect(stalePolicyLists(generated)).toBe(false);
    expect(stalePolicyLists(`${generated}// an edit by hand\n`)).toBe(true);
  });
});
