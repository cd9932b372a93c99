import pytest

from medcap_toolkit.tokenizer import WordPieceTokenizer, basic_tokenize

CASES = [
    "Axial CT of the chest shows a 3.5 cm mass in the right upper lobe.",
    "T2-weighted MR: hyperintense lesion (arrow), no enhancement; see Fig. 2b!",
    "Café-au-lait spots; Ménétrier disease — naïve façade résumé.",
    "脑 MRI 显示 病变 in the left frontal lobe",
    "   ",
    "",
    "Sagittal\tT1\nimage\u00a0of L4-L5, 12mm disc; ctrl\x07char",
    "supercalifragilisticexpialidocious" * 4,
    "x" * 120,
    "Hounsfield units ≈ −20 HU, ±5%, 1/2, C1–C2, ÀÉÎÕÜ",
]


@pytest.fixture(scope="module")
def tok(minilm_dir):
    return WordPieceTokenizer.from_vocab_file(minilm_dir / "vocab.txt", max_length=512)


@pytest.fixture(scope="module")
def hf(minilm_dir):
    tokenizers = pytest.importorskip("tokenizers")
    t = tokenizers.Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    t.no_truncation()
    t.no_padding()
    return t


@pytest.mark.parametrize("text", CASES)
def test_matches_the_hugging_face_tokenizer(tok, hf, text):
    assert tok.encode(text) == hf.encode(text).ids


def test_basic_tokenizer_rules():
    assert basic_tokenize("Héllo, WORLD!") == ["hello", ",", "world", "!"]
    assert basic_tokenize("脑MRI") == ["脑", "mri"]
    assert basic_tokenize("a\x00b\ufffdc") == ["abc"]


def test_truncation_keeps_cls_and_sep(tok):
    short = WordPieceTokenizer(tok.vocab, max_length=8)
    ids = short.encode(CASES[0])
    assert len(ids) == 8 and ids[0] == tok.cls_id and ids[-1] == tok.sep_id


def test_batch_pads_to_longest_with_mask(tok):
    ids, mask = tok.batch(["CT", "axial ct of the chest"])
    assert len(ids[0]) == len(ids[1]) == len(tok.encode("axial ct of the chest"))
    assert ids[0][3:] == [tok.pad_id] * (len(ids[0]) - 3)
    assert mask[0] == [1, 1, 1] + [0] * (len(ids[0]) - 3)


def test_overlong_word_is_unk(tok):
    assert tok.tokenize("a" * 101) == ["[UNK]"]
