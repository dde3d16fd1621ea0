import { Auth, defineStack, op, type StackSpec, volume } from "../../../model";

/** The in-cluster 1Password Connect server, for the lab's services (not for this program). */
export default defineStack((): StackSpec => {
  const opUser = { uid: 999, gid: 999 };
  const credentials = {
    // The Connect server's own credentials file; it used to be bind-mounted from the host.
    target: "/home/opuser/.op/1password-credentials.json",
    value: op("op-connect", "credentials_json"),
    ...opUser,
    mode: 0o400,
  };
  const common = {
    stateful: true, // both share the op-connect-data volume, a node-local volume
    env: { OP_SESSION: credentials.target, OP_LOG_LEVEL: "info" },
    secretFiles: [credentials],
    mounts: [volume("op-connect-data", "/home/opuser/.op/data")],
    healthcheck: { test: ["NONE"] },
  } as const;

  return {
    name: "op-connect",
    tier: "infrastructure",
    description: "1Password Connect API and sync, serving secrets to in-cluster clients",
    services: [
      {
        ...common,
        name: "op-connect-api",
        image: "1password/connect-api:1.8.0",
        hostname: "op-connect-api", // as the running lab sets it
        networks: ["op-connect", "proxy_network"],
        sites: [
          {
            host: "op-connect",
            upstream: "op-connect-api:8080",
            auth: Auth.own("Connect checks a bearer token on every request; API clients cannot do SSO"),
            directives: { "reverse_proxy.header_up": "Host op-connect-api:8080" },
          },
        ],
        homepage: {
          group: "Infrastructure",
          name: "1Password Connect",
          icon: "1password.png",
          href: "http://op-connect-api:8080",
          description: "Secrets management",
          widget: { type: "customapi", url: "http://op-connect-api:8080/health" },
          mappings: [
            { field: "name", label: "Service" },
            { field: "version", label: "Version" },
          ],
        },
        monitors: [
          {
            id: "op-connect",
            type: "http",
            settings: { name: "1Password Connect API", url: "http://op-connect-api:8080/health", interval: "60", maxretries: "5" },
          },
          {
            id: "op-connect-readiness",
            type: "keyword",
            settings: { name: "1Password Connect Readiness", url: "http://op-connect-api:8080/health", keyword: "ACTIVE", interval: "60" },
          },
          {
            id: "op-connect-sync",
            type: "keyword",
            settings: { name: "1Password Connect Sync", url: "http://op-connect-api:8080/health", keyword: "ACTIVE", interval: "60" },
          },
        ],
      },
      {
        ...common,
        name: "op-connect-sync",
        image: "1password/connect-sync:1.8.0",
        hostname: "op-connect-sync",
        networks: ["op-connect"],
      },
    ],
    publishedSecrets: [
      {
        name: "op_connect_token",
        value: op("op-connect", "connect_token"),
        reason: "access token for in-cluster Connect clients (the old op-inject jobs used it); kept so such clients can be added without a manual docker secret create",
      },
    ],
  };
});
