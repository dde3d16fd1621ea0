import { readFileSync } from "node:fs";
import * as path from "node:path";
import { STACKS } from "../lab";
import { defineStack, op, SecretEnv, type StackDefinition } from "../lab/model";
import { DOC_FILES, type DocFile, renderDocs } from "../docs-generator";
import { GENERATED_NOTICE, markdownText } from "../docs-generator/document";
import { evaluateLab } from "../evaluation/evaluate-lab";
import { fakeSecretValues } from "../offline/fake-secrets";
import { fieldsToRead } from "../evaluation/program-fields";
import { DOCS_DIR, docsConfig, docsOptions, generateDocs, staleDocs } from "../docs-generator/generate";

/**
 * docs/ is generated from the lab declaration (`npm run docs`). These tests fail when the
 * committed files no longer match the declaration, and check that the docs cover the lab and
 * carry names only, never a secret value.
 */

const config = docsConfig();
const { lab, files } = generateDocs();
const doc = (name: DocFile) => files.get(name)!;
const all = () => [...files.values()].join("\n");

function committed(name: string): string | undefined {
  try {
    return readFileSync(path.join(DOCS_DIR, name), "utf8");
  } catch {
    return undefined;
  }
}

/** The first line where two texts differ, for the failure message. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split("\n");
  const got = actual.split("\n");
  for (let line = 0; line < Math.max(want.length, got.length); line++) {
    if (want[line] !== got[line]) {
      return `line ${line + 1}:\n  committed: ${JSON.stringify(got[line] ?? "(end of file)")}\n  generated: ${JSON.stringify(want[line] ?? "(end of file)")}`;
    }
  }
  return "(line endings or trailing bytes differ)";
}

describe("committed docs", () => {
  test.each([...DOC_FILES])("docs/%s matches the lab declaration byte for byte", (name) => {
    const expected = files.get(name)!;
    const actual = committed(name);
    if (actual === undefined) throw new Error(`docs/${name} is missing: run \`npm run docs\` and commit the result`);
    if (actual !== expected) {
      throw new Error(`docs/${name} is stale (the lab changed since it was generated): run \`npm run docs\` and commit the result\nfirst difference at ${firstDifference(expected, actual)}`);
    }
  });

  test("the staleness check the script uses agrees", () => {
    expect(staleDocs(files)).toEqual([]);
  });
});

describe("generated docs", () => {
  test("every file starts with the generated-file notice", () => {
    for (const [name, text] of files) expect({ name, first: text.split("\n")[0] }).toEqual({ name, first: GENERATED_NOTICE });
  });

  test("generating twice gives the same bytes (no timestamps, stable order)", () => {
    const again = renderDocs(evaluateLab(config, STACKS), docsOptions(config));
    expect([...again.entries()]).toEqual([...files.entries()]);
  });

  test("the network doc has every shared network, every stack network and every stack, by real swarm name", () => {
    const text = doc("network.md");
    expect(text).toContain("```mermaid\nflowchart TB");
    expect(text).toContain("### Network Inventory");
    for (const network of lab.sharedNetworks) {
      expect(text).toContain(`| \`${network.name}\``);
      expect(text).toContain(markdownText(network.purpose));
    }
    for (const stack of lab.stacks) {
      expect(text).toContain(`\`${stack.name}\``);
      for (const network of stack.spec.networks ?? []) expect(text).toContain(`| \`${stack.name}_${network.key}\``);
    }
    // Every attachment is an edge of the map.
    const edges = text.split("\n").filter((line) => line.includes(" --- ")).length;
    const attachments = lab.stacks.flatMap((stack) => stack.services).reduce((sum, plan) => sum + plan.networks.length, 0);
    expect(edges).toBe(attachments);
  });

  test("the ingress doc has every routed host, its service and its auth", () => {
    const text = doc("ingress.md");
    expect(lab.ingressPlan.routes.length).toBeGreaterThan(0);
    for (const route of lab.ingressPlan.routes) {
      const row = text.split("\n").find((line) => line.startsWith(`| \`${route.host}\` | \`${route.owner}\` |`));
      expect({ host: route.host, row }).toEqual({ host: route.host, row: expect.stringContaining(`| ${route.auth.kind}`) });
      expect(row).toContain(route.public ? "| public |" : "| internal");
    }
    for (const record of lab.ingressPlan.publicRecords) expect(text).toContain(`1. \`${record.name}\``);
  });

  test("the secrets doc names every 1Password item and field the lab reads, and every swarm secret", () => {
    const text = doc("secrets.md");
    const refs = fieldsToRead(lab, config);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(text).toContain(`| \`${ref.item}\` | \`${ref.field}\` |`);
    for (const plan of lab.stacks.flatMap((stack) => stack.services)) for (const mount of plan.secrets) expect(text).toContain(`| \`${mount.identity}\``);
  });

  test("no secret value, digest or template text appears in the docs", () => {
    const text = all();
    const fakes = fakeSecretValues(fieldsToRead(lab, config));
    expect(fakes.size).toBeGreaterThan(0);
    for (const [key, value] of fakes) expect({ key, leaked: text.includes(value) }).toEqual({ key, leaked: false });
    expect(text).not.toMatch(/FAKE-/);
    expect(text).not.toMatch(/op:\/\//); // template placeholders: the template text is never copied
    expect(text).not.toMatch(/-----BEGIN/);
    expect(text).not.toMatch(/\b[0-9a-f]{32,}\b/); // hex blobs (keys, sha256 digests)
    // Secret names are identities, never `<identity>-<digest>` (the digest depends on the value).
    for (const plan of lab.stacks.flatMap((stack) => stack.services)) {
      for (const mount of plan.secrets) expect(text).not.toMatch(new RegExp(`${mount.identity.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{8}\\b`));
    }
  });
});

describe("the docs follow the lab", () => {
  const render = (definitions: readonly StackDefinition[]) => renderDocs(evaluateLab(config, definitions), docsOptions(config));

  test("leaving a stack out removes it, its networks, hosts and secrets from every doc that named it", () => {
    const dropped = STACKS[STACKS.length - 1]!;
    const name = dropped(lab.context).name;
    const docs = render(STACKS.filter((define) => define !== dropped));
    const naming = DOC_FILES.filter((file) => files.get(file)!.includes(name));
    expect(naming.length).toBeGreaterThan(0);
    for (const file of naming) expect({ file, named: docs.get(file)!.includes(name) }).toEqual({ file, named: false });
  });

  test("a new stack shows up in every doc", () => {
    const probe = defineStack((ctx) => ({
      name: "application_docs_probe",
      tier: "application",
      description: "A stack that exists only in this test",
      networks: [{ key: "probe", purpose: "the probe's own network" }],
      services: [
        {
          name: "probe",
          image: "nginx:1.27",
          networks: ["probe", "proxy_network"],
          sites: [{ host: "probe", port: 80 }],
          env: { TZ: ctx.timezone },
          secretEnv: { PROBE_TOKEN: op("docs-probe", "token") },
          secretEnvDelivery: SecretEnv.envFile(["nginx", "-g", "daemon off;"]),
        },
      ],
    }));
    const docs = render([...STACKS, probe]);
    expect(docs.get("README.md")).toContain("`application_docs_probe`");
    expect(docs.get("network.md")).toContain("| `application_docs_probe_probe` (key `probe`) | internal overlay |");
    expect(docs.get("network.md")).toContain("svc_application_docs_probe_probe --- net_proxy_network");
    expect(docs.get("ingress.md")).toContain(`| \`probe.${config.internalDomain}\` | \`application_docs_probe/probe\` | authentik | internal |`);
    expect(docs.get("secrets.md")).toContain("| `docs-probe` | `token` | `application_docs_probe_probe_env` | `application_docs_probe/probe` |");
    // …and none of it is in the committed docs.
    expect(all()).not.toContain("docs_probe");
  });
});
