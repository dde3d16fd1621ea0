import { bind, bindRO, defineStack, hostBind, httpMonitor, op, restartUpTo, SecretEnv, type StackSpec } from "../../../model";
import { socketProxy } from "../../../shared/socket-proxy";

/**
 * Metrics and logs: Prometheus, Loki and Grafana, with node-exporter, cAdvisor and Alloy on every
 * node. smartctl-exporter is not declared here: it runs outside swarm (compose mode on the storage
 * node) and joins this stack's `monitoring` network by its swarm name.
 */
export default defineStack((lab): StackSpec => {
  /**
   * cAdvisor and Alloy must see their own node's engine, which the overlay cannot route to: they
   * reach the node-local socket proxy through its host-mode port on the host gateway.
   */
  const nodeEngine = "tcp://host.docker.internal:2375";
  const hostGateway = { "host.docker.internal": "host-gateway" };

  return {
    name: "platform_monitoring",
    tier: "platform",
    description: "Prometheus, Loki and Grafana with per-node exporters and the Alloy log collector",
    dependsOn: ["platform_postgres"],
    networks: [
      {
        key: "monitoring",
        purpose:
          "Prometheus, Loki, Grafana and the exporters; smartctl-exporter (compose mode) joins it as platform_monitoring_monitoring",
      },
    ],
    services: [
      {
        name: "prometheus",
        image: "prom/prometheus:v3.5.1",
        networks: ["monitoring", "proxy_network"],
        stateful: true,
        restart: restartUpTo(3),
        configs: [{ file: "prometheus.yml", target: "/etc/prometheus/prometheus.yml" }],
        mounts: [bind(lab.appdata("monitoring/prometheus"), "/prometheus")],
        command: [
          "--config.file=/etc/prometheus/prometheus.yml",
          "--storage.tsdb.path=/prometheus",
          "--storage.tsdb.retention.time=15d",
          "--web.enable-lifecycle",
        ],
        sites: [{ host: "prometheus", port: 9090 }],
        homepage: {
          group: "Monitoring",
          name: "Prometheus",
          icon: "prometheus.png",
          description: "Metrics collection",
          widget: { type: "prometheus", url: "http://prometheus:9090" },
        },
        monitors: [
          httpMonitor("prometheus", "Prometheus", "http://prometheus:9090/-/healthy"),
        ],
        limits: { cpus: "1", memory: "1024M" },
        reservations: { cpus: "0.5", memory: "256M" },
      },
      {
        name: "loki",
        image: "grafana/loki:3.6.5",
        networks: ["monitoring", "proxy_network"],
        stateful: true,
        restart: restartUpTo(3),
        configs: [{ file: "loki-config.yaml", target: "/etc/loki/loki-config.yaml" }],
        mounts: [bind(lab.appdata("monitoring/loki"), "/loki")],
        command: ["-config.file=/etc/loki/loki-config.yaml"],
        sites: [{ host: "loki", port: 3100 }],
        monitors: [
          httpMonitor("loki", "Loki", "http://loki:3100/ready"),
        ],
        limits: { cpus: "1", memory: "1024M" },
        reservations: { cpus: "0.25", memory: "256M" },
      },
      {
        name: "grafana",
        image: "grafana/grafana:12.3.3",
        networks: ["monitoring", "proxy_network", "postgres", "smtp_relay"],
        user: "472:999",
        env: {
          GF_PATHS_PROVISIONING: "/etc/grafana/provisioning",
          GF_SERVER_ROOT_URL: `https://${lab.internalHost("grafana")}`,
          GF_SECURITY_DISABLE_GRAVATAR: "true",
          GF_USERS_ALLOW_SIGN_UP: "false",
          GF_DATABASE_TYPE: "postgres",
          GF_DATABASE_HOST: "postgresql:5432",
          GF_DATABASE_NAME: "grafana",
          GF_DATABASE_USER: "homelab",
          GF_DATABASE_SSL_MODE: "disable",
          GF_SMTP_ENABLED: "true",
          GF_SMTP_HOST: "smtp-relay:2500",
          GF_SMTP_FROM_NAME: "Grafana",
        },
        secretEnv: {
          GF_SECURITY_ADMIN_USER: op("monitoring-stack", "grafana_admin_user"),
          GF_SECURITY_ADMIN_PASSWORD: op("monitoring-stack", "grafana_admin_password"),
          GF_DATABASE_PASSWORD: op("postgres-shared", "password"),
          GF_SMTP_FROM_ADDRESS: op("smtp-relay", "from_address"),
        },
        secretEnvDelivery: SecretEnv.grafana,
        configs: [
          { file: "grafana-datasources.yaml", target: "/etc/grafana/provisioning/datasources/datasources.yaml" },
          { file: "grafana-dashboards.yaml", target: "/etc/grafana/provisioning/dashboards/dashboards.yaml" },
        ],
        mounts: [
          bind(lab.appdata("monitoring/grafana"), "/var/lib/grafana"),
          // The dashboards' JSON (eight files in the lab's repo) is copied here by hand.
          bindRO(lab.appdata("monitoring/grafana/dashboards"), "/etc/grafana/provisioning/dashboards/json"),
        ],
        healthcheck: {
          test: ["CMD-SHELL", "wget -qO- http://localhost:3000/api/health | grep -q '\"database\"' || exit 1"],
          interval: "30s",
          timeout: "5s",
          retries: 3,
          startPeriod: "30s",
        },
        sites: [{ host: "grafana", port: 3000 }],
        homepage: {
          group: "Monitoring",
          name: "Grafana",
          icon: "grafana.png",
          description: "Metrics and logs dashboards",
          widget: {
            type: "grafana",
            url: `https://${lab.internalHost("grafana")}`,
            username: "{{HOMEPAGE_VAR_GRAFANA_USER}}",
            password: "{{HOMEPAGE_VAR_GRAFANA_PASSWORD}}",
          },
        },
        monitors: [
          httpMonitor("grafana", "Grafana", "http://grafana:3000/api/health"),
        ],
        limits: { cpus: "1", memory: "1024M" },
        reservations: { cpus: "0.5", memory: "512M" },
      },
      {
        name: "node-exporter",
        image: "prom/node-exporter:v1.10.2",
        networks: ["monitoring"],
        replicas: "global",
        mounts: [
          hostBind("/proc", "/host/proc", "node-exporter reports the node's processes, memory and network from its /proc"),
          hostBind("/sys", "/host/sys", "node-exporter reports the node's hardware and kernel state from its /sys"),
          hostBind("/", "/host/rootfs", "node-exporter reports the node's file system usage; this view includes the Docker socket"),
        ],
        command: [
          "--path.procfs=/host/proc",
          "--path.sysfs=/host/sys",
          "--path.rootfs=/host/rootfs",
          "--collector.filesystem.mount-points-exclude=^/(sys|proc|dev|host|etc)($|/)",
        ],
        limits: { cpus: "0.5", memory: "256M" },
      },
      {
        name: "cadvisor",
        image: "ghcr.io/google/cadvisor:0.56.2",
        networks: ["monitoring"],
        replicas: "global",
        extraHosts: hostGateway,
        mounts: [
          hostBind("/sys", "/sys", "cAdvisor reads each container's cgroup statistics from the node's /sys"),
          hostBind(lab.dockerRoot(""), "/var/lib/docker", "cAdvisor reads the node engine's container metadata"),
        ],
        command: [
          "--docker_only",
          "--housekeeping_interval=30s",
          "--disable_metrics=cpu_topology,hugetlb,memory_numa,percpu,process,referenced_memory,resctrl,sched,tcp,udp",
          `--docker=${nodeEngine}`,
        ],
        limits: { cpus: "0.5", memory: "512M" },
      },
      {
        name: "alloy",
        image: "grafana/alloy:v1.13.1",
        networks: ["monitoring"],
        replicas: "global",
        extraHosts: hostGateway,
        configs: [{ file: "config.alloy", target: "/etc/alloy/config.alloy" }],
        mounts: [
          hostBind(lab.dockerRoot("containers"), "/var/lib/docker/containers", "Alloy tails every container's log files on its node"),
          bind(lab.appdata("monitoring/alloy-data"), "/var/lib/alloy/data"),
        ],
        command: ["run", "/etc/alloy/config.alloy", "--storage.path=/var/lib/alloy/data"],
        limits: { cpus: "0.5", memory: "256M" },
      },
      socketProxy({
        global: true,
        networks: ["monitoring"],
        endpoints: ["CONTAINERS", "EVENTS", "INFO", "PING", "VERSION"],
        ports: [{ target: 2375, published: 2375, mode: "host", reason: "cAdvisor and Alloy must reach their own node's engine, which the overlay cannot route to: host.docker.internal:2375" }],
      }),
    ],
  };
});
