import { parse } from "yaml";
import { unmodelledSettings } from "../live/scan";
import { planUnifiAdoption, unifiConfigBlock } from "../live/unifi-adoption";

/** adopt's pure parts: the UniFi adoption plan, and which live settings the model cannot declare. */

const ID = (n: number) => `6f1c1c4e-2b7a-4c1e-9d3f-00000000000${n}`;
const cname = (n: number, domain: string, value = "barbary.in.example.com") => ({ id: ID(n), type: "CNAME_RECORD", domain, value, enabled: true });

describe("planUnifiAdoption", () => {
  const declared = [
    { name: "sonarr.in.example.com", target: "barbary.in.example.com" },
    { name: "radarr.in.example.com", target: "barbary.in.example.com" },
    { name: "plex.in.example.com", target: "barbary.in.example.com" },
    { name: "grafana.in.example.com", target: "barbary.in.example.com" },
  ];

  test("matched by domain as DNS compares names; blocked, created and undeclared each listed", () => {
    const plan = planUnifiAdoption(declared, [
      cname(1, "Sonarr.In.Example.Com."),
      cname(2, "radarr.in.example.com", "old.in.example.com"),
      { id: ID(3), type: "A_RECORD", domain: "plex.in.example.com", value: "127.0.0.5", enabled: true },
      cname(4, "printer.in.example.com"),
    ]);
    expect(plan.adopt).toEqual([
      { name: "sonarr.in.example.com", id: ID(1), liveTarget: "barbary.in.example.com", retargeted: false },
      { name: "radarr.in.example.com", id: ID(2), liveTarget: "old.in.example.com", retargeted: true },
    ]);
    expect(plan.blocked).toEqual([{ name: "plex.in.example.com", records: [expect.objectContaining({ id: ID(3) })], reason: "the console has it as A_RECORD, which a CNAME cannot take over; delete it in the console first" }]);
    expect(plan.created).toEqual(["grafana.in.example.com"]);
    expect(plan.undeclared.map((record) => record.id)).toEqual([ID(4)]);
  });

  test("a name held twice blocks; entries already configured are kept, and the block keeps the other settings", () => {
    const plan = planUnifiAdoption(declared.slice(0, 1), [cname(1, "sonarr.in.example.com"), cname(2, "sonarr.in.example.com")], { "old.in.example.com": ID(9) });
    expect(plan.blocked[0]?.reason).toMatch(/^2 records hold this name/);
    expect(plan.adoptEntries).toEqual({ "old.in.example.com": ID(9) });
    const block = parse(unifiConfigBlock({ apiUrl: "https://unifi.example.com", site: "Default" }, planUnifiAdoption(declared.slice(0, 1), [cname(1, "sonarr.in.example.com")]), "prod"));
    expect(block).toEqual({ "homelab:unifi": { apiUrl: "https://unifi.example.com", site: "Default", adopt: { "sonarr.in.example.com": ID(1) } } });
  });
});

describe("unmodelledSettings: a live service's settings the lab model has no field for", () => {
  test.each([
    ["what stack deploy sets by default", { Name: "a_b", Labels: { x: "y" }, Mode: { Replicated: { Replicas: 1 } }, EndpointSpec: { Mode: "vip" }, TaskTemplate: { ContainerSpec: { Image: "i", Isolation: "default", Env: ["A=1"] }, ForceUpdate: 0, Runtime: "container", Placement: {} } }, []],
    ["a working directory and a log driver", { TaskTemplate: { ContainerSpec: { Image: "i", Dir: "/srv" }, LogDriver: { Name: "json-file" } } }, ["TaskTemplate.ContainerSpec.Dir", "TaskTemplate.LogDriver"]],
    ["DNS round robin, placement preferences, capabilities", { EndpointSpec: { Mode: "dnsrr" }, TaskTemplate: { ContainerSpec: { CapabilityAdd: ["NET_ADMIN"] }, Placement: { Preferences: [{ Spread: {} }] } } }, ["EndpointSpec.Mode", "TaskTemplate.ContainerSpec.CapabilityAdd", "TaskTemplate.Placement.Preferences"]],
  ])("%s", (_case, spec, expected) => {
    expect(unmodelledSettings(spec)).toEqual(expected);
  });
});
