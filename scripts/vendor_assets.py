"""Checks, and re-fetches from npm, the front-end files vendored under hotline/static/vendor/."""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent.parent / "hotline" / "static" / "vendor"
MANIFEST = "manifest.json"
NPM_TIMEOUT = 600  # echarts alone is a 12 MB tarball


def load_manifest(vendor_dir):
    return json.loads((Path(vendor_dir) / MANIFEST).read_text(encoding="utf-8"))


def save_manifest(vendor_dir, manifest):
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(Path(vendor_dir) / MANIFEST, text.encode("utf-8"))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data):
    # The form npm prints as `integrity`, so a tarball can be compared with it byte for byte.
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def entries(manifest):
    for package in manifest["packages"]:
        for entry in package["files"]:
            yield package, entry


def dest_problem(dest):
    # A manifest is edited by hand; a path that climbs out would let --fetch write anywhere.
    path = Path(dest)
    if path.is_absolute() or ".." in path.parts or dest == MANIFEST:
        return f"manifest: bad destination path {dest!r}"
    return None


def file_problem(vendor_dir, entry):
    path = Path(vendor_dir) / entry["dest"]
    if not path.is_file():
        return f"missing: {entry['dest']}"
    found = sha256(path.read_bytes())
    if found != entry["sha256"]:
        return f"sha256 mismatch: {entry['dest']} (manifest {entry['sha256']}, file {found})"
    return None


def listed_problems(vendor_dir, manifest):
    problems, seen = [], set()
    for _, entry in entries(manifest):
        dest = entry["dest"]
        problem = dest_problem(dest)
        if problem is None and dest in seen:
            problem = f"manifest: {dest} listed twice"
        seen.add(dest)
        problems.append(problem or file_problem(vendor_dir, entry))
    return [p for p in problems if p]


def unlisted_problems(vendor_dir, manifest):
    # Anything not in the manifest is served to browsers unchecked, so it is an error too.
    listed = {Path(entry["dest"]).as_posix() for _, entry in entries(manifest)} | {MANIFEST}
    problems = []
    for root, _, names in os.walk(vendor_dir):
        for name in names:
            rel = (Path(root) / name).relative_to(vendor_dir).as_posix()
            if rel not in listed:
                problems.append(f"not in manifest: {rel}")
    return sorted(problems)


def check(vendor_dir=VENDOR_DIR):
    """Problems of the vendored files against the manifest, offline; empty when all is well."""
    vendor_dir = Path(vendor_dir)
    try:
        manifest = load_manifest(vendor_dir)
    except (OSError, ValueError) as exc:
        return [f"manifest: cannot read {vendor_dir / MANIFEST}: {exc}"]
    try:
        return listed_problems(vendor_dir, manifest) + unlisted_problems(vendor_dir, manifest)
    except (KeyError, TypeError) as exc:
        return [f"manifest: malformed ({type(exc).__name__}: {exc})"]


def npm_pack(spec, workdir):
    # The npm client, not a URL: it uses whatever registry (or mirror) this machine is set up for.
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    run = subprocess.run(
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"npm pack {spec} failed: {run.stderr.strip()[-2000:]}")
    report = json.loads(run.stdout)[0]
    return Path(workdir) / Path(report["filename"]).name, report["integrity"]


def tarball_files(tarball, wanted):
    # npm tarballs put everything under one top folder (usually package/); paths in the
    # manifest are relative to it, as npm itself reports them.
    found = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            inner = member.name.split("/", 1)[-1]
            if member.isfile() and inner in wanted:
                found[inner] = tar.extractfile(member).read()
    return found


def fetch_package(package, workdir, update):
    """(problems, {dest: bytes}) for one package; files are only returned when they verify."""
    spec = f"{package['name']}@{package['version']}"
    tarball, reported = npm_pack(spec, workdir)
    actual = sri_sha512(tarball.read_bytes())
    if reported != actual:
        return [f"{spec}: npm reports integrity {reported} but the tarball is {actual}"], {}
    if update:
        package["integrity"] = actual
    elif actual != package["integrity"]:
        return [f"{spec}: tarball integrity {actual}, manifest {package['integrity']}"], {}
    return extract_verified(spec, package, tarball, update)


def extract_verified(spec, package, tarball, update):
    from_tarball = [e for e in package["files"] if "src" in e]
    contents = tarball_files(tarball, {e["src"] for e in from_tarball})
    problems, out = [], {}
    for entry in from_tarball:
        data = contents.get(entry["src"])
        if data is None:
            problems.append(f"{spec}: no {entry['src']} in the tarball")
            continue
        digest = sha256(data)
        if update:
            entry["sha256"] = digest
        elif digest != entry["sha256"]:
            problems.append(f"{spec}: {entry['src']} sha256 {digest}, manifest {entry['sha256']}")
            continue
        out[entry["dest"]] = data
    return problems, out


def write_atomically(path, data):
    # A half-written file in static/ would be served as is; replace it in one step instead.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def fetch(vendor_dir=VENDOR_DIR, update=False):
    """Re-download every package, verify it, write its files; returns the problems."""
    vendor_dir = Path(vendor_dir)
    manifest = load_manifest(vendor_dir)
    bad = [p for p in (dest_problem(e["dest"]) for _, e in entries(manifest)) if p]
    if bad:
        return bad
    problems, files = [], {}
    with tempfile.TemporaryDirectory(prefix="vendor-assets-") as workdir:
        for package in manifest["packages"]:
            found, out = fetch_package(package, workdir, update)
            problems += found
            files.update(out)
    if problems:
        return problems  # nothing written: all packages verify, or none is touched
    for dest, data in files.items():
        write_atomically(vendor_dir / dest, data)
    if update:
        save_manifest(vendor_dir, manifest)
    return check(vendor_dir)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="verify the files offline")
    mode.add_argument("--fetch", action="store_true", help="re-download with npm, verify, write")
    parser.add_argument("--update", action="store_true",
                        help="with --fetch: rewrite the manifest's integrity and sha256 values")
    parser.add_argument("--vendor-dir", type=Path, default=VENDOR_DIR)
    args = parser.parse_args(argv)
    if args.update and not args.fetch:
        parser.error("--update goes with --fetch")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        problems = fetch(args.vendor_dir, args.update) if args.fetch else check(args.vendor_dir)
    except (OSError, ValueError, KeyError, RuntimeError, subprocess.TimeoutExpired) as exc:
        problems = [f"{type(exc).__name__}: {exc}"]
    for problem in problems:
        print(f"vendor_assets: {problem}", file=sys.stderr)
    if problems:
        return 1
    count = sum(1 for _ in entries(load_manifest(args.vendor_dir)))
    print(f"vendor_assets: {count} files match {args.vendor_dir / MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
