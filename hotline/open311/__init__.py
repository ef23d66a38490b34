"""Open311 GeoReport v2 (SPEC §8): civic apps list services, file requests with an API key and track them."""
