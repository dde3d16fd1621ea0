import { type Healthcheck, httpMonitor, type HttpMonitorOptions, type ServiceSpec, type Site } from "../model";

/**
 * An app that serves HTTP on one port, declared once. Its name and port feed its Caddy site, its
 * Homepage entry and widget, its Uptime Kuma monitor and its own health check: the site forwards
 * to the port, and the widget and the monitor ask the app itself at `http://<name>:<port>` (its
 * alias on the overlay network), never through Caddy and Authentik. Spread the result into the
 * service; whatever the app does differently is said here, or written after the spread.
 */
export interface WebApp {
  /** The service's short name: its alias, the site's host, the widget's type, the icon and the monitor's id. */
  readonly name: string;
  /** The port the app listens on in its own tasks. */
  readonly port: number;
  /** What people call it: the Homepage entry's name and the monitor's. */
  readonly title: string;
  /** The Homepage group. */
  readonly group: string;
  /** The Homepage description. */
  readonly description: string;
  /** @default `<name>.png` */
  readonly icon?: string;
  /** The Homepage widget, or `false` for none. @default `{ type: <name>, url: http://<name>:<port> }` */
  readonly widget?: Readonly<Record<string, string>> | false;
  /** The path the Uptime Kuma monitor asks of the app, e.g. `/ping`. @default no monitor */
  readonly monitorPath?: string;
  /** The monitor's options (redirects, accepted codes). @default httpMonitor's */
  readonly monitorOptions?: HttpMonitorOptions;
  /** The path the task's own health check asks on localhost with curl. @default the image's health check */
  readonly healthPath?: string;
  /** The site's other settings, over `{ host: <name>, port }`. @default Authentik forward auth, no directives */
  readonly site?: Partial<Site>;
}

/** The site, the Homepage entry, the monitor and the health check of one web app, derived from its name and port. */
export function webApp(app: WebApp): Pick<ServiceSpec, "name" | "sites" | "homepage" | "monitors" | "healthcheck"> {
  const address = `http://${app.name}:${app.port}`;
  const widget = app.widget === false ? undefined : (app.widget ?? { type: app.name, url: address });
  return {
    name: app.name,
    sites: [{ host: app.name, port: app.port, ...app.site }],
    homepage: { group: app.group, name: app.title, icon: app.icon ?? `${app.name}.png`, description: app.description, ...(widget ? { widget } : {}) },
    ...(app.monitorPath !== undefined ? { monitors: [httpMonitor(app.name, app.title, `${address}${app.monitorPath}`, app.monitorOptions)] } : {}),
    ...(app.healthPath !== undefined ? { healthcheck: curlCheck(app.port, app.healthPath) } : {}),
  };
}

/** The task asks itself on localhost; the lab's *arr apps answer `/ping` so. */
function curlCheck(port: number, path: string): Healthcheck {
  return {
    test: ["CMD-SHELL", `curl -sf http://localhost:${port}${path} || exit 1`],
    interval: "30s",
    timeout: "5s",
    retries: 3,
    startPeriod: "30s",
  };
}
