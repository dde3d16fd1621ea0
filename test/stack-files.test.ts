import { op, opTemplate, opTemplateFile, type StackSpec } from "../lab/model";
import { stackFolder, withStackFiles } from "../evaluation/lab-files";

/** Where a stack's shipped files live, and how the evaluation names them from lab/ (no real lab read). */

describe("stackFolder", () => {
  test.each<[string, Pick<StackSpec, "name" | "tier">, string]>([
    ["the tier's prefix is dropped, '_' becomes '-'", { name: "application_media_core", tier: "application" }, "stacks/application/media-core"],
    ["a name without the prefix is kept", { name: "caddy", tier: "infrastructure" }, "stacks/infrastructure/caddy"],
    ["a name with '-' is kept as it is", { name: "op-connect", tier: "infrastructure" }, "stacks/infrastructure/op-connect"],
    ["another tier's prefix is not dropped", { name: "platform_books", tier: "application" }, "stacks/application/platform-books"],
  ])("%s", (_case, stack, folder) => {
    expect(stackFolder(stack)).toBe(folder);
  });
});

describe("withStackFiles", () => {
  const stack: StackSpec = {
    name: "platform_mon",
    tier: "platform",
    description: "test",
    publishedSecrets: [{ name: "token", value: opTemplateFile("token.tmpl"), reason: "test" }],
    services: [
      {
        name: "web",
        image: "nginx:1.27",
        networks: [],
        configs: [{ file: "conf/site.conf", target: "/etc/site.conf" }],
        secretEnv: { A: op("web", "a"), B: opTemplateFile("b.tmpl"), C: opTemplate("inline {{ op://web/c }}") },
        secretFiles: [{ target: "/run/secrets/key", value: opTemplateFile("key.tmpl") }],
      },
      { name: "plain", image: "nginx:1.27", networks: [] },
    ],
  };

  test("names every file the stack ships from lab/, through its own folder; nothing else changes", () => {
    const resolved = withStackFiles(stack);
    expect(resolved.publishedSecrets?.[0]?.value).toEqual(opTemplateFile("stacks/platform/mon/token.tmpl"));
    expect(resolved.services[0]?.configs).toEqual([{ file: "stacks/platform/mon/conf/site.conf", target: "/etc/site.conf" }]);
    expect(resolved.services[0]?.secretEnv).toEqual({ A: op("web", "a"), B: opTemplateFile("stacks/platform/mon/b.tmpl"), C: opTemplate("inline {{ op://web/c }}") });
    expect(resolved.services[0]?.secretFiles).toEqual([{ target: "/run/secrets/key", value: opTemplateFile("stacks/platform/mon/key.tmpl") }]);
    expect(resolved.services[1]).toEqual(stack.services[1]);
    expect({ ...resolved, services: [], publishedSecrets: [] }).toEqual({ ...stack, services: [], publishedSecrets: [] });
  });

  test("a stack that names its own folder ships its files from there", () => {
    expect(withStackFiles({ ...stack, folder: "stacks/elsewhere" }).services[0]?.configs).toEqual([{ file: "stacks/elsewhere/conf/site.conf", target: "/etc/site.conf" }]);
  });
});
