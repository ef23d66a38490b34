"""Ticket text intelligence: tokenizer, routing classifier, model artifacts and urgency flags."""

from classifier.errors import ClassifierError, DataError, ModelVersionError

__all__ = ["ClassifierError", "DataError", "ModelVersionError"]
