"""The Connect image recipe (templates/kafka/connect.Dockerfile) against the plugins the plan uses.

The recipe's RUN step is executed here with a local archive (curl reads file:// URLs), so the
download, SHA-512 check and unpacking are tested, not just read.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

from components.kafka._strimzi import KAFKA_VERSION, STRIMZI_CHART
from components.kafka._strimzi_connect import CONNECT_BASE_IMAGE, CONNECT_PLUGINS, PLUGIN_PATH, S3SinkSpec

DOCKERFILE = Path(__file__).resolve().parents[3] / "templates" / "kafka" / "connect.Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(" ", 1)[0], line.split(" ", 1)[1]) for line in lines]


def test_base_image_is_strimzis_connect_image_for_the_pinned_versions() -> None:
    froms = [args for op, args in _instructions() if op == "FROM"]
    assert froms == [CONNECT_BASE_IMAGE], DOCKERFILE.name
    assert CONNECT_BASE_IMAGE == f"quay.io/strimzi/kafka:{STRIMZI_CHART.version}-kafka-{KAFKA_VERSION}"


def test_installs_exactly_the_plugins_the_code_uses() -> None:
    instructions = _instructions()
    args = {a for op, a in instructions if op == "ARG"}
    runs = " ".join(a for op, a in instructions if op == "RUN")
    installed = set(re.findall(re.escape(PLUGIN_PATH) + r"([a-z0-9-]+)/", runs))
    assert installed == {p.name for p in CONNECT_PLUGINS}, f"{DOCKERFILE.name} installs {sorted(installed)}"
    for plugin in CONNECT_PLUGINS:
        assert {f"{plugin.build_arg}_URL", f"{plugin.build_arg}_SHA512"} <= args, plugin.name
        header = DOCKERFILE.read_text(encoding="utf-8")
        assert plugin.connector_class in header and plugin.releases in header, f"{plugin.name} is documented"
    # Every connector class the plan's KafkaConnectors name comes from one of those plugins.
    used = S3SinkSpec(topic="t.x", bucket="b", region="us-west-2", prefix="p/").spec()["class"]
    assert used in {p.connector_class for p in CONNECT_PLUGINS}
    assert [a for op, a in instructions if op == "USER"][-1] == "1001", "the image runs as Strimzi's non-root user"


def _archive(directory: Path) -> Path:
    """A plugin archive like a release's: one jar under a top directory."""
    archive = directory / "s3-sink.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(zipfile.ZipInfo("s3-sink-connector/lib/s3-sink.jar", (2026, 1, 1, 0, 0, 0)), b"jar bytes")
    return archive


def _run_step(directory: Path, archive: Path, sha512: str) -> subprocess.CompletedProcess[str]:
    """The s3-sink RUN step with the plugin path moved under ``directory`` and a file:// URL."""
    (run,) = [a for op, a in _instructions() if op == "RUN" and "s3-sink" in a]
    script = run.replace(PLUGIN_PATH, f"{directory / 'plugins'}/")
    env = {**os.environ, "S3_SINK_URL": archive.as_uri(), "S3_SINK_SHA512": sha512}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True, check=False)


def test_the_run_step_installs_a_matching_archive_and_refuses_a_tampered_one(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    good, bad = tmp_path / "good", tmp_path / "bad"
    result = _run_step(good, archive, hashlib.sha512(archive.read_bytes()).hexdigest())
    assert result.returncode == 0, result.stderr
    assert (good / "plugins" / "s3-sink" / "archive" / "s3-sink-connector" / "lib" / "s3-sink.jar").exists()
    assert not (good / "plugins" / "s3-sink" / "archive.zip").exists(), "the archive is removed"
    # Near miss: one changed hex digit of the checksum fails the step before anything is unpacked.
    digest = hashlib.sha512(archive.read_bytes()).hexdigest()
    result = _run_step(bad, archive, ("1" if digest[0] == "0" else "0") + digest[1:])
    assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr, "a wrong SHA-512 fails the build"
    assert not (bad / "plugins" / "s3-sink" / "archive" / "s3-sink-connector").exists(), "nothing unpacked"
