import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../core/seeded.random.js";
import { CAPTION_METRICS_FIXTURE, REPO_ROOT, SHARED_DIR } from "../eval/fixture.paths.js";
import { CAPTION_METRIC_NAMES, type CaptionItem, scoreCaptions } from "./caption.scorer.js";
import { meteorNormalize } from "./meteor.metric.js";
import { splitTokens } from "./ngram.counts.js";
import { ParaphraseTable } from "./paraphrase.table.js";
import { ptbTokenize } from "./ptb.tokenizer.js";

/**
 * Cross-check against pycocoevalcap itself on real MedPix text, with no model involved. For every
 * dev image, two candidates are scored against the image's own caption:
 * - `random:` a seeded random train caption (the caption-library protocol's random baseline);
 * - `sibling:` the caption of another image of the same case, which shares far more n-grams
 *   and so exercises BLEU-3/4, CIDEr-D and METEOR's stem/synonym matching properly.
 */

const REFERENCE_DIR = join(REPO_ROOT, "models", "toolkit", "reference");
const PYTHON = join(REFERENCE_DIR, ".venv", "bin", "python");
// The spec is the one place that reads the env var: it is a test input, not app config.
const MEDPIX_DIR = process.env.MEDPIX_DIR ?? join(SHARED_DIR, "data", "medpix-2.0");
const SEED = 20240601;

interface Description {
  U_id: string;
  image: string;
  Description?: { Caption?: string | null };
}

interface FixtureCase {
  name: string;
  items: CaptionItem[];
  expected: Partial<Record<(typeof CAPTION_METRIC_NAMES)[number], number>>;
}

interface ReferenceOutput {
  metrics: Record<(typeof CAPTION_METRIC_NAMES)[number], number>;
  meteor_without_paraphrase: number;
  meteor_paraphrase_table: string;
  tokenized: CaptionItem[];
}

function buildMedPixItems(): CaptionItem[] {
  const root = join(MEDPIX_DIR, "MedPix-2-0");
  const descriptions = JSON.parse(readFileSync(join(root, "Descriptions.json"), "utf8")) as Description[];
  const splits = JSON.parse(readFileSync(join(root, "splitted_dataset", "uid_list.json"), "utf8")) as Record<string, string[]>;
  const dev = new Set(splits.dev ?? []);
  const train = new Set(splits.train ?? []);
  const caption = (d: Description) => d.Description?.Caption?.trim() ?? "";
  const withCaption = descriptions.filter((d) => caption(d).length > 0);
  const pool = withCaption.filter((d) => train.has(d.U_id)).map(caption);
  const devImages = withCaption.filter((d) => dev.has(d.U_id));
  const random = seededRandom(SEED);
  const items: CaptionItem[] = devImages.map((d) => ({
    id: `random:${d.image}`,
    candidate: pool[Math.floor(random() * pool.length)] ?? "",
    references: [caption(d)],
  }));
  for (const d of devImages) {
    const siblings = devImages.filter((o) => o.U_id === d.U_id && caption(o) !== caption(d));
    const pick = siblings[Math.floor(random() * siblings.length)];
    if (pick) items.push({ id: `sibling:${d.image}`, candidate: caption(pick), references: [caption(d)] });
  }
  return items;
}

function runReference(items: CaptionItem[]): ReferenceOutput {
  if (!existsSync(PYTHON)) {
    throw new Error(`pycocoevalcap reference venv missing (${PYTHON}): run models/toolkit/reference/install.sh first`);
  }
  const result = spawnSync(PYTHON, [join(REFERENCE_DIR, "coco_score.py")], {
    input: JSON.stringify(items),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 240_000,
  });
  if (result.status !== 0) {
    throw new Error(`coco_score.py failed (status ${result.status}): ${result.stderr || result.error?.message}`);
  }
  return JSON.parse(result.stdout) as ReferenceOutput;
}

function vocabularyOf(items: readonly CaptionItem[]): Set<string> {
  const vocabulary = new Set<string>();
  for (const item of items) {
    for (const text of [item.candidate, ...item.references]) {
      for (const word of meteorNormalize(splitTokens(text))) vocabulary.add(word);
    }
  }
  return vocabulary;
}

