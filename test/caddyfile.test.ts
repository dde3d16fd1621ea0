import { type Block, marshal, mergeBlocks, parseCaddyfile } from "../caddy/caddyfile";
import { judgeCaddyfile, misreadBlocks } from "../caddy/check";
import { blocksFromLabels } from "../caddy/from-labels";
import { generateCaddyfile, type GeneratedCaddyfile, processCaddyfile } from "../caddy/generate";
import { expandTemplate, TemplateError } from "../caddy/template";

/**
 * caddy-docker-proxy's label rules, one table case each, with labels and Caddyfiles of our own
 * (its own fixtures are run by test/caddyfile-upstream.test.ts when a copy of its source is given).
 */

/** The tree's shape without orders or sources, to compare what was written with what is read. */
const shapeOf = (blocks: readonly Block[]): unknown => blocks.map((b) => [b.keys, shapeOf(b.children)]);

/**
 * The written text parsed back, as Caddy reads it, with each block's labels carried over when the
 * shape is the one written: the writer and the reader held to each other.
 */
function readBack(generated: GeneratedCaddyfile): { blocks: Block[]; faithful: boolean } {
  const parsed = parseCaddyfile(generated.text);
  const faithful = JSON.stringify(shapeOf(parsed)) === JSON.stringify(shapeOf(generated.blocks));
  const carry = (to: Block[], from: readonly Block[]) =>
    to.forEach((b, i) => {
      b.sources = [...from[i]!.sources];
      carry(b.children, from[i]!.children);
    });
  if (faithful) carry(parsed, generated.blocks);
  return { blocks: parsed, faithful };
}

const caddyfileOf = (labels: Record<string, string>, upstreams: readonly string[] = []) => marshal(blocksFromLabels("app/web", labels, { upstreams })).trim();

