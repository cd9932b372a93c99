import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { decodeCursor, encodeCursor } from "./pagination.js";

describe("cursors", () => {
  it("round-trips the ids the server hands out", () => {
    for (const id of ["cmabc123xyz0000abcdefgh", "a", "A_b-9"]) expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it("refuses a NUL or other bytes a cursor never holds as BAD_USER_INPUT 'invalid cursor' (#26 Medium 5)", () => {
    const nul = Buffer.from("c:\u0000", "utf8").toString("base64url");
    expect(nul).toBe("YzoA");
    for (const bad of [nul, "YzoA", encodeCursor("a\u0000b"), encodeCursor("x y"), encodeCursor("é"), "Yzr_", "!!!", "", "Yzo"]) {
      let err: unknown;
      try {
        decodeCursor(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(MedcapError);
      expect((err as MedcapError).code).toBe("BAD_USER_INPUT");
      expect((err as MedcapError).message).toBe("invalid cursor");
    }
  });
});
