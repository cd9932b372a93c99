import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addCaptioningOptions, captioningOverrides } from "./captioning.options.js";

const parse = (args: string[]) => {
  const cmd = addCaptioningOptions(new Command("caption").exitOverride());
  cmd.parse(args, { from: "user" });
  return captioningOverrides(cmd.opts());
};

describe("captioning flags of medcap caption / eval", () => {
  it("passes only the flags given, typed, and leaves the rest to the model's defaults", () => {
    expect(parse([])).toEqual({
      strategy: undefined,
      neighbours: undefined,
      temperature: undefined,
      weight: undefined,
      consensus: undefined,
    });
    expect(parse(["--strategy", "IMAGES", "--neighbours", "20", "--temperature", "0.1", "--weight", "0.3", "--consensus", "off"])).toEqual({
      strategy: "images",
      neighbours: 20,
      temperature: 0.1,
      weight: 0.3,
      consensus: null,
    });
  });

  it("refuses malformed values with BAD_USER_INPUT", () => {
    for (const args of [
      ["--strategy", "nearest"],
      ["--neighbours", "ten"],
      ["--weight", ""],
      ["--consensus", "10"],
    ])
      expect(() => parse(args), args.join(" ")).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
});
