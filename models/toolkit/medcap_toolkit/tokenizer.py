"""BERT uncased WordPiece tokenizer, equivalent to Hugging Face BertTokenizer(do_lower_case=True).

Written out here (no `transformers`) because the TypeScript service ports it line by line.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path


def _is_whitespace(ch: str) -> bool:
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_tokenize(text: str, lowercase: bool = True, strip_accents: bool = True) -> list[str]:
    # clean: drop NUL, U+FFFD and control chars, map whitespace to a space
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        cleaned.append(" " if _is_whitespace(ch) else ch)
    # CJK characters become their own tokens
    spaced = []
    for ch in cleaned:
        if _is_cjk(ord(ch)):
            spaced.extend([" ", ch, " "])
        else:
            spaced.append(ch)
    tokens: list[str] = []
    for word in "".join(spaced).strip().split():
        if lowercase:
            word = word.lower()
        if strip_accents:
            word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        # split on punctuation, each punctuation char its own token
        current = ""
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(ch)
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


class WordPieceTokenizer:
    def __init__(
        self,
        vocab: dict[str, int],
        max_length: int = 128,
        lowercase: bool = True,
        strip_accents: bool = True,
        cls_token: str = "[CLS]",
        sep_token: str = "[SEP]",
        pad_token: str = "[PAD]",
        unk_token: str = "[UNK]",
        max_chars_per_word: int = 100,
    ) -> None:
        self.vocab = vocab
        self.max_length = max_length
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.cls_token, self.sep_token, self.pad_token, self.unk_token = cls_token, sep_token, pad_token, unk_token
        self.max_chars_per_word = max_chars_per_word
        self.cls_id = vocab[cls_token]
        self.sep_id = vocab[sep_token]
        self.pad_id = vocab[pad_token]
        self.unk_id = vocab[unk_token]

    @classmethod
    def from_vocab_file(cls, path: str | Path, **kwargs) -> "WordPieceTokenizer":
        vocab: dict[str, int] = {}
        with open(path, encoding="utf-8") as fh:
            for index, line in enumerate(fh):
                token = line.rstrip("\n")
                if token not in vocab:
                    vocab[token] = index
        return cls(vocab, **kwargs)

    def wordpiece(self, word: str) -> list[str]:
        if len(word) > self.max_chars_per_word:
            return [self.unk_token]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end]
                if start > 0:
                    piece = "##" + piece
                if piece in self.vocab:
                    found = piece
                    break
                end -= 1
            if found is None:
                return [self.unk_token]
            pieces.append(found)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        out: list[str] = []
        for word in basic_tokenize(text, self.lowercase, self.strip_accents):
            out.extend(self.wordpiece(word))
        return out

    def encode(self, text: str) -> list[int]:
        ids = [self.vocab.get(t, self.unk_id) for t in self.tokenize(text)]
        ids = ids[: max(self.max_length - 2, 0)]
        return [self.cls_id] + ids + [self.sep_id]

    def batch(self, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
        """input_ids and attention_mask padded to the longest sequence in the batch."""
        encoded = [self.encode(t) for t in texts]
        longest = max((len(e) for e in encoded), default=2)
        ids = [e + [self.pad_id] * (longest - len(e)) for e in encoded]
        mask = [[1] * len(e) + [0] * (longest - len(e)) for e in encoded]
        return ids, mask

    def manifest(self, vocab_file: str = "vocab.txt") -> dict:
        return {
            "type": "bert-wordpiece",
            "vocab": vocab_file,
            "lowercase": self.lowercase,
            "stripAccents": self.strip_accents,
            "maxLength": self.max_length,
            "clsToken": self.cls_token,
            "sepToken": self.sep_token,
            "padToken": self.pad_token,
            "unkToken": self.unk_token,
        }