describe("labels to Caddyfile", () => {
  test.each<[string, Record<string, string>, string]>([
    ["a root label with a host opens a site; dots nest directives", { caddy: "web.example.com", "caddy.reverse_proxy": "web:80", "caddy.reverse_proxy.flush_interval": "-1" }, "web.example.com {\n\treverse_proxy web:80 {\n\t\tflush_interval -1\n\t}\n}"],
    ["caddy_N is a root of its own: two sites from one service", { caddy: "a.example.com", "caddy.respond": "a", caddy_1: "b.example.com", "caddy_1.respond": "b" }, "a.example.com {\n\trespond a\n}\nb.example.com {\n\trespond b\n}"],
    ["a root that never gets a value is the global options block, written first", { caddy_9: "z.example.com", "caddy_9.respond": "z", "caddy_3.email": "ops@example.com" }, "{\n\temail ops@example.com\n}\nz.example.com {\n\trespond z\n}"],
    ["a (name) root is a snippet, written before the sites", { caddy: "a.example.com", "caddy.import": "common", caddy_1: "(common)", "caddy_1.encode": "gzip" }, "(common) {\n\tencode gzip\n}\na.example.com {\n\timport common\n}"],
    ["siblings sort by name unless an N_ prefix orders them", { caddy: "a.example.com", "caddy.zzz": "1", "caddy.aaa": "2", "caddy.0_yyy": "3" }, "a.example.com {\n\tyyy 3\n\taaa 2\n\tzzz 1\n}"],
    ["the same name with an _N suffix stays two directives instead of one", { caddy: "a.example.com", "caddy.header_0": "X-A 1", "caddy.header_1": "X-B 2" }, "a.example.com {\n\theader X-A 1\n\theader X-B 2\n}"],
    ["without a suffix, children of the same path merge into one block", { caddy: "a.example.com", "caddy.route.0_a": "1", "caddy.route.1_b": "2" }, "a.example.com {\n\troute {\n\t\ta 1\n\t\tb 2\n\t}\n}"],
    ["matchers come before directives", { caddy: "a.example.com", "caddy.respond": "@api 200", "caddy.@api": "path /api/*" }, "a.example.com {\n\t@api path /api/*\n\trespond @api 200\n}"],
    ["a value is split into arguments; quotes keep spaces, and are re-quoted on output", { caddy: "a.example.com", "caddy.respond": '"not here" 404' }, 'a.example.com {\n\trespond "not here" 404\n}'],
    ["backticks keep a quote, and a quote forces backticks on output", { "caddy.0_a": '`say "hi"`', "caddy.1_b": '"a\\"b"' }, '{\n\ta `say "hi"`\n\tb `a"b`\n}'],
    ["an unbalanced quote runs to the end of the value", { "caddy.a": '"x y' }, '{\n\ta "x y"\n}'],
    ["\\. is a literal dot in a name", { caddy: "a.example.com", "caddy.header.X-Site\\.Name": "web" }, "a.example.com {\n\theader {\n\t\tX-Site.Name web\n\t}\n}"],
    ["{{upstreams PORT}} is every task address with the port, sorted", { caddy: "a.example.com", "caddy.reverse_proxy": "{{upstreams 8080}}" }, "a.example.com {\n\treverse_proxy 10.0.0.3:8080 10.0.0.4:8080\n}"],
    ["{{upstreams https PORT}} adds the protocol", { caddy: "a.example.com", "caddy.reverse_proxy": "{{upstreams https 8443}}" }, "a.example.com {\n\treverse_proxy https://10.0.0.3:8443 https://10.0.0.4:8443\n}"],
  ])("%s", (_case, labels, expected) => {
    expect(caddyfileOf(labels, ["10.0.0.4", "10.0.0.3"])).toBe(expected);
  });

  test("labels of other tools are ignored, and caddyX is not caddy", () => {
    expect(caddyfileOf({ caddy: "a.example.com", "caddy.respond": "a", "homepage.name": "Web", caddyx: "b.example.com", "kuma.web.http.url": "http://web" })).toBe("a.example.com {\n\trespond a\n}");
  });

  test("a service with no task on the ingress network gets an upstream-less reverse_proxy", () => {
    expect(caddyfileOf({ caddy: "a.example.com", "caddy.reverse_proxy": "{{upstreams 80}}" }, [])).toBe("a.example.com {\n\treverse_proxy\n}");
  });
});

describe("templates", () => {
  test.each([
    ["{{upstreams}}", "10.0.0.1 10.0.0.2"],
    ["{{upstreams 80}}", "10.0.0.1:80 10.0.0.2:80"],
    ['{{upstreams "h2c" 80}}', "h2c://10.0.0.1:80 h2c://10.0.0.2:80"],
    ["{{upstreams h2c 80}} and text", "h2c://10.0.0.1:80 h2c://10.0.0.2:80 and text"],
    ['{{""}}', ""],
    ["{{ .Spec.Name }}", "app_web"],
    ["no template at all {braces} {env.X}", "no template at all {braces} {env.X}"],
  ])("%s", (value, expected) => {
    expect(expandTemplate(value, { upstreams: ["10.0.0.2", "10.0.0.1"], data: { Spec: { Name: "app_web" } } })).toBe(expected);
  });

  test.each([
    ["{{upstream 80}}", 'template: :1: function "upstream" is not modelled by this program (it knows upstreams, http, https and h2c)'],
    ["{{ upstreams 80 | lower }}", "template: :1: pipelines, variables and parentheses are not modelled by this program: {{ upstreams 80 | lower }}"],
    ["{{upstreams 80", "template: :1: unclosed action"],
  ])("%s is refused by name", (value, message) => {
    expect(() => expandTemplate(value, { upstreams: [] })).toThrow(new TemplateError(message));
  });
});

