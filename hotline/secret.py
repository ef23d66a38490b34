"""The embedded default's signing key: random, made on first run, kept in the instance folder."""
import os
import secrets
import tempfile
from pathlib import Path

FILE_NAME = "secret_key"


def instance_secret(instance_dir):
    """The key in `instance_dir/secret_key`, created on first use. Web workers and the scheduler
    start together: the key is written to a private temporary file and linked into place, so
    every process reads the same complete key whichever of them creates it."""
    path = Path(instance_dir) / FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-")  # mode 0600
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first; use theirs
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it to have a new one made")
    return key
