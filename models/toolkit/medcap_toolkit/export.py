"""`export`: checkpoint → ONNX model folder (encoders, vocab, manifest, parity fixtures, card)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

# (onnx itself is imported before torch in medcap_toolkit/__init__.py)
import torch

from . import preprocess
from .model import ImageExport, TextExport
from .quantize.dispatch import quantize_text
from .tokenizer import WordPieceTokenizer

OPSET = 17
PARITY_TEXTS = [
    "Axial CT of the chest shows a 3.5 cm mass in the right upper lobe.",
    "T2-weighted MR: hyperintense lesion (arrow), no enhancement; see Fig. 2b!",
    "Café-au-lait spots; Ménétrier disease — naïve façade résumé.",
    "脑 MRI 显示 病变 in the left frontal lobe",
    "   ",
    "CT",
    "Sagittal\tT1\nimage\u00a0of the lumbar spine at L4-L5, 12mm disc protrusion.",
    ("Coronal reconstruction demonstrates extensive bilateral findings " * 30).strip(),
    "supercalifragilisticexpialidocious" * 4,
]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_parity_images(folder: Path, size: int) -> list[Path]:
    """Synthetic (not MedPix) PNGs covering each decode/resize branch of the preprocessing."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)

    def phantom(h: int, w: int) -> np.ndarray:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        r = np.hypot((yy - h * 0.45) / (h * 0.35), (xx - w * 0.5) / (w * 0.4))
        img = np.clip(1.0 - r, 0, 1) * 0.7 + 0.2 * (xx / w)
        img += 0.25 * (np.hypot(yy - h * 0.4, xx - w * 0.62) < min(h, w) * 0.1)
        img += rng.normal(0, 0.03, size=(h, w))
        return np.clip(img, 0, 1)

    files = []
    def save(name: str, im) -> None:
        p = folder / name
        im.save(p, format="PNG")
        files.append(p)

    save("gray8-odd-131x97.png", Image.fromarray((phantom(97, 131) * 255).round().astype(np.uint8), mode="L"))
    save("gray8-tall-211x300.png", Image.fromarray((phantom(300, 211) * 255).round().astype(np.uint8), mode="L"))
    g16 = (phantom(120, 150) * 65535).round().astype(np.uint16)
    save("gray16-150x120.png", Image.fromarray(g16, mode="I;16"))
    base = phantom(160, 120)
    rgb = np.stack([base, np.clip(base * 0.8 + 0.1, 0, 1), np.clip(1 - base, 0, 1)], -1)
    save("rgb-120x160.png", Image.fromarray((rgb * 255).round().astype(np.uint8), mode="RGB"))
    save(f"gray8-square-{size}.png", Image.fromarray((phantom(size, size) * 255).round().astype(np.uint8), mode="L"))
    return files


