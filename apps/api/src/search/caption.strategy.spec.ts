import { describe, expect, it } from "vitest";
import {
  BUILTIN_CAPTIONING,
  captioningDefaults,
  captioningFromJson,
  captioningToJson,
  type ImageNeighbour,
  mergeCaptioning,
  neighbourVotes,
  parseCaptionStrategy,
  rankCaptions,
  type TextCandidate,
  textShortlist,
} from "./caption.strategy.js";

// Hand-made unit vectors in 3-d: the query q, three caption texts and four library images.
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const q = unit([1, 0, 0]);
const texts = {
  liver: unit([0.9, 0.3, 0.1]), // cos 0.943
  brain: unit([0.7, 0.7, 0.1]), // cos 0.704
  knee: unit([0.2, 0.1, 0.97]), // cos 0.201
};
const candidate = (text: keyof typeof texts): TextCandidate => ({
  text,
  cosine: dot(q, texts[text]),
  captionIds: [`cap-${text}`],
  imageIds: [`img-${text}`],
  caseIds: [`case-${text}`],
});
const neighbour = (imageId: string, v: number[], text: string | null): ImageNeighbour => ({
  imageId,
  caseId: `case-of-${imageId}`,
  similarity: dot(q, unit(v)),
  text,
});
// Image similarities: a 0.9, b 0.8, c 0.5, d 0.8 (a and b carry "brain", c "knee", d has no caption).
const a = neighbour("a", [0.9, Math.sqrt(1 - 0.81), 0], "brain");
const b = neighbour("b", [0.8, 0.6, 0], "brain");
const c = neighbour("c", [0.5, 0, Math.sqrt(0.75)], "knee");
const shortlist = [candidate("liver"), candidate("brain"), candidate("knee")];

