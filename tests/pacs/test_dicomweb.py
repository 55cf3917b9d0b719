"""The DICOMweb client without a server: GET only, credentials from settings, TLS checked,
and the server's failures as one-line errors (transient ones retried by the caller)."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import requests
from pydicom import dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

from pacs.client import PacsError, TransientError
from pacs.dicomweb import DicomwebPacs, WebAuth

_BOUNDARY = b"cmr-search-test"
STUDY = {"0020000D": {"vr": "UI", "Value": ["1.2.3"]}, "00080050": {"vr": "SH", "Value": ["A1"]},
         "00080020": {"vr": "DA", "Value": ["20240101"]},
         "00201206": {"vr": "IS", "Value": [3]}, "00201208": {"vr": "IS", "Value": [42]}}


class FakeSession(requests.Session):
    """Answers GETs from a script; any other method fails the test."""

    def __init__(self, status: int = 200, body: Any = None,
                 error: Exception | None = None, parts: list[bytes] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.status, self.body, self.error, self.parts = status, body, error, parts
        self.answer_headers = headers or {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        raise AssertionError(f"{method!r}: the PACS is only ever read")

    def get(self, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        headers = {**self.headers, **(kwargs.get("headers") or {})}
        self.seen.append(("GET", str(url), {k: str(v) for k, v in headers.items()}))
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response.headers.update(self.answer_headers)
        if self.parts is None:
            response._content = json.dumps(self.body or []).encode()
            response.headers["Content-Type"] = "application/dicom+json"
        else:  # a WADO-RS answer: multipart/related, one DICOM instance per part
            response._content = b"".join(
                b"\r\n--" + _BOUNDARY + b"\r\nContent-Type: application/dicom\r\n\r\n" + part
                for part in self.parts) + b"\r\n--" + _BOUNDARY + b"--"
            response.headers["Content-Type"] = (
                f"multipart/related; type=\"application/dicom\"; boundary={_BOUNDARY.decode()}")
        response.url = str(url)
        for hook in self.hooks["response"]:
            hook(response)
        return response


def _client(session: FakeSession, auth: WebAuth | None = None,
            verify: bool = True) -> DicomwebPacs:
    return DicomwebPacs("https://pacs.test/dicom-web", auth or WebAuth(), verify, 5.0,
                        lambda: session)


def test_qido_lists_mr_studies_in_the_window_with_their_counts() -> None:
    from datetime import date

    session = FakeSession(body=[STUDY])
    client = _client(session, WebAuth(token="t0k"))
    studies = client.find_studies(date(2020, 1, 1), None, 100, 50)
    assert [(s.study_instance_uid, s.accession_number, s.series_count, s.instance_count)
            for s in studies] == [("1.2.3", "A1", 3, 42)]
    _, url, headers = session.seen[0]
    assert url.startswith("https://pacs.test/dicom-web/studies?")
    assert "ModalitiesInStudy=MR" in url and "StudyDate=20200101-" in url
    assert "limit=50" in url and "offset=100" in url
    assert headers["Authorization"] == "Bearer t0k" and session.verify is True
    assert client.bytes_received > 0 and client.location.startswith("dicomweb+https://")


def test_basic_auth_and_tls_settings_reach_the_session() -> None:
    session = FakeSession()
    _client(session, WebAuth(username="indexer", password="pw"), verify=False)
    assert session.auth == ("indexer", "pw") and session.verify is False
    other = FakeSession()
    DicomwebPacs("https://pacs.test/dicom-web", WebAuth(), Path("/etc/ca.pem"), 5.0,
                 lambda: other)
    assert other.verify == "/etc/ca.pem"


@pytest.mark.parametrize(("status", "kind", "message"), [
    (503, TransientError, "QIDO-RS studies: HTTP 503"),
    (429, TransientError, "HTTP 429"),
    (401, PacsError, "refused our credentials"),
    (404, PacsError, "HTTP 404"),
])
def test_server_failures_are_one_line(status: int, kind: type[Exception],
                                      message: str) -> None:
    with pytest.raises(kind, match=message) as error:
        _client(FakeSession(status=status)).find_studies(None, None, 0, 10)
    assert "\n" not in str(error.value)
    assert kind is TransientError or not isinstance(error.value, TransientError)


@pytest.mark.parametrize("error", [requests.ConnectTimeout("slow"),
                                   requests.ConnectionError("refused")])
def test_timeouts_and_refusals_are_transient(error: Exception) -> None:
    with pytest.raises(TransientError, match="QIDO-RS series"):
        _client(FakeSession(error=error)).find_series("1.2.3")


def _no_such_name(code: int) -> Any:
    """A resolver answering every look-up with `code` (the test needs no DNS of its own)."""
    import socket

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(code, f"{host}: resolver says {code}")
    return getaddrinfo


def test_a_host_that_does_not_resolve_fails_at_once_naming_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """nosuchhost.invalid was tried 5 times over 30 s, then said only "ConnectionError"."""
    import socket

    from pacs.polite import Manners, Polite

    monkeypatch.setattr(socket, "getaddrinfo", _no_such_name(socket.EAI_NONAME))
    pacs = DicomwebPacs("http://nosuchhost.invalid/dicom-web", timeout_s=5.0)
    polite = Polite(Manners(rate_limit=0, retries=3, backoff_s=0), sleep=lambda _: None)
    with pytest.raises(PacsError) as error:
        polite.call("query studies", lambda: pacs.find_studies(None, None, 0, 10))
    assert not isinstance(error.value, TransientError) and polite.requests == 1
    assert str(error.value).startswith(
        "QIDO-RS studies: the host name 'nosuchhost.invalid' does not resolve")
    # a resolver that could not answer now (its DNS server down) may answer later: retried
    monkeypatch.setattr(socket, "getaddrinfo", _no_such_name(socket.EAI_AGAIN))
    with pytest.raises(TransientError, match="could not be looked up now"):
        pacs.find_studies(None, None, 0, 10)


def test_a_refused_connection_is_retried_and_names_where() -> None:
    from fakes.orthanc import free_port

    port = free_port()  # nothing listens there: the connection is refused
    pacs = DicomwebPacs(f"http://127.0.0.1:{port}/dicom-web", timeout_s=5.0)
    with pytest.raises(TransientError) as error:
        pacs.find_series("1.2.3")
    assert str(error.value) == f"QIDO-RS series: connection refused at 127.0.0.1:{port}"


def test_an_untrusted_certificate_says_which_setting() -> None:
    session = FakeSession(error=requests.exceptions.SSLError("bad cert"))
    with pytest.raises(PacsError, match="CMR_SEARCH_PACS_CA_BUNDLE"):
        _client(session).find_studies(None, None, 0, 10)


def _instance(sop_instance_uid: str) -> bytes:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = sop_instance_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = MRImageStorage, sop_instance_uid, "MR"
    ds.Rows = ds.Columns = 16
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 16, 12, 11
    ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
    ds.PixelData = bytes(range(256)) * 2
    out = BytesIO()
    dcmwrite(out, ds, enforce_file_format=True)
    return out.getvalue()


def test_a_series_is_written_one_file_per_instance(tmp_path: Path) -> None:
    session = FakeSession(parts=[_instance("1.2.3.4.1"), _instance("1.2.3.4.2")])
    received = _client(session).fetch_series("1.2.3", "1.2.3.4", tmp_path / "series")
    assert sorted(p.name for p in (tmp_path / "series").iterdir()) == [
        "1.2.3.4.1.dcm", "1.2.3.4.2.dcm"]
    assert received > 0 and "/studies/1.2.3/series/1.2.3.4" in session.seen[0][1]


@pytest.mark.parametrize(("cut", "says"), [
    (b"", "not DICOM"),  # an empty part
    (_instance("1.2.3.4.2")[:300], "part 2 of 2 is cut short"),  # in the header
    (_instance("1.2.3.4.2")[:-100], "part 2 of 2 is cut short"),  # in the pixel data
    (_instance("1.2.3.4.2")[:-520], "part 2 of 2 is cut short"),  # before the pixel data
], ids=["empty", "header", "pixels", "no pixels"])
def test_a_transfer_cut_mid_series_is_transient_and_writes_nothing(
        tmp_path: Path, cut: bytes, says: str) -> None:
    # Orthanc going down mid-answer ended one part early (seen in the Orthanc test)
    session = FakeSession(parts=[_instance("1.2.3.4.1"), cut])
    with pytest.raises(TransientError, match=rf"^WADO-RS series: .*{says}") as error:
        _client(session).fetch_series("1.2.3", "1.2.3.4", tmp_path / "series")
    assert "\n" not in str(error.value)
    assert not (tmp_path / "series").exists()


def test_a_stream_that_breaks_off_is_transient(tmp_path: Path) -> None:
    session = FakeSession(error=requests.exceptions.ChunkedEncodingError("IncompleteRead"))
    with pytest.raises(TransientError, match="transfer broke off"):
        _client(session).fetch_series("1.2.3", "1.2.3.4", tmp_path / "series")


def test_our_tls_setting_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """With REQUESTS_CA_BUNDLE set (many hosts set it), _CA_BUNDLE and _VERIFY_TLS=false
    were silently ignored: dicomweb-client passes no `verify`, and requests took the
    environment's."""
    from pacs.dicomweb import _Session

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "system.pem"))
    ours = str(tmp_path / "hospital.pem")
    for verify in (False, ours):
        session = _Session()
        session.verify = verify
        merged = session.merge_environment_settings("https://pacs.test", {}, None, None, None)
        assert merged["verify"] == verify
    plain = _Session().merge_environment_settings("https://pacs.test", {}, None, None, None)
    assert plain["verify"] == str(tmp_path / "system.pem")  # no setting of ours: the host's


