"""Exceptions raised by the classifier package."""


class ClassifierError(Exception):
    """Base class of every error the classifier package raises on purpose."""


class DataError(ClassifierError):
    """Training or evaluation data is missing, unreadable or malformed."""


class ModelVersionError(ClassifierError):
    """A saved model was made with library versions other than the running ones."""
