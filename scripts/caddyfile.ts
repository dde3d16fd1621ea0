import * as path from "node:path";
import { Command } from "commander";
import { labCaddyfile } from "../caddy/lab-caddyfile";
import { runOffline } from "../offline/run";
import { unwritableDir, writeWholeFile } from "../lib/whole-files";

/**
 * `npm run -s caddyfile`: the Caddyfile caddy-docker-proxy would build from the labels the program
 * registers for a stack, evaluated offline as `npm run render` is. Task addresses do not exist
 * offline; each task gets a made-up one on the ingress network (10.0.9.x). `--image` prints the
 * ingress controller's image instead, so the Caddy the lab runs can judge the file
 * (.github/workflows/consumers.yml). The program's own lab validation runs first; a label
 * caddy-docker-proxy would drop fails it, as it fails `pulumi preview`.
 */

async function main(): Promise<void> {
  const program = new Command()
    .name("caddyfile")
    .description("Print the Caddyfile caddy-docker-proxy would build from the stack's labels (made-up task addresses)")
    .option("--stack <name>", "Pulumi stack whose Pulumi.<stack>.yaml is read", "prod")
    .option("--out <file>", "write to this file instead of stdout")
    .option("--image", "print the ingress controller's image instead")
    .parse();
  const options = program.opts<{ stack: string; out?: string; image?: boolean }>();
  const why = options.out === undefined ? undefined : unwritableDir(path.dirname(path.resolve(options.out)));
  if (why !== undefined) throw new Error(`--out ${options.out}: cannot write there (${why}); nothing was evaluated`);
  const caddyfile = labCaddyfile(await runOffline({ stack: options.stack }));
  const text = options.image ? `${caddyfile.controllerImage ?? ""}\n` : caddyfile.text;
  if (options.out) writeWholeFile(options.out, text);
  else process.stdout.write(text);
}

main().catch((error: Error) => {
  console.error(`caddyfile: ${error.message}`);
  process.exit(1);
});
