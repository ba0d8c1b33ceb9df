"""CryptoDesk's container image, built and started the way these machines allow.

`podman run` cannot start a container here (no usable OCI runtime), so the image is mounted
and its entrypoint started with chroot, as the image's user, on the host's network, with the
image's own environment, working directory and command taken from its configuration. Its
volumes are writable directories bind-mounted over the read-only image, as a container engine
would provide them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.runtime.server import REPO

BUILD_SCRIPT = REPO / "deploy" / "build-image.sh"
TAG = "localhost/cryptodesk:test"


def missing_prerequisite() -> str | None:
    """Why the image cannot be built and started here, or None."""
    for tool in ("podman", "debootstrap", "chroot", "unshare", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install podman debootstrap; .ci/run does)"
    if os.geteuid() != 0:
        return "building and mounting the image needs root (debootstrap, podman image mount)"
    return None


@dataclass(frozen=True)
class Image:
    id: str
    config: dict[str, Any]  # the Docker config: Env, User, Entrypoint, Cmd, Volumes, ...
    healthcheck: list[str]  # ["CMD", argv...] (Podman reports it beside the config)

    @property
    def env(self) -> dict[str, str]:
        return dict(item.split("=", 1) for item in self.config["Env"])

    @property
    def user(self) -> str:
        return str(self.config["User"])

    @property
    def command(self) -> list[str]:
        return [*self.config["Entrypoint"], *self.config["Cmd"]]

    @property
    def volumes(self) -> list[str]:
        return sorted(self.config.get("Volumes") or {})


def build(log_path: Path) -> Image:
    """Builds the image with deploy/build-image.sh (its output goes to `log_path`)."""
    with log_path.open("w") as log:
        # A session of its own: if the test is stopped, debootstrap and podman stop with it.
        script = subprocess.Popen(
            [str(BUILD_SCRIPT), TAG],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, _ = script.communicate(timeout=1800)
        except BaseException:
            os.killpg(script.pid, signal.SIGTERM)
            script.wait(60)
            raise
    if script.returncode != 0:
        tail = log_path.read_text(errors="replace")[-4000:]
        raise AssertionError(f"the image build failed ({script.returncode}):\n{tail}")
    image_id = stdout.strip().splitlines()[-1]
    inspected = subprocess.run(
        ["podman", "image", "inspect", image_id], capture_output=True, text=True, check=True
    )
    found = json.loads(inspected.stdout)[0]
    return Image(image_id, found["Config"], found.get("Healthcheck", {}).get("Test", []))


@dataclass(frozen=True)
class Mounted:
    """The image's root file system (read-only), and what each command started in it gets
    bind-mounted: directory in the image -> directory here (its volumes, a fresh /tmp)."""

    root: Path
    image: Image
    binds: dict[str, Path]

    def command(self, argv: list[str], env: dict[str, str]) -> list[str]:
        """The command line that runs `argv` inside the image as its user, with only the
        image's environment plus `env` (and HOME, which engines set from the user's passwd
        entry), from its working directory.

        The binds are made in a mount namespace of the command's own: other tests that mount
        the same image (the same layers) see none of them, and they vanish with the command.
        """
        home = {"HOME": _home(self.root, self.image.user.partition(":")[0])}
        variables = [f"{k}={v}" for k, v in {**home, **self.image.env, **env}.items()]
        pairs = [
            str(path)
            for target, source in self.binds.items()
            for path in (source, self.root / target.lstrip("/"))
        ]
        chroot = [
            "chroot",
            f"--userspec={self.image.user}",
            str(self.root),
            "/usr/bin/env",
            "-i",
            "-C",
            self.image.config.get("WorkingDir") or "/",
            *variables,
            *argv,
        ]
        return [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            _BIND_THEN_EXEC,
            "sh",
            *pairs,
            "--",
            *chroot,
        ]


_BIND_THEN_EXEC = """set -e
while [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done
shift
exec "$@"
"""


@contextmanager
def mounted(image: Image, volumes: dict[str, Path]) -> Iterator[Mounted]:
    """The image mounted (Podman counts mounts: another test's stays), with `volumes` and a
    fresh /tmp to bind into the commands started in it."""
    root = Path(_podman("image", "mount", image.id))
    try:
        with _scratch() as tmp:
            yield Mounted(root, image, {**volumes, "/tmp": Path(tmp)})
    finally:
        _podman("image", "unmount", image.id)


@contextmanager
def _scratch() -> Iterator[str]:
    path = Path(tempfile.mkdtemp(prefix="cryptodesk-image-tmp-"))
    path.chmod(0o1777)
    try:
        yield str(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _podman(*args: str) -> str:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _home(root: Path, uid: str) -> str:
    for line in (root / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[2] == uid or fields[0] == uid:
            return fields[5]
    raise AssertionError(f"the image has no passwd entry for its user {uid}")


def owned_by_image_user(image: Image, path: Path) -> Path:
    uid, _, gid = image.user.partition(":")
    os.chown(path, int(uid), int(gid or uid))
    return path
