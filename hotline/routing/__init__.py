"""Routing intelligence in the app: model registry, dispatch catalogue and intake suggestions."""