describe("caption strategies (issue #11 shared spec)", () => {
  it("text: ranks by cos(q, t_c) alone and never looks at the neighbours", () => {
    const ranked = rankCaptions({ strategy: "text", temperature: 0.1, weight: 0.5 }, shortlist, [a, b, c]);
    expect(ranked.map((r) => r.text)).toEqual(["liver", "brain", "knee"]);
    expect(ranked[0]?.score).toBeCloseTo(0.9435, 4);
    expect(ranked.every((r) => r.vote === 0 && r.supportingImages.length === 0)).toBe(true);
  });

  it("votes: w_j = exp((s_j - s_max)/tau), normalised over all K neighbours", () => {
    // tau 0.1: w = 1, e^-1, e^-4 → Σ = 1.386195; brain = (1 + e^-1)/Σ, knee = e^-4/Σ.
    const votes = neighbourVotes([a, b, c], 0.1);
    expect(votes.get("brain")?.vote).toBeCloseTo(0.986787, 6);
    expect(votes.get("knee")?.vote).toBeCloseTo(0.013213, 6);
    expect(votes.get("brain")?.supporters.map((s) => s.imageId)).toEqual(["a", "b"]);
    expect(votes.get("brain")?.supporters[0]?.weight).toBeCloseTo(0.721399, 6);
  });

  it("a neighbour without a caption still counts in the denominator", () => {
    const d = neighbour("d", [0.8, 0.6, 0], null);
    const votes = neighbourVotes([a, d], 1);
    // w = 1 and e^-0.1 = 0.904837: "brain" gets 1 / 1.904837.
    expect(votes.get("brain")?.vote).toBeCloseTo(0.524979, 6);
    expect(votes.size).toBe(1);
  });

  it("images: the vote decides, captions nobody votes for follow by cosine", () => {
    const ranked = rankCaptions({ strategy: "images", temperature: 0.1, weight: 0.5 }, shortlist, [a, b, c]);
    expect(ranked.map((r) => r.text)).toEqual(["brain", "knee", "liver"]);
    expect(ranked[0]?.score).toBeCloseTo(0.986787, 6);
    expect(ranked[0]?.cosine).toBeCloseTo(0.703526, 6);
    expect(ranked[2]?.score).toBe(0);
  });

  it("images: equal votes are broken by cos(q, t_c)", () => {
    // Two neighbours at the same similarity carry different captions: votes 0.5 / 0.5.
    const x = neighbour("x", [0.8, 0.6, 0], "knee");
    const y = neighbour("y", [0.8, 0, 0.6], "brain");
    const ranked = rankCaptions({ strategy: "images", temperature: 0.05, weight: 0.5 }, shortlist, [x, y]);
    expect(ranked[0]?.vote).toBeCloseTo(0.5, 12);
    expect(ranked[1]?.vote).toBeCloseTo(0.5, 12);
    expect(ranked.slice(0, 2).map((r) => r.text)).toEqual(["brain", "knee"]);
  });

  it("fused: (1 - beta) cos + beta vote, with vote 0 for captions no neighbour carries", () => {
    const ranked = rankCaptions({ strategy: "fused", temperature: 0.1, weight: 0.3 }, shortlist, [a, b, c]);
    const byText = Object.fromEntries(ranked.map((r) => [r.text, r.score]));
    expect(byText.liver).toBeCloseTo(0.7 * 0.943456, 5);
    expect(byText.brain).toBeCloseTo(0.7 * 0.703526 + 0.3 * 0.986787, 5);
    expect(byText.knee).toBeCloseTo(0.7 * 0.200916 + 0.3 * 0.013213, 5);
    expect(ranked.map((r) => r.text)).toEqual(["brain", "liver", "knee"]);
    // beta = 0 is exactly the text strategy's order.
    const plain = rankCaptions({ strategy: "fused", temperature: 0.1, weight: 0 }, shortlist, [a, b, c]);
    expect(plain.map((r) => r.text)).toEqual(["liver", "brain", "knee"]);
  });

  it("a neighbour caption outside the text shortlist joins the candidates with its own cosine", () => {
    const far = neighbour("far", [0.95, 0.31, 0], "rare caption");
    const rare: TextCandidate = {
      text: "rare caption",
      cosine: 0.1,
      captionIds: ["cap-rare"],
      imageIds: ["far"],
      caseIds: ["case-of-far"],
    };
    const ranked = rankCaptions({ strategy: "fused", temperature: 0.1, weight: 0.5 }, [candidate("liver")], [far], (t) =>
      t === "rare caption" ? rare : undefined,
    );
    expect(ranked.map((r) => r.text)).toEqual(["rare caption", "liver"]);
    expect(ranked[0]?.score).toBeCloseTo(0.5 * 0.1 + 0.5 * 1, 12);
    expect(ranked[0]?.supportingImages).toEqual([expect.objectContaining({ imageId: "far", caseId: "case-of-far", weight: 1 })]);
    // Without a vector for it (edited away since indexing) it is left out rather than scored blind.
    const blind = rankCaptions({ strategy: "fused", temperature: 0.1, weight: 0.5 }, [candidate("liver")], [far]);
    expect(blind.map((r) => r.text)).toEqual(["liver"]);
  });

  it("the query image never votes for itself", () => {
    const self = neighbour("query", [1, 0, 0], "knee");
    const ranked = rankCaptions({ strategy: "images", temperature: 0.1, weight: 0.5 }, shortlist, [self, a, b, c], undefined, "query");
    expect(ranked[0]?.text).toBe("brain");
    expect(ranked.find((r) => r.text === "knee")?.supportingImages.map((s) => s.imageId)).toEqual(["c"]);
    // s_max is taken over the remaining neighbours, so the votes equal those without the query.
    expect(ranked[0]?.vote).toBeCloseTo(0.986787, 6);
  });

  it("full ties fall back to the text, so the order never depends on the store's", () => {
    const same = (text: string): TextCandidate => ({ text, cosine: 0.5, captionIds: [], imageIds: [], caseIds: [] });
    const one = rankCaptions({ strategy: "text", temperature: 1, weight: 0 }, [same("b"), same("a")], []);
    const two = rankCaptions({ strategy: "text", temperature: 1, weight: 0 }, [same("a"), same("b")], []);
    expect(one.map((r) => r.text)).toEqual(["a", "b"]);
    expect(two.map((r) => r.text)).toEqual(["a", "b"]);
  });

  it("settings layer (built-in < manifest < env < call) and refuse nonsense", () => {
    const base = { ...BUILTIN_CAPTIONING, consensus: { candidates: 10, weight: 0.3 } };
    const merged = mergeCaptioning(base, { strategy: "fused", neighbours: 20, consensus: null }, { weight: 0.7 }, { strategy: undefined });
    expect(merged).toEqual({ strategy: "fused", neighbours: 20, temperature: 0.05, weight: 0.7, consensus: null });
    expect(() => mergeCaptioning(base, { neighbours: 0 })).toThrow(/neighbours/);
    expect(() => mergeCaptioning(base, { temperature: 0 })).toThrow(/temperature/);
    expect(() => mergeCaptioning(base, { weight: 1.5 })).toThrow(/weight/);
    expect(parseCaptionStrategy("FUSED")).toBe("fused");
    expect(() => parseCaptionStrategy("nearest")).toThrow(/text, images, fused/);
    expect(textShortlist(5)).toBe(32);
    expect(textShortlist(50)).toBe(50);
  });

  it("defaults: a manifest without a captioning block keeps v1's text ranking with consensus 10:0.3", () => {
    expect(captioningDefaults(undefined)).toMatchObject({ strategy: "text", consensus: { candidates: 10, weight: 0.3 } });
    const v2 = { strategy: "fused" as const, neighbours: 25, temperature: 0.02, weight: 0.6, consensus: "off" };
    expect(captioningDefaults(v2)).toEqual({ strategy: "fused", neighbours: 25, temperature: 0.02, weight: 0.6, consensus: null });
    // Deployment config wins over the manifest, knob by knob.
    expect(captioningDefaults(v2, { strategy: "images", consensus: { candidates: 5, weight: 0.2 } })).toEqual({
      strategy: "images",
      neighbours: 25,
      temperature: 0.02,
      weight: 0.6,
      consensus: { candidates: 5, weight: 0.2 },
    });
  });

  it("job parameters round-trip through JSON, and malformed ones are refused", () => {
    const o = { strategy: "fused" as const, neighbours: 9, consensus: null };
    expect(captioningToJson(o)).toEqual({ strategy: "fused", neighbours: 9, consensus: "off" });
    expect(captioningFromJson(captioningToJson(o))).toMatchObject(o);
    expect(captioningFromJson(undefined)).toEqual({});
    expect(() => captioningFromJson({ neighbours: "9" })).toThrow(/number/);
    expect(() => captioningFromJson({ strategy: "nearest" })).toThrow(/strategy/);
  });
});
