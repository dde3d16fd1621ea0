import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AUTHENTIK_FORWARD_AUTH } from "../../forward-auth";

/**
 * HTTP stubs on 127.0.0.1 for the loopback tests: an upstream that says who it is, and an
 * Authentik outpost that answers forward-auth checks the way Authentik's Caddy integration does
 * (a redirect to sign in, or 200 with the identity headers). Each records what it received.
 */

export interface Received {
  readonly stub: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface Stub {
  /** The upstream address it stands in for (`10.0.9.4:8989`, `authentik-server:9000`). */
  readonly name: string;
  readonly address: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** The session cookie the stub outpost accepts, and the identity it then vouches for. */
export const SESSION = { cookie: "authentik_session=valid", username: "akadmin", groups: "admins" } as const;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function closer(server: Server): () => Promise<void> {
  return () => new Promise((resolve) => server.close(() => resolve()));
}

/** An upstream that answers 200 with its name, the path and the headers it got. */
export async function startEchoStub(name: string): Promise<Stub> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const entry = { stub: name, method: req.method ?? "", path: req.url ?? "", headers: req.headers };
    received.push(entry);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entry));
  });
  return { name, address: await listen(server), received, close: closer(server) };
}

/** Authentik's embedded outpost: the check at its Caddy endpoint, and its own paths. */
export async function startAuthentikStub(name: string): Promise<Stub> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const entry = { stub: name, method: req.method ?? "", path: req.url ?? "", headers: req.headers };
    received.push(entry);
    if (req.url === AUTHENTIK_FORWARD_AUTH.uri) {
      if ((req.headers.cookie ?? "").includes(SESSION.cookie)) {
        res.writeHead(200, { "X-Authentik-Username": SESSION.username, "X-Authentik-Groups": SESSION.groups }).end();
      } else {
        const back = `${req.headers["x-forwarded-proto"]}://${req.headers["x-forwarded-host"]}${req.headers["x-forwarded-uri"]}`;
        res.writeHead(302, { Location: `https://${req.headers["x-forwarded-host"]}/outpost.goauthentik.io/start?rd=${encodeURIComponent(back)}` }).end();
      }
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...entry, outpost: true }));
  });
  return { name, address: await listen(server), received, close: closer(server) };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One plain-HTTP request to 127.0.0.1:port for a host, as a browser would send it through Caddy. */
export function get(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", headers: { ...headers, Host: host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
