"""`eval`: the DESIGN.md protocols on a split, for a torch checkpoint or an exported ONNX folder."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from . import data, metrics, preprocess
from .loss import group_ids
from .tokenizer import WordPieceTokenizer


class OnnxEmbedder:
    """Runs an exported model folder exactly as the service will (manifest-driven)."""

    def __init__(self, model_dir: str | Path, text_file: str | None = None) -> None:
        import onnxruntime as ort

        self.dir = Path(model_dir)
        self.manifest = json.loads((self.dir / "manifest.json").read_text())
        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        # as the service does (encoders/onnx.session.ts): onnxruntime ≥ 1.20 would otherwise rewrite a
        # weight-only DequantizeLinear → MatMul into an int8-compute kernel and move the embeddings
        so.add_session_config_entry("session.disable_quant_qdq", "1")
        img, txt = self.manifest["image"], self.manifest["text"]
        self.image_sess = ort.InferenceSession(str(self.dir / img["file"]), so, providers=["CPUExecutionProvider"])
        self.text_sess = ort.InferenceSession(str(self.dir / (text_file or txt["file"])), so, providers=["CPUExecutionProvider"])
        tok = txt["tokenizer"]
        self.tokenizer = WordPieceTokenizer.from_vocab_file(
            self.dir / tok["vocab"], max_length=tok["maxLength"], lowercase=tok["lowercase"], strip_accents=tok["stripAccents"])
        self.size, self.mean, self.std = img["size"], img["mean"], img["std"]

    def images(self, gray: np.ndarray, batch: int = 64) -> np.ndarray:
        out = []
        for k in range(0, len(gray), batch):
            x = np.stack([preprocess.normalise(g, self.mean, self.std) for g in gray[k : k + batch]])
            out.append(self.image_sess.run(["embeddings"], {"pixel_values": x})[0])
        return np.concatenate(out)

    def image_files(self, paths: list[str | Path]) -> np.ndarray:
        x = np.stack([preprocess.preprocess_file(p, self.size, self.mean, self.std) for p in paths])
        return self.image_sess.run(["embeddings"], {"pixel_values": x})[0]

    def texts(self, texts: list[str], batch: int = 64) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = None
        for k in range(0, len(order), batch):
            rows = order[k : k + batch]
            ids, mask = self.tokenizer.batch([texts[r] for r in rows])
            emb = self.text_sess.run(["embeddings"], {"input_ids": np.array(ids, dtype=np.int64),
                                                      "attention_mask": np.array(mask, dtype=np.int64)})[0]
            if out is None:
                out = np.zeros((len(texts), emb.shape[1]), dtype=np.float32)
            out[rows] = emb
        return out


class TorchEmbedder:
    def __init__(self, checkpoint: str | Path) -> None:
        from .common import load_checkpoint

        self.model, self.ckpt = load_checkpoint(checkpoint)
        cfg = self.ckpt["config"]
        self.size, self.mean, self.std = cfg["image"]["size"], cfg["image"]["mean"], cfg["image"]["std"]
        vocab = self.ckpt["vocab"].splitlines()
        self.tokenizer = WordPieceTokenizer({t: i for i, t in reversed(list(enumerate(vocab)))},
                                            max_length=cfg["text"].get("max_length", 128))

    def images(self, gray: np.ndarray) -> np.ndarray:
        from .common import embed_images

        return embed_images(self.model, torch.from_numpy(np.asarray(gray)), self.mean, self.std, "cpu")

    def texts(self, texts: list[str]) -> np.ndarray:
        from .common import embed_texts

        return embed_texts(self.model, texts, self.tokenizer, "cpu")


def evaluate_embedder(emb, split: str = "dev", medpix_dir=None, meteor: bool = True, limit_cases=None) -> dict:
    records = data.load_split(split, medpix_dir, limit_cases)
    library_records = data.load_split("train", medpix_dir, limit_cases)
    gray = data.build_image_cache(records, emb.size, data.TOOLKIT_DIR / "cache").numpy()
    img = emb.images(gray)
    captions = [r.caption for r in records]
    groups = group_ids(captions).numpy()
    txt = emb.texts(captions)
    out: dict = {"split": split, "images": len(records), "cases": len({r.case_id for r in records})}
    out["retrieval"] = metrics.retrieval(img, txt, groups)
    out["retrieval"]["random"] = metrics.random_retrieval_floor(groups)
    library = sorted({r.caption for r in library_records})
    out["caption-library"] = metrics.caption_library(img, emb.texts(library), library, captions)
    out["caption-library"]["librarySize"] = len(library)
    templates = [r.template() for r in records]
    pool = sorted(set(templates))
    out["seed-template"] = metrics.seed_template(img, emb.texts(pool), pool, templates, meteor=meteor)
    return out


def caption_predictions(emb, split: str = "dev", medpix_dir=None) -> list[dict]:
    """Per query image of `split`: the plain nearest library (train) caption, as `caption_library`
    picks it, with the two best cosines (a small margin is a near-tie that another float order may flip)."""
    records = data.load_split(split, medpix_dir)
    library = sorted({r.caption for r in data.load_split("train", medpix_dir)})
    img = emb.images(data.build_image_cache(records, emb.size, data.TOOLKIT_DIR / "cache").numpy())
    sims = img @ emb.texts(library).T
    out = []
    for r, row in zip(records, sims):
        top = np.argsort(-row, kind="stable")[:2]
        out.append({"imageId": r.image_id, "prediction": library[int(top[0])], "cosine": round(float(row[top[0]]), 6),
                    "margin": round(float(row[top[0]] - row[top[1]]), 6)})
    return out


def evaluate(checkpoint=None, model_dir=None, split="dev", medpix_dir=None, meteor=True) -> dict:
    if (checkpoint is None) == (model_dir is None):
        raise SystemExit("give exactly one of --checkpoint or --model-dir")
    emb = TorchEmbedder(checkpoint) if checkpoint else OnnxEmbedder(model_dir)
    res = evaluate_embedder(emb, split, medpix_dir, meteor)
    res["source"] = str(checkpoint or model_dir)
    return res
