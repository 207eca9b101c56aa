"""A test-only app: one model with every kind of encrypted field, installed only by `config.settings.test`."""
