"""Signed updates of the trust store and revocation lists, applied only when good.

An update is a COSE_Sign1 (Ed25519) over CBOR {"seq": int, "files": {relative path: bytes or None}},
signed by the site's update key, whose public half sits in the trust root as `update-key.pem`
(installed with the kiosk, never by an update). Files overlay the current generation (None deletes
one), so a revocation-only update carries just `revoked.json`. A folder name with a slash and None
(`"dcc/": None`) empties that folder first, so an imported signer list replaces the old one whole
and a signer dropped from the list is dropped from the gates.

    <root>/update-key.pem
    <root>/generations/<seq>/     one complete trust directory per applied update
    <root>/current -> generations/<seq>

An update is applied only if its signature verifies, its sequence number is higher than the
current one (no rollback), its paths stay inside the layout, and the resulting directory loads as
a trust store. Otherwise nothing changes and the gate keeps using the last good generation.

One update at a time per trust root, across processes (`update.lock`, flock): the CLI, the
operator page and the running service may all apply one, and two interleaved could each pass the
sequence check and the older one be switched to last. A second one meanwhile is refused (`busy`).
A `current` link that points nowhere refuses every update: its sequence number is unknown, and
taking it for 0 would accept any old update again.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import cbor2
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.cose import check_signature, loads_cbor, parse_sign1, sign1
from kiosk.credentials.key_roles import ed25519_public_key
from kiosk.credentials.signers import ed25519_kid
from kiosk.credentials.trust import TrustStore, TrustStoreError
from kiosk.credentials.verdict import Rejected

logger = logging.getLogger(__name__)

UPDATE_KEY_FILE = "update-key.pem"
ALLOWED_TOP_LEVEL = {"dcc", "shc", "kiosk", "revoked.json"}
LOCK_FILE = "update.lock"
MAX_SEQUENCE = 2**63 - 1  # a 64-bit signed integer, as other tools read it; more is refused, not stored


@dataclass(frozen=True)
class UpdateOutcome:
    applied: bool
    sequence: int | None
    reason: str
    message: str


def sign_update(files: dict[str, bytes | None], sequence: int, key: ed25519.Ed25519PrivateKey) -> bytes:
    """The signed update file a site publishes (for its tooling and for tests)."""
    payload = cbor2.dumps({"seq": sequence, "files": files})
    return sign1(payload, key, ed25519_kid(key.public_key()))


def current_sequence(root: Path) -> int | None:
    """Sequence number of the generation in use; 0 when no update was ever applied; None when `current`
    exists and leads to no generation (dangling, looping, a plain file, or a folder not named by number)."""
    current = root / "current"
    if not current.is_symlink() and not current.exists():
        return 0
    try:
        target = current.resolve()
    except RuntimeError:  # a link that leads back to itself
        return None
    return int(target.name) if current.is_dir() and target.name.isdigit() else None


def apply_update(root: Path, update: bytes) -> UpdateOutcome:
    """Verify and apply one update file to the trust root; a refused update changes nothing."""
    try:
        sequence, files = _verified_content(root, update)
    except Rejected as rejected:
        logger.warning("trust update refused: %s", rejected.reason)
        return UpdateOutcome(False, None, rejected.reason, rejected.message)
    with _update_lock(root) as held:
        if not held:
            return UpdateOutcome(False, sequence, "busy", f"Update {sequence} was refused: another update is being applied to '{root}'; try again.")
        in_use = current_sequence(root)
        if in_use is None:
            return UpdateOutcome(False, sequence, "no-current", f"Update {sequence} was refused: '{root / 'current'}' points to no generation; restore it by hand.")
        if sequence <= in_use:
            return UpdateOutcome(False, sequence, "not-newer", f"Update {sequence} is not newer than {in_use}.")
        return _switch_to(root, sequence, files)


def _switch_to(root: Path, sequence: int, files: dict[str, bytes | None]) -> UpdateOutcome:
    staging = root / "generations" / f"{sequence:08d}.staging"
    try:
        _stage(staging, root, files)
        TrustStore.load(staging)
    except (TrustStoreError, OSError, ValueError) as err:  # ValueError: a path the file system cannot hold (NUL)
        shutil.rmtree(staging, ignore_errors=True)
        return UpdateOutcome(False, sequence, "bad-content", f"Update {sequence} was refused: {err}")
    generation = staging.with_name(f"{sequence:08d}")
    shutil.rmtree(generation, ignore_errors=True)  # left by a crash before the switch below: never in use
    staging.rename(generation)
    link = root / "current.new"
    link.unlink(missing_ok=True)
    link.symlink_to(Path("generations") / generation.name)
    os.replace(link, root / "current")
    _prune(root, keep=2)
    logger.info("trust update %d applied", sequence)
    return UpdateOutcome(True, sequence, "applied", f"Update {sequence} is now in use.")


@contextmanager
def _update_lock(root: Path) -> Iterator[bool]:
    """Hold `root/update.lock` exclusively; yields False, holding nothing, when someone else does."""
    with (root / LOCK_FILE).open("a") as file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _stage(staging: Path, root: Path, files: dict[str, bytes | None]) -> None:
    """A new generation directory: the current trust files with the update's files laid over them."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    base = root / "current" if (root / "current").is_dir() else root
    for name in ALLOWED_TOP_LEVEL:
        source = base / name
        if source.is_dir():
            shutil.copytree(source, staging / name)
        elif source.is_file():
            shutil.copy2(source, staging / name)
    for relative in files:
        if is_folder_clear(relative, files[relative]):
            shutil.rmtree(staging / relative.rstrip("/"), ignore_errors=True)
    for relative, data in files.items():
        if is_folder_clear(relative, data):
            continue
        target = staging / relative
        if data is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _prune(root: Path, keep: int) -> None:
    """Remove all but the newest `keep` generations (the current one and the last good one before it).

    Newest by number, not by name: `100000000` sorts before `99999999` as text. Staging folders
    left by a crash go too (this runs under the update lock, so none is being written).
    """
    generations = sorted((p for p in (root / "generations").iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for old in generations[:-keep]:
        shutil.rmtree(old)
    for leftover in (root / "generations").glob("*.staging"):
        shutil.rmtree(leftover, ignore_errors=True)


def _verified_content(root: Path, update: bytes) -> tuple[int, dict[str, bytes | None]]:
    key = _update_key(root)
    message = parse_sign1(update)
    if message.kid != ed25519_kid(key):
        raise Rejected("signature", "unknown-signer", "The update was not signed by this site's update key.")
    check_signature(message, key)
    content = loads_cbor(message.payload, "update content")
    sequence = content.get("seq") if isinstance(content, dict) else None
    files = content.get("files") if isinstance(content, dict) else None
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 1 <= sequence <= MAX_SEQUENCE or not isinstance(files, dict):
        raise Rejected("structure", "bad-update", f"The update has no sequence number from 1 to {MAX_SEQUENCE} or no files.")
    for relative, data in files.items():
        if isinstance(relative, str) and is_folder_clear(relative, data):
            continue
        if not (isinstance(relative, str) and inside_layout(relative) and (data is None or isinstance(data, bytes))):
            raise Rejected("structure", "bad-path", f"The update names a file outside the trust layout: {str(relative)[:60]!r}.")
    return sequence, files


def is_folder_clear(relative: str, data: bytes | None) -> bool:
    """`"dcc/": None` (likewise shc/, kiosk/): empty that folder before the update's files go in."""
    return data is None and relative.endswith("/") and relative[:-1] in ALLOWED_TOP_LEVEL - {"revoked.json"}


def inside_layout(relative: str) -> bool:
    path = PurePosixPath(relative)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and bool(path.parts)
        and path.parts[0] in ALLOWED_TOP_LEVEL
        and (len(path.parts) > 1) == (path.parts[0] != "revoked.json")
    )


def _update_key(root: Path) -> ed25519.Ed25519PublicKey:
    path = root / UPDATE_KEY_FILE
    try:
        return ed25519_public_key(path.read_bytes())
    except (OSError, ValueError) as err:
        raise TrustStoreError(f"update key '{path}': {err} (expected the site's PEM Ed25519 update key)") from err
