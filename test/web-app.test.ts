import { Auth, httpMonitor } from "../lab/model";
import { webApp } from "../lab/shared/web-app";

/** lab/shared/web-app.ts: one declaration of an app's name and port, and what it derives. */

const base = { name: "app", port: 8080, title: "App", group: "Tools", description: "does things" };

describe("webApp", () => {
  test.each<[string, Parameters<typeof webApp>[0], ReturnType<typeof webApp>]>([
    [
      "the least: a protected site, the entry with its default icon and widget, no monitor, the image's health check",
      base,
      { name: "app", sites: [{ host: "app", port: 8080 }], homepage: { group: "Tools", name: "App", icon: "app.png", description: "does things", widget: { type: "app", url: "http://app:8080" } } },
    ],
    [
      "a monitor and a health check: both ask the app itself, on its alias and on localhost",
      { ...base, monitorPath: "/ping", healthPath: "/ping" },
      {
        name: "app",
        sites: [{ host: "app", port: 8080 }],
        homepage: { group: "Tools", name: "App", icon: "app.png", description: "does things", widget: { type: "app", url: "http://app:8080" } },
        monitors: [{ id: "app", type: "http", settings: { name: "App", url: "http://app:8080/ping", interval: "60", maxretries: "3", max_redirects: "0" }, acceptedStatusCodes: ["200-299"] }],
        healthcheck: { test: ["CMD-SHELL", "curl -sf http://localhost:8080/ping || exit 1"], interval: "30s", timeout: "5s", retries: 3, startPeriod: "30s" },
      },
    ],
    [
      "what differs is said: the site's auth and host, another icon, no widget",
      { ...base, icon: "other.svg", widget: false, site: { host: "tools", auth: Auth.own("its own login") } },
      { name: "app", sites: [{ host: "tools", port: 8080, auth: Auth.own("its own login") }], homepage: { group: "Tools", name: "App", icon: "other.svg", description: "does things" } },
    ],
  ])("%s", (_, app, expected) => {
    expect(webApp(app)).toEqual(expected);
  });
});

test("the README's lidarr, stated once, is the explicit entry of \"Adding a service\"", () => {
  expect(webApp({ name: "lidarr", port: 8686, title: "Lidarr", group: "Media", description: "Music management", widget: false, monitorPath: "/ping" })).toEqual({
    name: "lidarr",
    sites: [{ host: "lidarr", port: 8686 }],
    homepage: { group: "Media", name: "Lidarr", icon: "lidarr.png", description: "Music management" },
    monitors: [httpMonitor("lidarr", "Lidarr", "http://lidarr:8686/ping")],
  });
});
