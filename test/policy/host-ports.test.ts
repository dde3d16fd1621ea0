import { HOST_PORTS } from "../../policy/lab-lists";
import { type PackConfig, service, type TestResource, violations } from "../support/policy-analyzer";

/** policy/rules/host-ports.ts: host-mode ports only where granted. */

const POLICY = "host-ports-only-where-declared";
const hostPort = (publishedPort: number, protocol = "tcp") => ({ targetPort: publishedPort, publishedPort, publishMode: "host", protocol });
const undeclared = (name: string, key: string) =>
  `${POLICY}: ${name} publishes ${key} in host mode, which is not declared: use the routing mesh (publishMode "ingress") or a Caddy site, ` +
  `or declare it in the service's ports with its reason and run npm run docs (policy/lab-lists.ts).`;

/** The first grant of the pack's own list, so that the cases hold for any lab's list. */
const [grantee, grant] = Object.entries(HOST_PORTS)[0]!;
const [grantedPort, grantedProtocol] = grant.ports[0]!.split("/") as [string, string];
const port = Number(grantedPort);
const otherProtocol = grantedProtocol === "udp" ? "tcp" : "udp";

const CASES: readonly [string, TestResource, readonly string[]][] = [
  [`a port policy/lab-lists.ts grants (${grantee}, ${grant.ports[0]})`, service(grantee, { ports: [hostPort(port, grantedProtocol)] }), []],
  ["a port on the routing mesh", service("caddy_caddy", { ports: [{ targetPort: 443, publishedPort: 443, publishMode: "ingress", protocol: "tcp" }] }), []],
  [
    "the granted service's other port, and its port with another protocol",
    service(grantee, { ports: [hostPort(port, grantedProtocol), hostPort(port + 69, grantedProtocol), hostPort(port, otherProtocol)] }),
    [undeclared(grantee, `${port + 69}/${grantedProtocol}`), undeclared(grantee, `${port}/${otherProtocol}`)],
  ],
  ["a service nothing grants", service("app_dns", { ports: [hostPort(53, "udp")] }), [undeclared("app_dns", "53/udp")]],
  ["a port without protocol, which means tcp", service("app_dns", { ports: [{ publishedPort: 53, publishMode: "host" }] }), [undeclared("app_dns", "53/tcp")]],
];

const CONFIG_CASES: readonly [string, PackConfig, readonly string[]][] = [
  ["grants with and without protocol", { [POLICY]: { allowed: { app_dns: ["53/udp", "53"] } } }, []],
  ["a grant for another service", { [POLICY]: { allowed: { app_other: ["53/udp", "53"] } } }, [undeclared("app_dns", "53/udp"), undeclared("app_dns", "53/tcp")]],
];

describe(POLICY, () => {
  it.each(CASES)("%s", async (_sentence, resource, expected) => {
    expect(await violations([POLICY], resource)).toEqual(expected);
  });

  it.each(CONFIG_CASES)("config: %s", async (_sentence, config, expected) => {
    expect(await violations([POLICY], service("app_dns", { ports: [hostPort(53, "udp"), hostPort(53)] }), config)).toEqual(expected);
  });
});
