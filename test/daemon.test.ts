import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { accepts, allAccept, running, startDaemon, stopDaemon, waitUntil } from "../servers/daemon";

/**
 * servers/daemon.ts, with Node itself as the server (a script of the test's): the stop ends
 * in SIGKILL at its deadline, uses the server's own signal, reaches a script's whole group, and a
 * failed wait says what it waited for with the log's end.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "homelab-daemon-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Node server running `source`, logging to its own file. */
function node(name: string, source: string, options: Omit<Parameters<typeof startDaemon>[2], "log"> = {}) {
  const log = path.join(dir, `${name}.log`);
  return startDaemon(process.execPath, ["-e", source], { log, ...options });
}

test("a server that ignores its stop signal gets SIGKILL at the deadline, and the stop waits for its exit", async () => {
  const server = node("stubborn", 'process.on("SIGTERM", () => console.log("ignored SIGTERM")); console.log("up"); setInterval(() => {}, 1000);', { graceMs: 500 });
  await waitUntil("the stubborn server to be up", () => readFileSync(server.log, "utf8").includes("up"), { timeoutMs: 10_000, exited: server.exited, log: server.log });
  const started = Date.now();
  await stopDaemon(server);
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  expect(readFileSync(server.log, "utf8")).toContain("ignored SIGTERM");
  expect([server.exited(), running(server.pid)]).toEqual([true, false]);
});

test("the stop sends the server's own signal and waits no longer than its exit", async () => {
  const server = node("graceful", 'process.on("SIGINT", () => { console.log("clean stop on SIGINT"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000);', { stopSignal: "SIGINT", graceMs: 20_000 });
  await waitUntil("the graceful server to be up", () => readFileSync(server.log, "utf8").includes("up"), { timeoutMs: 10_000, exited: server.exited, log: server.log });
  const started = Date.now();
  await stopDaemon(server);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(readFileSync(server.log, "utf8")).toContain("clean stop on SIGINT");
  expect(server.exited()).toBe(true);
});

test("a server started as a group is stopped with the commands its script waits on", async () => {
  const pidFile = path.join(dir, "sleep.pid");
  const script = startDaemon("sh", ["-c", 'sleep 60 & echo $! > "$1"; wait', "sh", pidFile], { log: path.join(dir, "script.log"), group: true });
  const sleep = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : 0);
  try {
    await waitUntil("the script's sleep to start", () => sleep() > 0 && running(sleep()), { timeoutMs: 10_000, exited: script.exited, log: script.log });
  } finally {
    await stopDaemon(script);
  }
  // Its signal reached the sleep, which ends a moment after the script (alone, it would run 60 s).
  await waitUntil("the script's sleep to end", () => !running(sleep()), { timeoutMs: 2000 });
  expect([script.exited(), running(sleep())]).toEqual([true, false]);
});

test("a wait that fails names what it awaited and ends with the log's last lines", async () => {
  const log = path.join(dir, "waited.log");
  writeFileSync(log, `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n")}\n`);
  const error = await waitUntil("the moon", () => false, { timeoutMs: 150, intervalMs: 20, log }).catch((caught: Error) => caught);
  expect((error as Error).message).toBe(`waiting for the moon: not within 150 ms; the last lines of ${log}:\n${Array.from({ length: 20 }, (_, i) => `line ${i + 11}`).join("\n")}`);
  const exited = await waitUntil("the moon", () => false, { timeoutMs: 60_000, exited: () => true }).catch((caught: Error) => caught);
  expect((exited as Error).message).toBe("waiting for the moon: the process exited first");
});

test("accepts: true while something listens on the port, false once it is closed", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  expect([await accepts(port), await allAccept([port, port])]).toEqual([true, true]);
  await new Promise((resolve) => server.close(resolve));
  expect([await accepts(port), await allAccept([port])]).toEqual([false, false]);
});
