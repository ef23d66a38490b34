"""The 12345 hotline ticket service; the app is built by hotline.app.create_app()."""
