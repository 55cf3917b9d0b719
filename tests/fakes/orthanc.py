"""Not a fake: a real Orthanc (Debian's `orthanc` and `orthanc-dicomweb`) for tests and the
benchmark, on free loopback ports, its database and config in a temporary folder, loaded with
instances through its REST API and stopped by its process id."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

BINARY = "Orthanc"
PLUGIN_DIRS = (Path("/usr/share/orthanc/plugins"), Path("/usr/lib/orthanc"))
AET = "ORTHANC"
OUR_AET = "CMRSEARCH"


def dicomweb_plugin() -> Path | None:
    for folder in PLUGIN_DIRS:
        for path in sorted(folder.glob("libOrthancDicomWeb.so*")) if folder.is_dir() else []:
            return path
    return None


def missing() -> str | None:
    """Why Orthanc cannot run here (None when it can)."""
    if shutil.which(BINARY) is None:
        return "Orthanc is not installed (make test installs Debian's orthanc)"
    if dicomweb_plugin() is None:
        return "the DICOMweb plugin is not installed (Debian's orthanc-dicomweb)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Orthanc:
    """One Orthanc process; `store_port` is our storage SCP's port, known to it for C-MOVE."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.http_port, self.dicom_port, self.store_port = free_port(), free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb(self) -> str:
        """The address `cmr-search index` takes."""
        return f"dicomweb+{self.url}/dicom-web"

    @property
    def dimse(self) -> str:
        return f"dimse://{AET}@127.0.0.1:{self.dicom_port}"

    def _config(self) -> Path:
        config = {
            "Name": "cmr-search-test", "StorageDirectory": str(self.folder / "db"),
            "IndexDirectory": str(self.folder / "db"), "HttpPort": self.http_port,
            "DicomPort": self.dicom_port, "DicomAet": AET, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "Plugins": [str(dicomweb_plugin())],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "Host": "127.0.0.1",
                         "Ssl": False},
            "DicomModalities": {"cmrsearch": {
                "AET": OUR_AET, "Host": "127.0.0.1", "Port": self.store_port,
                "AllowEcho": True, "AllowFind": True, "AllowGet": True, "AllowMove": True,
                "AllowStore": False}},
            "StableAge": 1, "SaveJobs": False, "HttpThreadsCount": 8, "ConcurrentJobs": 2,
        }
        path = self.folder / "orthanc.json"
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")
        return path

    def start(self, timeout_s: float = 30.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "orthanc.log").open("ab")
        env = {**os.environ, "DCMDICTPATH": os.environ.get(
            "DCMDICTPATH", "/usr/share/libdcmtk17/dicom.dic")}
        self.process = subprocess.Popen([BINARY, str(self._config())], stdout=log, stderr=log,
                                        env=env, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited ({self.process.returncode}); see "
                                   f"{self.folder / 'orthanc.log'}")
            try:
                if self.http.get("/system").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Orthanc did not answer in {timeout_s} s")

    def stop(self) -> None:
        """SIGTERM by process id, SIGKILL if it does not go; the data stays for a restart."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def upload(self, files: list[Path]) -> int:
        """POST /instances, one file each; how many Orthanc accepted."""
        stored = 0
        for path in files:
            self._post_instance(path.read_bytes())
            stored += 1
        return stored

    def _post_instance(self, body: bytes) -> None:
        # Orthanc may close a kept-alive connection just as the next request goes out (seen
        # once in 570 uploads on a loaded machine); storing an instance twice is harmless
        # (Orthanc answers AlreadyStored and logs no second NewInstance), so try once more
        try:
            answer = self.http.post("/instances", content=body)
        except (httpx.RemoteProtocolError, httpx.ConnectError, httpx.ReadError):
            answer = self.http.post("/instances", content=body)
        answer.raise_for_status()

    def delete_instance(self, sop_instance_uid: str) -> None:
        found = self.http.post("/tools/lookup", content=sop_instance_uid).json()
        for item in found:
            if item["Type"] == "Instance":
                self.http.delete(item["Path"]).raise_for_status()

    def statistics(self) -> dict[str, int]:
        stats = self.http.get("/statistics").json()
        return {"studies": stats["CountStudies"], "instances": stats["CountInstances"]}

    def changes(self) -> list[str]:
        """Kinds of change Orthanc recorded (a write by us would show up here)."""
        answer = self.http.get("/changes", params={"limit": 100000}).json()
        return [c["ChangeType"] for c in answer["Changes"]]

    def close(self) -> None:
        self.stop()
        self.http.close()


def dicom_files(study_folder: Path) -> list[Path]:
    """The DICOM files of one synthetic study folder (reports and indexes left out)."""
    return sorted(p for p in study_folder.rglob("*") if p.is_file()
                  and p.suffix.lower() not in (".txt", ".json", ".jsonl", ".csv"))
