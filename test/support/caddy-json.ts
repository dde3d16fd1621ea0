import { AUTHENTIK_FORWARD_AUTH } from "../../forward-auth";

/**
 * Readers of Caddy's adapted JSON: what Caddy will actually do with a request for a host, as the
 * ordered list of handlers it runs, rather than what the labels say.
 */

type Loose = Record<string, any>;

export interface Handler {
  /** `reverse_proxy`, `static_response`, `headers`, ... */
  readonly handler: string;
  /** The matchers of the route (or subroute) it sits in, innermost first. */
  readonly matchers: readonly Loose[];
  /** reverse_proxy: where it dials. */
  readonly dials: readonly string[];
  /** reverse_proxy: the URI it rewrites to (forward_auth's check). */
  readonly uri?: string;
  readonly raw: Loose;
}

/** Every top-level route of every server, by the hosts it matches. */
export function routesByHost(json: Loose): Map<string, Loose> {
  const found = new Map<string, Loose>();
  for (const server of Object.values((json.apps?.http?.servers ?? {}) as Record<string, Loose>)) {
    for (const route of (server.routes ?? []) as Loose[]) {
      for (const match of (route.match ?? []) as Loose[]) for (const host of (match.host ?? []) as string[]) found.set(host, route);
    }
  }
  return found;
}

/** The handlers a route runs, subroutes flattened in order. */
export function handlerChain(route: Loose, outer: readonly Loose[] = []): Handler[] {
  const matchers = [...((route.match ?? []) as Loose[]), ...outer];
  return ((route.handle ?? []) as Loose[]).flatMap((handle) => {
    if (handle.handler === "subroute") return ((handle.routes ?? []) as Loose[]).flatMap((inner) => handlerChain(inner, matchers));
    return [
      {
        handler: String(handle.handler),
        matchers,
        dials: ((handle.upstreams ?? []) as Loose[]).map((upstream) => String(upstream.dial)),
        ...(handle.rewrite?.uri ? { uri: String(handle.rewrite.uri) } : {}),
        raw: handle,
      },
    ];
  });
}

const authentikDial = new URL(AUTHENTIK_FORWARD_AUTH.upstream).host;

/** forward_auth, as Caddy runs it: a reverse_proxy to Authentik that rewrites to the check's URI. */
export const isForwardAuth = (h: Handler): boolean => h.handler === "reverse_proxy" && h.uri === AUTHENTIK_FORWARD_AUTH.uri && h.dials.includes(authentikDial);

/** The outpost's own paths, proxied to Authentik without a check. */
export const isOutpostProxy = (h: Handler): boolean =>
  h.handler === "reverse_proxy" && h.uri === undefined && h.dials.includes(authentikDial) && h.matchers.some((m) => (m.path ?? []).includes(AUTHENTIK_FORWARD_AUTH.outpostPaths));

/** The ACME issuers of the TLS automation policies (where the account e-mail goes). */
export function acmeIssuers(json: Loose): Loose[] {
  return ((json.apps?.tls?.automation?.policies ?? []) as Loose[]).flatMap((policy) => ((policy.issuers ?? []) as Loose[]).filter((issuer) => issuer.module === "acme"));
}
