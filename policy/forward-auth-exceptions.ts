/**
 * Services whose Caddy sites are served without Authentik forward auth, by swarm service name,
 * with the reason. It mirrors the sites the lab declares with `Auth.own(...)` / `Auth.none(...)`
 * (a service with several opted-out sites lists their reasons in site order, joined by "; ").
 * test/policy/lab-renders.test.ts fails when this list and the lab's declared opt-outs differ, so
 * the two change together; more entries can be added per run through policy config (see
 * rules/forward-auth.ts).
 */
export const FORWARD_AUTH_EXCEPTIONS: Readonly<Record<string, string>> = {
  caddy_caddy:
    "the storage node's TrueNAS web UI has its own login; catch-all that answers 404 for hosts no service declares",
  "op-connect_op-connect-api": "Connect checks a bearer token on every request; API clients cannot do SSO",
  "platform_authentik_authentik-server":
    "Authentik is the identity provider: it serves the login and the forward-auth endpoint itself",
  "platform_observability_uptime-kuma":
    "Uptime Kuma has its own login; the lab serves the full dashboard without forward auth; public status badges: only /api/badge/* reaches Uptime Kuma, everything else answers 403",
  application_media_core_plex: "Plex signs users in with their plex.tv accounts; clients cannot do SSO",
  application_media_core_jellyfin: "Jellyfin has its own user accounts; its apps cannot do SSO",
  application_media_support_seerr: "Seerr signs users in with their Plex or Jellyfin accounts",
  application_media_support_wizarr: "invite links must open for people who have no account yet",
  application_media_support_tracearr: "Tracearr signs users in through their Plex accounts",
};
