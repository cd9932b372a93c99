import { readFile } from "node:fs/promises";
import { z } from "zod";
import { badInput } from "../core/errors.js";
import { CAPTION_METRIC_NAMES, type CaptionItem, type CaptionScores, scoreCaptions, tokenizeItems } from "../scoring/caption.scorer.js";
import { meteorNormalize } from "../scoring/meteor.metric.js";
import { ParaphraseTable } from "../scoring/paraphrase.table.js";

// coco-style ids are often numbers; they are only keys, so both forms are accepted as strings.
const itemSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  candidate: z.string(),
  references: z.array(z.string()).min(1, "needs at least one reference"),
});

export interface ScoreCommandOptions {
  json: boolean;
  /** Skip the PTB step for text that is already tokenised and lowercased (default: tokenise). */
  tokenize?: boolean;
  /**
   * Path of METEOR's paraphrase-en.gz (pycocoevalcap ships one); without it METEOR runs
   * exact/stem/synonym only and reads a little below coco-caption's.
   */
  meteorParaphraseTable?: string;
}

/** Parses and validates score input, naming the first bad entry by position and id. */
export function parseScoreInput(text: string, source: string): CaptionItem[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw badInput(`${source} is not valid JSON: ${(err as Error).message}`, {
      source,
    });
  }
  if (!Array.isArray(data)) {
    throw badInput(`${source} must hold a JSON array of {"id","candidate","references":[…]}`, {
      source,
    });
  }
  const items: CaptionItem[] = [];
  const seen = new Map<string, number>();
  data.forEach((entry: unknown, index) => {
    const parsed = itemSchema.safeParse(entry);
    if (!parsed.success) {
      const rawId =
        typeof entry === "object" && entry !== null && "id" in entry ? ` (id ${JSON.stringify((entry as { id: unknown }).id)})` : "";
      const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "entry"}: ${issue.message}`).join("; ");
      throw badInput(`${source}: entry ${index}${rawId} is invalid: ${problems}`, {
        source,
        index,
      });
    }
    const earlier = seen.get(parsed.data.id);
    if (earlier !== undefined) {
      throw badInput(`${source}: entry ${index} repeats id ${JSON.stringify(parsed.data.id)} of entry ${earlier}`, { source, index });
    }
    seen.set(parsed.data.id, index);
    items.push(parsed.data);
  });
  if (items.length === 0) throw badInput(`${source} holds no items to score`, { source });
  return items;
}

export function formatScoreTable(scores: CaptionScores, itemCount: number): string {
  const width = Math.max(...CAPTION_METRIC_NAMES.map((n) => n.length));
  const rows = CAPTION_METRIC_NAMES.map((name) => `${name.padEnd(width)}  ${scores[name].toFixed(6).padStart(9)}`);
  const header = `${"metric".padEnd(width)}  ${"score".padStart(9)}`;
  return `${[header, ...rows, `${itemCount} items`].join("\n")}\n`;
}

async function loadParaphrasesFor(path: string, items: readonly CaptionItem[], tokenize: boolean): Promise<ParaphraseTable> {
  const vocabulary = new Set<string>();
  for (const item of tokenizeItems(items, { tokenize })) {
    for (const text of [item.candidate, ...item.references]) {
      for (const word of meteorNormalize(text)) vocabulary.add(word);
    }
  }
  try {
    return await ParaphraseTable.load(path, vocabulary);
  } catch (err) {
    throw badInput(`cannot read paraphrase table ${path}: ${(err as Error).message}`, { path });
  }
}

/** `medcap score <file.json> [--json]`: coco-caption metrics of arbitrary candidates. */
export async function runScoreCommand(file: string, opts: ScoreCommandOptions, out: NodeJS.WritableStream): Promise<CaptionScores> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw badInput(`cannot read ${file}: ${(err as Error).message}`, { file });
  }
  const items = parseScoreInput(text, file);
  const tokenize = opts.tokenize ?? true;
  const meteorParaphrases = opts.meteorParaphraseTable ? await loadParaphrasesFor(opts.meteorParaphraseTable, items, tokenize) : undefined;
  const scores = scoreCaptions(items, { tokenize, meteorParaphrases });
  out.write(opts.json ? `${JSON.stringify(scores)}\n` : formatScoreTable(scores, items.length));
  return scores;
}
