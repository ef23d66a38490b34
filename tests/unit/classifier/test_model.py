"""TrainedModel: prediction, saving, and refusing models it should not load."""

import json

import numpy as np
import pytest

from classifier.errors import ClassifierError, ModelVersionError
from classifier.model import METADATA_FILE, MODEL_FILE, TrainedModel, library_versions
from classifier.pipeline import PIPELINE_VERSION

NEW_TEXTS = ["物业不修电梯还涨物业费", "晚上工地施工噪音太大", "公司三个月没发工资", "网约车乱收费", "公积金提取太慢"]


def test_round_trip_through_save_and_load_predicts_identically(model, saved_model):
    loaded = TrainedModel.load(saved_model)
    assert loaded.predict(NEW_TEXTS) == model.predict(NEW_TEXTS)
    np.testing.assert_array_equal(loaded.pipeline.predict_proba(NEW_TEXTS), model.pipeline.predict_proba(NEW_TEXTS))
    assert loaded.metadata == model.metadata


def test_saved_metadata_describes_the_model(model, saved_model, tickets):
    metadata = json.loads((saved_model / METADATA_FILE).read_text(encoding="utf-8"))
    assert metadata["versions"] == library_versions()
    assert set(metadata["versions"]) >= {"python", "scikit-learn", "numpy", "scipy", "rjieba"}
    assert metadata["labels"] == sorted(set(tickets[1]))
    assert metadata["n_samples"] == len(tickets[0])
    assert len(metadata["data_sha256"]) == 64 and len(metadata["model_sha256"]) == 64
    assert metadata["options"]["features"] == model.options["features"]
    assert metadata["training_seconds"] > 0 and metadata["created_at"].endswith("+00:00")


def _tamper(source, target, change):
    for name in (MODEL_FILE, METADATA_FILE):
        (target / name).write_bytes((source / name).read_bytes())
    metadata = json.loads((target / METADATA_FILE).read_text(encoding="utf-8"))
    change(metadata)
    (target / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")


@pytest.mark.parametrize("library", ["scikit-learn", "numpy", "scipy", "rjieba", "python", "pipeline"])
def test_load_refuses_a_model_made_with_other_library_versions(saved_model, tmp_path, library):
    _tamper(saved_model, tmp_path, lambda metadata: metadata["versions"].update({library: "0.0.1"}))
    with pytest.raises(ModelVersionError, match=f"{library} 0.0.1"):
        TrainedModel.load(tmp_path)
    assert issubclass(ModelVersionError, ClassifierError)


def test_load_refuses_a_model_saved_before_pipeline_versions_were_recorded(saved_model, tmp_path):
    _tamper(saved_model, tmp_path, lambda metadata: metadata["versions"].pop("pipeline"))
    with pytest.raises(ModelVersionError, match=f"pipeline None \\(running {PIPELINE_VERSION}\\).*ensure-default"):
        TrainedModel.load(tmp_path)


def test_load_refuses_a_model_file_that_does_not_match_its_metadata(saved_model, tmp_path):
    _tamper(saved_model, tmp_path, lambda metadata: metadata.update(model_sha256="0" * 64))
    with pytest.raises(ClassifierError, match="hash"):
        TrainedModel.load(tmp_path)


def test_load_of_an_empty_directory_says_no_model(tmp_path):
    with pytest.raises(ClassifierError, match="no readable model"):
        TrainedModel.load(tmp_path)


def test_predict_top_is_sorted_and_its_probabilities_sum_to_one(model):
    for ranked in model.predict_top(NEW_TEXTS, k=len(model.labels)):
        probabilities = [p for _, p in ranked]
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) == pytest.approx(1)
        assert sorted(label for label, _ in ranked) == model.labels
    top3 = model.predict_top(NEW_TEXTS)
    assert [len(ranked) for ranked in top3] == [3] * len(NEW_TEXTS)
    assert [ranked[0][0] for ranked in top3] == model.predict(NEW_TEXTS)


def test_model_routes_new_texts_to_the_right_labels(model):
    assert model.predict(NEW_TEXTS) == ["物业管理", "噪音扰民", "欠薪", "公共交通", "住房公积金"]


def test_predict_refuses_a_lone_string(model):
    with pytest.raises(TypeError, match="list"):
        model.predict_top("物业乱收费")
