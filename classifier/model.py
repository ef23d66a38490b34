"""A fitted pipeline with its metadata: saving, version-checked loading and prediction."""

import hashlib
import json
import platform
from dataclasses import dataclass, field, fields
from importlib.metadata import version
from pathlib import Path

import joblib
import numpy as np
import sklearn

from classifier.errors import ClassifierError, ModelVersionError
from classifier.pipeline import PIPELINE_VERSION

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


def library_versions():
    """Versions that must match for a pickled pipeline to behave as it did when trained: the
    libraries' and our pipeline's own (PIPELINE_VERSION)."""
    # Pickles survive Python patch releases, so only major.minor is compared.
    python = ".".join(platform.python_version_tuple()[:2])
    libraries = {name: version(name) for name in ("scikit-learn", "numpy", "scipy", "jieba", "rjieba", "joblib")}
    return {"python": python} | libraries | {"pipeline": PIPELINE_VERSION}


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass
class TrainedModel:
    """A fitted text-to-label pipeline and what is known about how it was made."""

    pipeline: object
    labels: list
    options: dict
    n_samples: int
    data_sha256: str
    training_seconds: float
    created_at: str
    metrics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=library_versions)

    @property
    def metadata(self):
        """Everything but the pipeline, as written to metadata.json."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "pipeline"}

    def save(self, directory):
        """Write model.joblib and metadata.json (with the model file's hash) into directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, directory / MODEL_FILE)
        metadata = self.metadata | {"model_sha256": _sha256(directory / MODEL_FILE)}
        (directory / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory):
        """Load a saved model; only load directories you trust, as joblib files can run code."""
        directory = Path(directory)
        names = [f.name for f in fields(cls) if f.name != "pipeline"]
        try:
            stored = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
            metadata, expected_hash = {name: stored[name] for name in names}, stored["model_sha256"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ClassifierError(f"{directory} holds no readable model metadata: {error!r}") from error
        mismatches = [f"{name} {metadata['versions'].get(name)} (running {running})"
                      for name, running in library_versions().items() if metadata["versions"].get(name) != running]
        if mismatches:
            raise ModelVersionError(
                f"model in {directory} was made with other library or pipeline versions: {', '.join(mismatches)}; "
                "retrain it with the running versions (flask --app wsgi model ensure-default retrains the default)"
            )
        model_path = directory / MODEL_FILE
        try:
            if _sha256(model_path) != expected_hash:
                raise ClassifierError(f"{model_path} does not match the hash in {METADATA_FILE}")
            pipeline = joblib.load(model_path)
        except OSError as error:
            raise ClassifierError(f"cannot read {model_path}: {error}") from error
        return cls(pipeline=pipeline, **metadata)

    def predict(self, texts):
        """Return the most probable label of each text."""
        return self.pipeline.predict(_as_list(texts)).tolist()

    def predict_top(self, texts, k=3):
        """Return, for each text, its k most probable (label, probability) pairs, best first."""
        # Input checks meant for user-supplied arrays cost more than the arithmetic for one text;
        # the pipeline makes its own finite matrices from strings.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            probabilities = self.pipeline.predict_proba(_as_list(texts))
        classes = self.pipeline.classes_
        best = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [[(str(classes[j]), float(row[j])) for j in order]
                for row, order in zip(probabilities, best, strict=True)]


def _as_list(texts):
    # A lone string would otherwise be read as a sequence of one-character texts.
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not a single string")
    return list(texts)