def export_onnx(model, out_dir: Path, size: int) -> tuple[Path, Path]:
    model = model.cpu().eval()
    img_path, txt_path = out_dir / "image_encoder.onnx", out_dir / "text_encoder.onnx"
    with torch.no_grad():
        torch.onnx.export(ImageExport(model.image), (torch.randn(2, 3, size, size),), str(img_path),
                          input_names=["pixel_values"], output_names=["embeddings"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "embeddings": {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True)
        ids = torch.randint(5, 1000, (2, 12))
        mask = torch.ones_like(ids)
        mask[1, 9:] = 0
        torch.onnx.export(TextExport(model.text), (ids, mask), str(txt_path),
                          input_names=["input_ids", "attention_mask"], output_names=["embeddings"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                        "attention_mask": {0: "batch", 1: "sequence"},
                                        "embeddings": {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True)
    return img_path, txt_path


def install_text_graph(model_dir: Path, graph: Path) -> dict:
    """Swap a model folder's text encoder for `graph` (same tower, another quantised form): rewrite the
    text half of parity.json with it, set the manifest's `quantization` from the graph's
    `medcap.text.form`, and refresh the file hashes. Returns the cosine of the new parity text
    embeddings to the old ones. The image encoder and vocab are left as they are; of the card, only its
    file table (refresh_file_hashes)."""
    import onnx
    import onnxruntime as ort

    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    form = {p.key: p.value for p in onnx.load(str(graph), load_external_data=False).metadata_props}.get("medcap.text.form")
    if not form:
        raise ValueError(f"{graph} has no medcap.text.form property (build it with quantize-text)")
    tok_cfg = manifest["text"]["tokenizer"]
    tokenizer = WordPieceTokenizer.from_vocab_file(model_dir / tok_cfg["vocab"], max_length=tok_cfg["maxLength"])
    so = ort.SessionOptions()
    so.add_session_config_entry("session.disable_quant_qdq", "1")  # as the service does
    sess = ort.InferenceSession(str(graph), so, providers=["CPUExecutionProvider"])
    parity = json.loads((model_dir / "parity.json").read_text())
    cosines = []
    for entry in parity["texts"]:
        arr = np.array([entry["inputIds"]], dtype=np.int64)
        emb = sess.run(["embeddings"], {"input_ids": arr, "attention_mask": np.ones_like(arr)})[0][0]
        cosines.append(float(np.dot(emb, np.array(entry["embedding"], dtype=np.float32))))
        entry["embedding"] = [float(v) for v in emb]
    if graph.resolve() != (model_dir / "text_encoder.onnx").resolve():
        shutil.copyfile(graph, model_dir / "text_encoder.onnx")
    (model_dir / "parity.json").write_text(json.dumps(parity, indent=1) + "\n")
    manifest["quantization"] = form
    refresh_file_hashes(model_dir, manifest)
    return {"quantization": form, "parityTexts": len(cosines), "minCosToPrevious": min(cosines)}


def refresh_file_hashes(model_dir: Path, manifest: dict | None = None) -> None:
    """manifest.json's `files` = sha256 of every other file in the folder (after a hand edit of the card),
    and the same sizes and hashes in the card's file table."""
    model_dir = Path(model_dir)
    manifest = manifest or json.loads((model_dir / "manifest.json").read_text())
    card = model_dir / "MODEL_CARD.md"
    if card.exists():  # its "Files and hashes" table: | `file` | bytes | `sha256` |
        def row(m: re.Match) -> str:
            f = model_dir / m.group(1)
            return f"| `{m.group(1)}` | {f.stat().st_size} | `{sha256_file(f)}` |" if f.is_file() else m.group(0)
        card.write_text(re.sub(r"^\| `([^`]+)` \| \d+ \| `[0-9a-f]{64}` \|$", row, card.read_text(), flags=re.M))
    manifest["files"] = {p.relative_to(model_dir).as_posix(): sha256_file(p)
                         for p in sorted(model_dir.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    (model_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def torch_vs_onnx(model, onnx_img: Path, onnx_txt: Path, size: int, tokenizer: WordPieceTokenizer) -> dict:
    """Cosine between the torch module and the exported graph on the same inputs."""
    import onnxruntime as ort

    model = model.cpu().eval()
    torch.manual_seed(0)
    x = torch.randn(3, 1, size, size).expand(-1, 3, -1, -1).contiguous()
    ids, mask = tokenizer.batch(PARITY_TEXTS)
    ti, tm = torch.tensor(ids), torch.tensor(mask)
    with torch.no_grad():
        ref_i, ref_t = model.image(x).numpy(), model.text(ti, tm).numpy()
    si = ort.InferenceSession(str(onnx_img), providers=["CPUExecutionProvider"])
    st = ort.InferenceSession(str(onnx_txt), providers=["CPUExecutionProvider"])
    oi = si.run(["embeddings"], {"pixel_values": x.numpy()})[0]
    ot = st.run(["embeddings"], {"input_ids": ti.numpy(), "attention_mask": tm.numpy()})[0]
    return {"imageMinCosine": float((ref_i * oi).sum(1).min()), "textMinCosine": float((ref_t * ot).sum(1).min())}


def write_parity(out_dir: Path, size: int, mean, std, tokenizer: WordPieceTokenizer, image_sess, text_sess) -> dict:
    files = write_parity_images(out_dir / "parity", size)
    images = []
    for f in files:
        x = preprocess.preprocess_file(f, size, mean, std)[None]
        emb = image_sess.run(["embeddings"], {"pixel_values": x})[0][0]
        images.append({"file": f"parity/{f.name}", "embedding": [float(v) for v in emb]})
    texts = []
    for t in PARITY_TEXTS:
        ids = tokenizer.encode(t)
        arr = np.array([ids], dtype=np.int64)
        emb = text_sess.run(["embeddings"], {"input_ids": arr, "attention_mask": np.ones_like(arr)})[0][0]
        texts.append({"text": t, "inputIds": ids, "embedding": [float(v) for v in emb]})
    parity = {"about": "Embeddings computed with onnxruntime (CPU) on the exported files, using "
                       "medcap_toolkit.preprocess and medcap_toolkit.tokenizer. A port must reach cosine >= 0.9999.",
              "images": images, "texts": texts}
    (out_dir / "parity.json").write_text(json.dumps(parity, indent=1) + "\n")
    return parity


def export_model(checkpoint: str | Path, out: str | Path, quantize: str = "nbits8", metrics_file=None,
                 ablation_file=None, medpix_dir=None, evaluate_dev: bool = True, name: str | None = None,
                 version: str = "1.0.0", extra_manifest: dict | None = None, card_writer=None) -> dict:
    """`extra_manifest` keys are merged into the manifest (e.g. `captioning`, `crossValidation`);
    `card_writer(out_dir, manifest, ckpt)` replaces the dev-selected card (card.write_dev_card, dev numbers)."""
    import onnxruntime as ort

    from .common import load_checkpoint

    model, ckpt = load_checkpoint(checkpoint)
    cfg = ckpt["config"]
    size, mean, std = cfg["image"]["size"], cfg["image"]["mean"], cfg["image"]["std"]
    out_dir = Path(out)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / "vocab.txt").write_text(ckpt["vocab"], encoding="utf-8")
    tokenizer = WordPieceTokenizer.from_vocab_file(out_dir / "vocab.txt", max_length=cfg["text"].get("max_length", 128))

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        img_path, fp32_txt = export_onnx(model, tmp, size)
        parity_check = torch_vs_onnx(model, img_path, fp32_txt, size, tokenizer)
        shutil.move(str(img_path), out_dir / "image_encoder.onnx")
        quantize_text(fp32_txt, out_dir / "text_encoder.onnx", quantize, medpix_dir)
        manifest = build_manifest(ckpt, tokenizer, name or cfg.get("name", "medcap-model"), version, quantize)
        manifest["exportChecks"] = {"torchVsOnnxFp32": parity_check}
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))  # provisional, for the evaluator
        quant_effect = None
        if evaluate_dev and quantize != "none":
            from .evaluate import OnnxEmbedder, evaluate_embedder

            shutil.copyfile(fp32_txt, out_dir / "_fp32_text.onnx")
            try:
                fp32 = evaluate_embedder(OnnxEmbedder(out_dir, "_fp32_text.onnx"), "dev", medpix_dir, meteor=False,
                                         limit_cases=cfg.get("limit_cases"))
            finally:
                (out_dir / "_fp32_text.onnx").unlink()
            quant_effect = {"fp32": summarise(fp32)}
    so = ort.SessionOptions()
    so.add_session_config_entry("session.disable_quant_qdq", "1")  # as the service (and OnnxEmbedder) do
    image_sess = ort.InferenceSession(str(out_dir / "image_encoder.onnx"), so, providers=["CPUExecutionProvider"])
    text_sess = ort.InferenceSession(str(out_dir / "text_encoder.onnx"), so, providers=["CPUExecutionProvider"])
    write_parity(out_dir, size, mean, std, tokenizer, image_sess, text_sess)

    dev = None
    if metrics_file:
        dev = json.loads(Path(metrics_file).read_text())
    elif evaluate_dev:
        from .evaluate import OnnxEmbedder, evaluate_embedder

        dev = evaluate_embedder(OnnxEmbedder(out_dir), "dev", medpix_dir, meteor=True, limit_cases=cfg.get("limit_cases"))
    if dev is not None:
        manifest["metrics"] = {"dev": dev}
    if quant_effect is not None and dev is not None:
        quant_effect[quantize] = summarise(dev)
        manifest["quantizationEffect"] = quant_effect
    manifest.update(extra_manifest or {})
    ablation = json.loads(Path(ablation_file).read_text()) if ablation_file else None
    # the card states the size of every file in the folder, so the manifest is there first at its final
    # size: the final file names, each with a placeholder hash of the same length
    names = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file() and p.name != "manifest.json"}
    manifest["files"] = {n: "0" * 64 for n in sorted(names | {"MODEL_CARD.md"})}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if card_writer is not None:
        card_writer(out_dir, manifest, ckpt)
    else:
        from .card import write_dev_card

        write_dev_card(out_dir, manifest, ckpt, ablation)
    manifest["files"] = {p.relative_to(out_dir).as_posix(): sha256_file(p)
                         for p in sorted(out_dir.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    print(f"exported {out_dir} ({total / 1e6:.1f} MB); torch vs onnx fp32: {parity_check}")
    return manifest


def summarise(res: dict) -> dict:
    r = res["retrieval"]
    return {
        "i2tR@10": r["imageToText"]["R@10"], "t2iR@10": r["textToImage"]["R@10"],
        "i2tMRR": r["imageToText"]["MRR"], "t2iMRR": r["textToImage"]["MRR"],
        "captionLibraryCIDEr": res["caption-library"]["model"]["CIDEr"],
        "captionLibraryBLEU_4": res["caption-library"]["model"]["BLEU_4"],
    }


def build_manifest(ckpt: dict, tokenizer: WordPieceTokenizer, name: str, version: str, quantize: str) -> dict:
    cfg = ckpt["config"]
    clean_cfg = {k: v for k, v in cfg.items() if not k.startswith("_")}
    logit_scale = float(min(np.exp(float(ckpt["state_dict"]["logit_scale"])), 100.0))
    return {
        "name": name,
        "version": version,
        "createdAt": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "embeddingDim": cfg["embed_dim"],
        "image": {
            "file": "image_encoder.onnx", "input": "pixel_values", "output": "embeddings",
            "size": cfg["image"]["size"], "resize": "shorter-side-triangle", "crop": "center",
            "colorMode": "luminance-replicate-3", "mean": cfg["image"]["mean"], "std": cfg["image"]["std"],
        },
        "text": {
            "file": "text_encoder.onnx", "inputs": ["input_ids", "attention_mask"], "output": "embeddings",
            "tokenizer": tokenizer.manifest("vocab.txt"),
        },
        "logitScale": logit_scale,
        "files": {},
        "training": {
            "dataset": "MedPix 2.0", "trainSplit": cfg.get("train_split", "train"),
            "selectionSplit": cfg.get("selection_split", "dev"), "config": clean_cfg,
            "configFile": Path(cfg.get("_config_file", "")).name, "seed": cfg.get("seed", 0),
            "epochs": cfg["epochs"], "selectedEpoch": ckpt["epoch"],
            "durationSeconds": ckpt["durationSeconds"], "torch": ckpt["torch"],
        },
        "metrics": {"dev": {}},
        "quantization": quantize,
        "licence": cfg.get("licence", "Model weights: Apache-2.0 (text encoder initialised from "
                   "sentence-transformers/all-MiniLM-L6-v2, Apache-2.0). Trained on MedPix 2.0 (NLM MedPix; "
                   "see the dataset's terms). Research and decision support only, not for diagnosis."),
    }