describe("the whole Caddyfile", () => {
  test("two services naming the same site build one site, and reverse_proxy with the same matcher gains the other's upstreams", () => {
    const generated = generateCaddyfile([
      { service: "a/one", labels: { caddy: "shared.example.com", "caddy.reverse_proxy": "{{upstreams 80}}", "caddy.encode": "gzip" }, upstreams: ["10.0.0.1"] },
      { service: "b/two", labels: { caddy: "shared.example.com", "caddy.reverse_proxy": "{{upstreams 81}}" }, upstreams: ["10.0.0.2"] },
      { service: "c/three", labels: { "caddy_1.email": "ops@example.com" }, upstreams: [] },
    ]);
    expect(generated.text).toBe("{\n\temail ops@example.com\n}\nshared.example.com {\n\tencode gzip\n\treverse_proxy 10.0.0.1:80 10.0.0.2:81\n}\n");
    expect(generated.blocks[1]!.sources).toEqual([
      { service: "a/one", label: "caddy" },
      { service: "b/two", label: "caddy" },
    ]);
  });

  test("a service whose template fails loses all its Caddy labels; the others are kept", () => {
    const generated = generateCaddyfile([
      { service: "a/bad", labels: { caddy: "bad.example.com", "caddy.reverse_proxy": "{{upstream 80}}" }, upstreams: [] },
      { service: "b/good", labels: { caddy: "good.example.com", "caddy.respond": "ok" }, upstreams: [] },
    ]);
    expect(generated.skipped).toEqual([{ service: "a/bad", error: 'template: :1: function "upstream" is not modelled by this program (it knows upstreams, http, https and h2c)' }]);
    expect(generated.text).toBe("good.example.com {\n\trespond ok\n}\n");
  });

  test("reading the written text back gives the same tree, and carries each block's labels over", () => {
    const generated = generateCaddyfile([{ service: "a/web", labels: { caddy: "a.example.com", "caddy.respond": "`two\nlines` 200" }, upstreams: [] }]);
    const { blocks, faithful } = readBack(generated);
    expect(faithful).toBe(true);
    expect(blocks[0]!.children[0]!.keys).toEqual(["respond", "two\nlines", "200"]);
    expect(blocks[0]!.children[0]!.sources).toEqual([{ service: "a/web", label: "caddy.respond" }]);
  });

  test("a value holding a `{` is written raw and read back as a block: not faithful, and lab validation's misreadBlocks finds it", () => {
    const generated = generateCaddyfile([{ service: "a/web", labels: { caddy: "a.example.com", "caddy.respond": "{ 200" }, upstreams: [] }]);
    expect(readBack(generated).faithful).toBe(false);
    expect(misreadBlocks(generated.blocks).flatMap((b) => b.sources)).toEqual([{ service: "a/web", label: "caddy.respond" }]);
  });

  test("processing drops the block the adapter refuses and keeps the rest, in caddy-docker-proxy's order", () => {
    const text = "b.example.com {\n\tbogus\n}\n(snip) {\n\tencode gzip\n}\na.example.com {\n\timport snip\n}\n";
    const processed = processCaddyfile(text, judgeCaddyfile);
    expect(processed.text).toBe("(snip) {\n\tencode gzip\n}\na.example.com {\n\timport snip\n}\n");
    expect(processed.dropped.map((drop) => [drop.block.keys, drop.message])).toEqual([[["b.example.com"], "unrecognized directive: bogus"]]);
  });

  test("merging, parsing and writing: `}` with nothing open is refused; a multi-line token belongs to its block", () => {
    expect(() => parseCaddyfile("a {\n}\n}\n")).toThrow("Unexpected token '}' at line 3");
    const blocks = parseCaddyfile("a.example.com {\n\trespond `x\ny` 200\n\tencode gzip\n}\n");
    expect(blocks[0]!.children.map((b) => b.keys)).toEqual([["respond", "x\ny", "200"], ["encode", "gzip"]]);
    const into = parseCaddyfile("x {\n\treverse_proxy /api a:1\n}\n");
    mergeBlocks(into, parseCaddyfile("x {\n\treverse_proxy /api b:2\n\treverse_proxy c:3\n}\n"));
    expect(marshal(into)).toBe("x {\n\treverse_proxy /api a:1 b:2\n\treverse_proxy c:3\n}\n");
  });
});
