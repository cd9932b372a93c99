"""`add-heads`: medcap-base-v3 = a base model folder's towers (v2's, byte for byte in the text graph and in
every image-graph node) + attribute heads appended to the image graph as a second output.

The heads read the pooled feature the graph already computes (the input of the projection Gemm), so
the embedding output is unchanged and the heads cost two small Gemms. Output `attributes` [B, total] is
the concatenation of one softmax per attribute; the manifest's `image.attributes.heads` gives each
attribute's labels and offset. The standardisation of the features is folded into the first Gemm.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import attributes as A
from . import data, features, preprocess
from .cv_attributes import V2_SETTING
from .export import refresh_file_hashes

OUTPUT = "attributes"


def pooled_tensor(graph: onnx.GraphProto) -> tuple[str, int]:
    """The name and width of the pooled feature: the first input of the projection Gemm."""
    for node in graph.node:
        if node.op_type == "Gemm":
            w = next(i for i in graph.initializer if i.name == node.input[1])
            return node.input[0], int(w.dims[1] if not any(a.name == "transB" and a.i == 0 for a in node.attribute) else w.dims[0])
    raise ValueError("no projection Gemm in the image graph")


def append_heads(model: onnx.ModelProto, heads: A.AttributeHeads, names: dict[str, list[str]]) -> dict:
    """Adds the heads' nodes and the `attributes` output in place; returns the manifest block."""
    g = model.graph
    src, _ = pooled_tensor(g)
    std = heads.std.double().numpy()
    mean = heads.mean.double().numpy()

    def add_gemm(name: str, x: str, w: np.ndarray, b: np.ndarray) -> str:
        g.initializer.extend([numpy_helper.from_array(w.astype(np.float32), f"heads.{name}.weight"),
                              numpy_helper.from_array(b.astype(np.float32), f"heads.{name}.bias")])
        out = f"/heads/{name}/Gemm_output_0"
        g.node.append(helper.make_node("Gemm", [x, f"heads.{name}.weight", f"heads.{name}.bias"], [out],
                                       name=f"/heads/{name}/Gemm", transB=1))
        return out

    def folded(lin: torch.nn.Linear) -> tuple[np.ndarray, np.ndarray]:
        w, b = lin.weight.detach().double().numpy(), lin.bias.detach().double().numpy()
        wf = w / std[None, :]
        return wf, b - wf @ mean

    if heads.hidden:
        w, b = folded(heads.body[0])
        h = add_gemm("hidden", src, w, b)
        g.node.append(helper.make_node("Relu", [h], ["/heads/hidden/Relu_output_0"], name="/heads/hidden/Relu"))
        x = "/heads/hidden/Relu_output_0"
    probs, block, offset = [], [], 0
    for a, lin in heads.heads.items():
        if heads.hidden:
            w, b = lin.weight.detach().double().numpy(), lin.bias.detach().double().numpy()
            z = add_gemm(a, x, w, b)
        else:
            z = add_gemm(a, src, *folded(lin))
        p = f"/heads/{a}/Softmax_output_0"
        g.node.append(helper.make_node("Softmax", [z], [p], name=f"/heads/{a}/Softmax", axis=-1))
        probs.append(p)
        block.append({"name": a, "labels": names[a], "offset": offset})
        offset += len(names[a])
    g.node.append(helper.make_node("Concat", probs, [OUTPUT], name="/heads/Concat", axis=1))
    g.output.append(helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", offset]))
    onnx.checker.check_model(model)
    return {"output": OUTPUT, "width": offset, "heads": block}


def train_all(setting: dict, medpix_dir=None) -> tuple[A.AttributeHeads, A.Labels, torch.Tensor]:
    records = features.all_records(medpix_dir)
    labels = A.Labels.of(records)
    cache = features.cache_trunk(records, V2_SETTING["arch"], V2_SETTING["size"], views=setting.get("views", 1))
    heads = A.train_heads(cache["pooled"], np.arange(len(records)), labels, setting)
    return heads, labels, cache["pooled"][0]


def add_heads(cv_file: Path, base: Path, out: Path, name: str, version: str, medpix_dir=None, log=print) -> dict:
    res = json.loads(cv_file.read_text())
    setting = res["heads"]["grid"][res["heads"]["chosen"]]["setting"]
    heads, labels, pooled = train_all(setting, medpix_dir)
    base_manifest = json.loads((base / "manifest.json").read_text())
    graph = onnx.load(str(base / base_manifest["image"]["file"]))
    block = append_heads(graph, heads, labels.names)
    block["regionGroups"] = A.REGION_GROUPS
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    onnx.save(graph, str(out / base_manifest["image"]["file"]))

    # the graph's heads must equal the torch heads on the cached features (same preprocessing), and the
    # embeddings must be the base graph's, bit for bit
    import onnxruntime as ort

    records = features.all_records(medpix_dir)[:16]
    size = base_manifest["image"]["size"]
    x = np.stack([preprocess.preprocess_file(r.path, size, base_manifest["image"]["mean"], base_manifest["image"]["std"])
                  for r in records])
    new = ort.InferenceSession(str(out / "image_encoder.onnx"), providers=["CPUExecutionProvider"])
    old = ort.InferenceSession(str(base / "image_encoder.onnx"), providers=["CPUExecutionProvider"])
    emb, att = new.run(["embeddings", OUTPUT], {"pixel_values": x})
    same_embedding = bool(np.array_equal(emb, old.run(["embeddings"], {"pixel_values": x})[0]))
    ref = A.predict(heads, pooled[:16])
    ref_cat = np.concatenate([ref[h["name"]] for h in block["heads"]], axis=1)
    max_diff = float(np.abs(att - ref_cat).max())
    log(f"heads in the graph vs torch on cached features: max |p diff| {max_diff:.2e}; embeddings identical: {same_embedding}")
    if max_diff > 2e-3 or not same_embedding:
        raise RuntimeError(f"exported heads disagree (max diff {max_diff}) or embeddings changed ({same_embedding})")

    parity = json.loads((out / "parity.json").read_text())
    for entry in parity["images"]:
        xi = preprocess.preprocess_file(out / entry["file"], size, base_manifest["image"]["mean"], base_manifest["image"]["std"])[None]
        entry["attributes"] = [float(v) for v in new.run([OUTPUT], {"pixel_values": xi})[0][0]]
    parity["about"] += " `attributes`: the attribute-head probabilities (manifest image.attributes)."
    (out / "parity.json").write_text(json.dumps(parity, indent=1) + "\n")

    pr = res["priors"]["rows"][res["priors"]["chosen"]]
    sim = res["similar"]["rows"][res["similar"]["chosen"]]
    created = res.get("finishedAt") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    manifest = dict(base_manifest, name=name, version=version, createdAt=created)
    manifest["image"] = dict(base_manifest["image"], attributes=block)
    manifest["captioning"] = dict(base_manifest["captioning"], prior=pr["prior"])
    manifest["similarImages"] = {"prior": sim["prior"]}
    manifest["attributesCrossValidation"] = {
        "about": f"toolkit/results/{cv_file.name}: case-grouped 5-fold CV over train+dev; mean ± sd over folds",
        "headSetting": setting,
        "accuracy": {k: {"mean": v["mean"], "sd": v["sd"]} for k, v in res["heads"]["grid"][res["heads"]["chosen"]]["accuracy"].items()},
        "captionAgreement": {k: {"mean": v["mean"], "sd": v["sd"]} for k, v in pr["summary"].items()},
        "similarAgreement": {k: {"mean": v["mean"], "sd": v["sd"]} for k, v in sim["summary"].items()},
    }
    manifest["basedOn"] = f"{base_manifest['name']}@{base_manifest['version']} (towers unchanged; image graph + heads)"
    from .card import heads_card_towers, write_heads_card

    refresh_file_hashes(out, manifest)  # the manifest at its final size first: the card states the folder's size
    write_heads_card(out, manifest, res, heads_card_towers(cv_file))
    refresh_file_hashes(out, manifest)
    return manifest
