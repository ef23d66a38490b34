"""WSGI entry point: gunicorn serves `wsgi:app`, the CLI uses `flask --app wsgi`."""
from hotline.app import create_app

app = create_app()
