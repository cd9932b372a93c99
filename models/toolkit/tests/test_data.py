from medcap_toolkit import data


def test_loads_a_tiny_subset_of_both_splits(medpix_dir):
    train = data.load_split("train", medpix_dir, limit_cases=3)
    dev = data.load_split("dev", medpix_dir, limit_cases=2)
    assert len({r.case_id for r in train}) == 3 and len({r.case_id for r in dev}) == 2
    assert not {r.case_id for r in train} & {r.case_id for r in dev}
    for r in train + dev:
        assert r.path.is_file()
        assert r.caption == data.normalise_ws(r.caption)
        assert r.type in ("CT", "MR", "MRI")


def test_full_split_sizes(medpix_dir):
    train = data.load_split("train", medpix_dir)
    dev = data.load_split("dev", medpix_dir)
    assert (len(train), len({r.case_id for r in train})) == (1653, 535)
    assert (len(dev), len({r.case_id for r in dev})) == (197, 67)


def test_template_follows_the_seed_notebook(medpix_dir):
    r = data.load_split("train", medpix_dir, limit_cases=1)[0]
    t = r.template()
    assert t.startswith(f"a {r.plane} plane ") and f" year old {r.sex} depicting {r.diagnosis}" in t


def test_image_cache_is_preprocessed_and_reused(medpix_dir, tmp_path):
    recs = data.load_split("dev", medpix_dir, limit_cases=1)
    a = data.build_image_cache(recs, 32, tmp_path)
    assert tuple(a.shape) == (len(recs), 32, 32)
    assert 0.0 <= float(a.min()) and float(a.max()) <= 1.0
    assert len(list(tmp_path.glob("*.pt"))) == 1
    b = data.build_image_cache(recs, 32, tmp_path)
    assert (a == b).all()


def test_medpix_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDPIX_DIR", str(tmp_path))
    assert data.default_medpix_dir() == tmp_path.resolve()


def test_generic_jsonl_format(tmp_path):
    import json

    from PIL import Image

    (tmp_path / "img").mkdir()
    rows = []
    for i in range(4):
        Image.new("L", (40 + i, 30), color=i * 40).save(tmp_path / "img" / f"x{i}.png")
        rows.append({"id": f"x{i}", "image": f"img/x{i}.png", "caption": f"Axial  CT number {i}", "case": f"c{i // 2}",
                     "split": "train" if i < 3 else "dev", "modality": "CT - contrast", "plane": "Axial"})
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    cfg = {"dataset": {"format": "jsonl", "path": str(tmp_path / "d.jsonl")}}
    train = data.load_records(cfg, "train")
    dev = data.load_records(cfg, "dev")
    assert [r.image_id for r in train] == ["x0", "x1", "x2"] and [r.image_id for r in dev] == ["x3"]
    assert train[0].caption == "Axial CT number 0" and train[0].type == "CT" and train[2].case_id == "c1"
    assert data.build_image_cache(train, 16, tmp_path / "cache").shape == (3, 16, 16)
