import { runOffline } from "../offline/run";

/**
 * Remote calls one preview makes, counted under the mock monitor: every provider invoke (1Password
 * reads, Cloudflare reads) and every read of an existing resource (the stack's self-reference).
 */
export interface RemoteCallFigures {
  readonly onePasswordItemReads: number;
  readonly distinctItems: number;
  readonly onePasswordVaultReads: number;
  readonly cloudflareReads: number;
  readonly stackReferenceReads: number;
  readonly otherInvokes: Readonly<Record<string, number>>;
}

/**
 * The remote calls one preview of the prod lab makes (1Password reads, Cloudflare reads, other
 * reads), counted under the mock monitor.
 */
export async function benchRemoteCalls(): Promise<RemoteCallFigures> {
  const run = await runOffline({ stack: "prod" });
  const count = (predicate: (token: string) => boolean) => run.invocations.filter((call) => predicate(call.token)).length;
  const items = new Set([...run.fakeSecrets.keys()].filter((key) => !key.startsWith("program:")).map((key) => key.split("/")[0]));
  const other: Record<string, number> = {};
  for (const call of run.invocations) {
    if (call.token.startsWith("onepassword:") || call.token.startsWith("cloudflare:")) continue;
    other[call.token] = (other[call.token] ?? 0) + 1;
  }
  return {
    onePasswordItemReads: count((token) => token === "onepassword:index/getItem:getItem"),
    distinctItems: items.size,
    onePasswordVaultReads: count((token) => token === "onepassword:index/getVault:getVault"),
    cloudflareReads: count((token) => token.startsWith("cloudflare:")),
    stackReferenceReads: run.resources.filter((resource) => resource.type === "pulumi:pulumi:StackReference").length,
    otherInvokes: other,
  };
}
