"""Event webhooks: admin-registered endpoints, an outbox written with each change, signed delivery with retries."""