describe("TypeScript caption metrics against pycocoevalcap on MedPix dev", () => {
  it("agree on BLEU, ROUGE-L and CIDEr-D for the same tokens, and on METEOR given Meteor's paraphrase table", async () => {
    const items = buildMedPixItems();
    expect(items.length).toBeGreaterThan(300);
    const reference = runReference(items);

    // score exactly the tokens the reference scored, so only the metric code is compared
    const ours = scoreCaptions(reference.tokenized, { tokenize: false });
    const rows = CAPTION_METRIC_NAMES.map(
      (name) =>
        `${name.padEnd(8)} pycocoevalcap ${reference.metrics[name].toFixed(6)}  ours ${ours[name].toFixed(6)}  diff ${(ours[name] - reference.metrics[name]).toExponential(2)}`,
    );
    for (const name of ["BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "ROUGE_L", "CIDEr"] as const) {
      expect(Math.abs(ours[name] - reference.metrics[name]), name).toBeLessThan(1e-4);
    }

    // METEOR: without the paraphrase table (the default: it is not on npm) the result is bounded
    // and equals the jar run without its paraphrase module up to WordNet 3.0 vs 3.1 synonyms;
    // with the very table pycocoevalcap ships, it equals the jar up to the same synonyms.
    const fixtureCases = (JSON.parse(readFileSync(CAPTION_METRICS_FIXTURE, "utf8")) as { cases: FixtureCase[] }).cases;
    const fixtureItems = fixtureCases.flatMap((c) => c.items);
    const table = await ParaphraseTable.load(reference.meteor_paraphrase_table, vocabularyOf([...reference.tokenized, ...fixtureItems]));
    const withParaphrases = scoreCaptions(reference.tokenized, { tokenize: false, meteorParaphrases: table }).METEOR;
    const gap = ours.METEOR - reference.metrics.METEOR;
    const gapNoParaphrase = ours.METEOR - reference.meteor_without_paraphrase;
    const gapWithTable = withParaphrases - reference.metrics.METEOR;
    console.log(
      `${items.length} MedPix dev items (random train caption / same-case sibling caption vs own caption)\n${rows.join("\n")}\n` +
        `METEOR without paraphrase table: gap to pycocoevalcap ${gap.toExponential(2)}, to the jar run without its paraphrase module ` +
        `(${reference.meteor_without_paraphrase.toFixed(6)}) ${gapNoParaphrase.toExponential(2)}\n` +
        `METEOR with Meteor's paraphrase table (${table.size} pairs for this vocabulary): ${withParaphrases.toFixed(6)}, gap ${gapWithTable.toExponential(2)}`,
    );
    expect(Math.abs(gap)).toBeLessThan(0.02);
    expect(Math.abs(gapNoParaphrase)).toBeLessThan(5e-4);
    expect(Math.abs(gapWithTable)).toBeLessThan(5e-4);

    // with the table the fixture METEOR values (from nlg-eval) are reproduced too
    for (const testCase of fixtureCases) {
      const expected = testCase.expected.METEOR;
      if (expected === undefined) continue;
      const got = scoreCaptions(testCase.items, { tokenize: false, meteorParaphrases: table }).METEOR;
      console.log(`fixture ${testCase.name}: METEOR with paraphrase table ${got.toFixed(6)}, expected ${expected}`);
      expect(Math.abs(got - expected), testCase.name).toBeLessThan(1e-4);
    }

    // our regex PTB step against Stanford's: how often the token sequences differ
    const differing = items.filter((item, i) => {
      const theirs = reference.tokenized[i];
      return (
        ptbTokenize(item.candidate).join(" ") !== theirs?.candidate ||
        ptbTokenize(item.references[0] ?? "").join(" ") !== theirs?.references[0]
      );
    });
    const selfTokenized = scoreCaptions(items);
    console.log(
      `PTB step: ${differing.length}/${items.length} items tokenised differently; our full pipeline (own tokenisation, no paraphrase table) minus pycocoevalcap: ` +
        CAPTION_METRIC_NAMES.map((n) => `${n} ${(selfTokenized[n] - reference.metrics[n]).toExponential(2)}`).join(", "),
    );
  }, 300_000);
});
