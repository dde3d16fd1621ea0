/**
 * The shared overlay networks: created once, before any stack, and joined by services of several
 * stacks. Names are the ones the running lab uses, so the live networks can be adopted in place;
 * `namespace` is the stack `docker stack deploy` attributed each one to (its
 * `com.docker.stack.namespace` label), or none for networks a bootstrap script created by hand.
 */
export interface SharedNetworkSpec {
  /** The key services list in `networks`. */
  readonly key: string;
  /** The swarm network name. */
  readonly name: string;
  readonly namespace?: string;
  readonly purpose: string;
}

export const SHARED_NETWORKS: readonly SharedNetworkSpec[] = [
  {
    key: "proxy_network",
    name: "proxy_network",
    purpose: "Caddy reverse proxy routing (CADDY_INGRESS_NETWORKS)",
  },
  {
    key: "op-connect",
    name: "op-connect_op-connect",
    namespace: "op-connect",
    purpose: "1Password Connect secret access",
  },
  {
    key: "postgres",
    name: "platform_postgres_postgres",
    namespace: "platform_postgres",
    purpose: "Shared PostgreSQL connections",
  },
  {
    key: "smtp_relay",
    name: "platform_smtp_relay",
    namespace: "platform_smtp_relay",
    purpose: "Outgoing mail through the smtp-relay stack (deployed outside this program)",
  },
  {
    key: "notifications",
    name: "platform_observability_notifications",
    namespace: "platform_observability",
    purpose: "Apprise notification fan-out",
  },
];
