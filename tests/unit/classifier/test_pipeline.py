"""The scikit-learn pipeline and the text it reads."""

import numpy as np
import pytest

from classifier.pipeline import build_pipeline, compose_text, headline


def test_compose_text_joins_the_non_empty_fields():
    assert compose_text(" 物业乱收费 ", "物业费涨价", "城东区幸福小区") == "物业乱收费\n物业费涨价\n城东区幸福小区"
    assert compose_text(None, "物业费涨价", "  ") == "物业费涨价"


def test_build_pipeline_refuses_unknown_options():
    with pytest.raises(TypeError, match="gamma"):
        build_pipeline(gamma=2)


@pytest.mark.parametrize("features", [["bigram"], [], ["word", "pinyin"]])
def test_build_pipeline_refuses_unknown_feature_blocks(features):
    with pytest.raises(ValueError, match="features"):
        build_pipeline(features=features)


def test_headline_is_the_first_line_lower_cased():
    assert headline("KTV噪音扰民\n每晚十二点以后还在唱\n城东区") == "ktv噪音扰民"
    assert headline("只有内容") == "只有内容"


@pytest.mark.parametrize("features", [["word"], ["char"], ["headline"], ["word", "char", "headline"]])
def test_each_feature_set_learns_the_fixture(features, tickets):
    texts, labels = tickets
    pipeline = build_pipeline(features=features).fit(texts, labels)
    probabilities = pipeline.predict_proba(["小区物业乱收费，物业公司不管事", "老板拖欠工资不发"])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    assert list(pipeline.classes_[probabilities.argmax(axis=1)]) == ["物业管理", "欠薪"]


def test_without_calibration_the_pipeline_has_no_probabilities(tickets):
    pipeline = build_pipeline(calibration=None).fit(*tickets)
    assert not hasattr(pipeline, "predict_proba")
    assert pipeline.predict(["公积金怎么提取"])[0] == "住房公积金"
