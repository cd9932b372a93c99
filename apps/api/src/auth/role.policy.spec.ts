import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { hasRole, parseRole, requireRole, roleBelow } from "./role.policy.js";

describe("roles", () => {
  it("are ordered VIEWER < ANNOTATOR < CURATOR < ADMIN", () => {
    expect(hasRole("ADMIN", "VIEWER")).toBe(true);
    expect(hasRole("CURATOR", "CURATOR")).toBe(true);
    expect(hasRole("ANNOTATOR", "CURATOR")).toBe(false);
    expect(roleBelow("CURATOR")).toBe("ANNOTATOR");
    expect(roleBelow("VIEWER")).toBeUndefined();
    expect(parseRole("admin")).toBe("ADMIN");
    expect(() => parseRole("root")).toThrow(/unknown role/);
  });

  it("refuse a missing principal as UNAUTHENTICATED and a weaker role as FORBIDDEN", () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as MedcapError).code;
      }
      return "OK";
    };
    const viewer = { keyId: "k", label: "l", role: "VIEWER" as const };
    expect(code(() => requireRole(undefined, "VIEWER"))).toBe("UNAUTHENTICATED");
    expect(code(() => requireRole(viewer, "ANNOTATOR"))).toBe("FORBIDDEN");
    expect(code(() => requireRole(viewer, "VIEWER"))).toBe("OK");
    expect(code(() => requireRole(viewer, "VIEWER", new MedcapError("UNAUTHENTICATED", "revoked")))).toBe("UNAUTHENTICATED");
  });
});