@pytest.mark.parametrize(("header", "wait"), [
    ("30", 30.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date already past: at once (our backoff)
    ("soon", None),  # unreadable: our own backoff
])
def test_a_busy_server_says_how_long_to_wait(header: str, wait: float | None) -> None:
    session = FakeSession(status=429, headers={"Retry-After": header})
    with pytest.raises(TransientError, match="QIDO-RS studies: HTTP 429") as error:
        _client(session).find_studies(None, None, 0, 10)
    assert error.value.retry_after_s == wait
    assert ("asks to wait" in str(error.value)) is (wait is not None)


@pytest.fixture
def trickling_server() -> Any:
    """A local HTTP server that sends its JSON answer one byte every 50 ms."""
    import http.server
    import threading
    import time

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps([STUDY]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client gave up

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web"
    server.shutdown()
    server.server_close()


def test_an_answer_trickling_past_the_transfer_timeout_is_transient(
        trickling_server: str) -> None:
    """Each byte came well within the 5 s read timeout, so the answer (and the index run)
    could take as long as the server liked."""
    import time

    pacs = DicomwebPacs(trickling_server, WebAuth(), True, 5.0, transfer_timeout_s=0.5)
    start = time.monotonic()
    with pytest.raises(TransientError, match=r"^QIDO-RS studies: the answer took over 0.5 s "
                                             r"in all \(CMR_SEARCH_PACS_TRANSFER_TIMEOUT_S\)$"):
        pacs.find_studies(None, None, 0, 10)
    assert time.monotonic() - start < 3.0
    pacs.close()


def test_a_proxy_that_does_not_resolve_is_named_not_the_pacs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """requests' request names the PACS; the name that did not resolve was the proxy's."""
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", _no_such_name(socket.EAI_NONAME))
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    pacs = DicomwebPacs("http://pacs.invalid/dicom-web", timeout_s=5.0)
    with pytest.raises(PacsError) as error:
        pacs.find_series("1.2.3")
    assert str(error.value).startswith(
        "QIDO-RS series: the proxy's host name 'proxy.invalid' does not resolve")


def test_a_name_failing_after_the_server_answered_is_retried() -> None:
    """The study list came; a "no such name" for one study midway is a DNS failure of the
    moment: it failed the study at once, "check the PACS address"."""
    import socket

    import urllib3

    session = FakeSession(body=[STUDY])
    pacs = _client(session)
    assert pacs.find_studies(None, None, 0, 10)
    cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    reason = urllib3.exceptions.NewConnectionError(None, "failed")  # type: ignore[arg-type]
    reason.__cause__ = cause
    session.error = requests.ConnectionError(urllib3.exceptions.MaxRetryError(
        None, "/x", reason))  # type: ignore[arg-type]
    with pytest.raises(TransientError, match="no longer resolves"):
        pacs.find_series("1.2.3")
