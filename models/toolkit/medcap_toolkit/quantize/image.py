"""The int8 image encoder (issue #29): onnxruntime's static QDQ quantisation of the frozen EfficientNet-Lite
trunk: int8 weights with one scale per output channel (symmetric), uint8 activations with one scale per
tensor from MinMax calibration on a fixed subset of MedPix *train* images preprocessed exactly as the
service does (manifest: shorter-side triangle resize, centre crop, luminance replicated, mean/std). The
projection, its L2 norm and the attribute heads (everything after the pooled feature) stay float32, and
so may whole trunk blocks (`float_blocks`): the measurements in the model card decide.

Deterministic: the same float32 graph, calibration subset and onnxruntime version give the same bytes
(tests/test_image_q8.py); `calibration_cache` (a JSON of tensor ranges) only skips the calibration runs.

Before quantising, onnxruntime's *basic* graph optimisations are applied to the float32 graph (constant
folding; the exporter's dynamic "same" padding chains, Shape → Slice → Pad, folded into each Conv's own
pads). Without it every depthwise convolution keeps a float Pad between a dequantise and a quantise, and
the int8 graph is no faster than float32.
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

import numpy as np

CALIBRATION_IMAGES = 256
CALIBRATION_SEED = 29
CALIBRATION_BATCH = 16
FORM = "int8-qdq-static"


def calibration_records(n: int = CALIBRATION_IMAGES, seed: int = CALIBRATION_SEED, medpix_dir=None) -> list:
    """n train images drawn without replacement by a seeded generator from the train split in file order."""
    from .. import data

    train = data.load_split("train", medpix_dir)
    idx = np.sort(np.random.default_rng(seed).choice(len(train), size=min(n, len(train)), replace=False))
    return [train[i] for i in idx]


def service_inputs(records, image: dict) -> np.ndarray:
    """[N,3,S,S] float32 exactly as the service feeds the graph (the manifest's image block)."""
    from .. import preprocess

    return np.stack([preprocess.preprocess_file(r.path, image["size"], image["mean"], image["std"]) for r in records])


def pooled_tensor(model) -> str:
    """The pooled trunk feature: the input of the first Gemm (the projection; the heads read it too)."""
    for n in model.graph.node:
        if n.op_type == "Gemm":
            return n.input[0]
    raise ValueError("no Gemm after the trunk: not a medcap image graph")


def with_pooled_output(model):
    """`model` (an ONNX ModelProto, changed in place and returned) with the pooled trunk feature as a last output."""
    import onnx

    model.graph.output.append(onnx.helper.make_tensor_value_info(pooled_tensor(model), onnx.TensorProto.FLOAT, None))
    return model


def cpu_session(graph, threads: int = 1):
    """A quiet onnxruntime CPU session of `graph` (a path, or serialised bytes): one intra-op thread by
    default, as the service runs the image graph; 0 is onnxruntime's own default."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    return ort.InferenceSession(graph if isinstance(graph, bytes) else str(graph), so, providers=["CPUExecutionProvider"])


def row_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of `a` with the same row of `b`."""
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def float_tail_nodes(model) -> list[str]:
    """Nodes downstream of the pooled feature (projection, normalisation, heads)."""
    live, out = {pooled_tensor(model)}, []
    for n in model.graph.node:  # ONNX graphs are topologically sorted
        if any(i in live for i in n.input):
            out.append(n.name)
            live.update(n.output)
    return out


def block_of(node_name: str) -> str | None:
    """`stem`, `trunk_blocks.N`, `tail_blocks_.N` or `head` for a Lite trunk node (exporter's naming)."""
    r = re.search(r"/(stem|trunk_blocks\.\d+|tail_blocks_\.\d+|head)/", node_name)
    return r.group(1) if r else None


def fold_constants(fp32_path: Path, out_path: Path) -> None:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = str(out_path)
    so.log_severity_level = 3
    ort.InferenceSession(str(fp32_path), so, providers=["CPUExecutionProvider"])


class _Reader:
    """onnxruntime's CalibrationDataReader over fixed batches."""

    def __init__(self, x: np.ndarray, name: str, batch: int):
        self.batches = [x[k : k + batch] for k in range(0, len(x), batch)]
        self.name, self.k = name, 0

    def get_next(self):
        if self.k >= len(self.batches):
            return None
        self.k += 1
        return {self.name: self.batches[self.k - 1]}

    def rewind(self):
        self.k = 0


def quantize_graph(fp32_path: Path, out_path: Path, calib: np.ndarray, float_blocks: tuple[str, ...] = (),
                   calibration_cache: Path | None = None) -> dict:
    """Static QDQ int8 of `fp32_path` calibrated on `calib` ([N,3,S,S] service inputs); returns what was done."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "folded.onnx"
        fold_constants(fp32_path, pre)
        model = onnx.load(str(pre))
        tail = float_tail_nodes(model)
        kept = [n.name for n in model.graph.node if block_of(n.name) in set(float_blocks)]
        quantize_static(
            str(pre), str(out_path), _Reader(calib, model.graph.input[0].name, CALIBRATION_BATCH),
            quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8, nodes_to_exclude=tail + kept, calibrate_method=CalibrationMethod.MinMax,
            extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
            calibration_cache_path=str(calibration_cache) if calibration_cache else None,
        )
    q = onnx.load(str(out_path))
    q.metadata_props.add(key="medcap.image.form", value=FORM)
    q.metadata_props.add(key="medcap.image.floatBlocks", value=",".join(float_blocks))
    onnx.save(q, str(out_path))
    return {"form": FORM, "floatNodes": len(tail) + len(kept), "floatBlocks": list(float_blocks),
            "bytes": out_path.stat().st_size, "sha256": hashlib.sha256(out_path.read_bytes()).hexdigest()}


def quantize_image(model_dir: Path, out_path: Path, n: int = CALIBRATION_IMAGES, seed: int = CALIBRATION_SEED,
                   float_blocks: tuple[str, ...] = (), medpix_dir=None, calibration_cache: Path | None = None) -> dict:
    """A model folder's float32 image graph (manifest image.reference, else image) → the int8 graph at
    `out_path`, calibrated on `n` train images drawn with `seed`."""
    import json

    image = json.loads((model_dir / "manifest.json").read_text())["image"]
    fp32 = model_dir / image.get("reference", image)["file"]
    records = calibration_records(n, seed, medpix_dir)
    calib = service_inputs(records, image)
    info = quantize_graph(fp32, out_path, calib, float_blocks, calibration_cache)
    info["calibration"] = {"split": "train", "images": len(records), "seed": seed, "method": "minmax",
                           "preprocessing": "the service's (manifest image block)"}
    info["reference"] = {"file": fp32.name, "sha256": hashlib.sha256(fp32.read_bytes()).hexdigest()}
    return info


def check_dev(model_dir: Path, graph: Path, medpix_dir=None, threshold: float = 0.995) -> dict:
    """Cosine of `graph`'s embeddings to the float32 graph's on every dev image, and attribute agreement."""
    import json

    from .. import data

    image = json.loads((model_dir / "manifest.json").read_text())["image"]
    fp32 = model_dir / image.get("reference", image)["file"]
    x = service_inputs(data.load_split("dev", medpix_dir), image)
    outs = [image["output"]] + ([image["attributes"]["output"]] if "attributes" in image else [])
    ref = cpu_session(fp32).run(outs, {image["input"]: x})
    got = cpu_session(graph).run(outs, {image["input"]: x})
    cos = row_cosine(ref[0], got[0])
    out = {"images": int(len(cos)), "cosineMin": float(cos.min()), "cosineMean": float(cos.mean()),
           "belowThreshold": int((cos < threshold).sum()), "threshold": threshold, "accepted": bool(cos.min() >= threshold)}
    if len(outs) > 1:
        agree = {}
        for h in image["attributes"]["heads"]:
            sl = slice(h["offset"], h["offset"] + len(h["labels"]))
            agree[h["name"]] = float((ref[1][:, sl].argmax(1) == got[1][:, sl].argmax(1)).mean())
        out["attributeTop1Agreement"] = agree
        out["attributeMaxAbsDiff"] = float(np.abs(ref[1] - got[1]).max())
    return out
