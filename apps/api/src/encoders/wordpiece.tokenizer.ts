// BERT uncased WordPiece, a line-by-line port of models/toolkit/medcap_toolkit/tokenizer.py (itself
// equivalent to Hugging Face BertTokenizer(do_lower_case=True)). The text encoder only works on the ids
// the toolkit produced at training time, so any divergence here silently degrades search quality;
// the parity spec pins this port to the toolkit's own outputs.
import { MedcapError } from "../core/errors.js";

export interface WordPieceOptions {
  maxLength: number;
  lowercase: boolean;
  stripAccents: boolean;
  clsToken: string;
  sepToken: string;
  padToken: string;
  unkToken: string;
  /** Words longer than this (in code points) become [UNK], as in BertTokenizer. */
  maxCharsPerWord?: number;
}

export interface TokenBatch {
  /** Row-major [batch, sequence], padded with the pad id to the longest row. */
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  batchSize: number;
  sequenceLength: number;
}

// Python's str.split() also breaks on the isspace() characters that cleaning leaves (U+2028, U+2029);
// \s covers them (its other members are either mapped to a space or removed as controls first).
const WHITESPACE = /^\s$/u;
const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const PUNCTUATION = /^\p{P}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || SPACE_SEPARATOR.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === "\t" || ch === "\n" || ch === "\r") return false;
  return CONTROL.test(ch);
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return PUNCTUATION.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * BERT's BasicTokenizer: clean, split on whitespace, lowercase/strip accents, split punctuation and
 * CJK. A generator, so that encode() can stop once maxLength pieces exist: a multi-megabyte paste then
 * costs no more than its first few hundred words.
 */
export function* basicTokens(text: string, lowercase = true, stripAccents = true): Generator<string> {
  let word = "";
  function* flush(): Generator<string> {
    if (word === "") return;
    let w = word;
    word = "";
    if (lowercase) w = w.toLowerCase();
    if (stripAccents) w = w.normalize("NFD").replace(NONSPACING_MARK, "");
    let current = "";
    for (const ch of w) {
      if (isPunctuation(ch)) {
        if (current) yield current;
        current = "";
        yield ch;
      } else {
        current += ch;
      }
    }
    if (current) yield current;
  }
  // for..of walks code points, as Python iterates a str; UTF-16 indexing would split astral characters.
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch) || WHITESPACE.test(ch)) {
      yield* flush();
    } else if (isCjk(cp)) {
      yield* flush();
      word = ch;
      yield* flush();
    } else {
      word += ch;
    }
  }
  yield* flush();
}

export function basicTokenize(text: string, lowercase = true, stripAccents = true): string[] {
  return Array.from(basicTokens(text, lowercase, stripAccents));
}

export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly maxCharsPerWord: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly options: WordPieceOptions,
  ) {
    const id = (token: string) => {
      const value = vocab.get(token);
      if (value === undefined) {
        throw new MedcapError("MODEL_MISMATCH", `tokenizer vocabulary has no special token ${token}`, { token });
      }
      return value;
    };
    this.clsId = id(options.clsToken);
    this.sepId = id(options.sepToken);
    this.padId = id(options.padToken);
    this.unkId = id(options.unkToken);
    this.maxCharsPerWord = options.maxCharsPerWord ?? 100;
    if (options.maxLength < 2) {
      throw new MedcapError("MODEL_MISMATCH", `tokenizer maxLength ${options.maxLength} leaves no room for [CLS] and [SEP]`);
    }
  }

  /** vocab.txt: one token per line, the id is the line number; the first occurrence of a duplicate wins. */
  static fromVocabText(vocabText: string, options: WordPieceOptions): WordPieceTokenizer {
    const vocab = new Map<string, number>();
    const lines = vocabText.split("\n");
    // A trailing newline yields one empty last element that is not a token.
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    lines.forEach((token, index) => {
      if (!vocab.has(token)) vocab.set(token, index);
    });
    return new WordPieceTokenizer(vocab, options);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  wordpiece(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > this.maxCharsPerWord) return [this.options.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        let piece = chars.slice(start, end).join("");
        if (start > 0) piece = `##${piece}`;
        if (this.vocab.has(piece)) {
          found = piece;
          break;
        }
        end -= 1;
      }
      if (found === undefined) return [this.options.unkToken];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  tokenize(text: string, limit = Infinity): string[] {
    const out: string[] = [];
    for (const word of basicTokens(text, this.options.lowercase, this.options.stripAccents)) {
      if (out.length >= limit) break;
      out.push(...this.wordpiece(word));
    }
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** [CLS] pieces… [SEP], pieces truncated so the whole fits maxLength. */
  encode(text: string): number[] {
    const ids = this.tokenize(text, this.options.maxLength - 2).map((t) => this.vocab.get(t) ?? this.unkId);
    return [this.clsId, ...ids, this.sepId];
  }

  /** Pads already-encoded rows to the longest one, as the toolkit's `batch` does. */
  pad(rows: readonly (readonly number[])[]): TokenBatch {
    const sequenceLength = rows.reduce((m, r) => Math.max(m, r.length), 0) || 2;
    const inputIds = new BigInt64Array(rows.length * sequenceLength).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(rows.length * sequenceLength);
    rows.forEach((row, b) => {
      const offset = b * sequenceLength;
      row.forEach((id, t) => {
        inputIds[offset + t] = BigInt(id);
        attentionMask[offset + t] = 1n;
      });
    });
    return { inputIds, attentionMask, batchSize: rows.length, sequenceLength };
  }

  batch(texts: readonly string[]): TokenBatch {
    return this.pad(texts.map((t) => this.encode(t)));
  }
}
