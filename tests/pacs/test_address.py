"""The two URL forms of a PACS on the command line, and one-line errors for the rest."""

from __future__ import annotations

import pytest

from pacs.address import PacsAddress, Protocol


def test_dicomweb_and_dimse_forms() -> None:
    web = PacsAddress.parse("dicomweb+https://pacs.hospital:8443/dicom-web/")
    assert web.protocol is Protocol.DICOMWEB and web.url == "https://pacs.hospital:8443/dicom-web"
    assert str(web) == "dicomweb+https://pacs.hospital:8443/dicom-web"
    dimse = PacsAddress.parse("dimse://PACS_AE@10.0.0.5:104")
    assert (dimse.protocol, dimse.ae_title, dimse.host, dimse.port) == \
        (Protocol.DIMSE, "PACS_AE", "10.0.0.5", 104)
    assert PacsAddress.looks_like("dimse://A@h:1") and not PacsAddress.looks_like("/data/x")


@pytest.mark.parametrize(("text", "message"), [
    ("dimse://host:104", "dimse://AET@host:port"),
    ("dimse://AE@host:99999", "dimse://AET@host:port"),
    ("dicomweb+https://user:secret@pacs/dicom-web", "no credentials in the URL"),
    ("dicomweb+https:///dicom-web", "dicomweb+https://host/dicom-web"),
    ("ftp://pacs", "not a PACS address"),
    # the port was read only at the first request ("unreadable answer (InvalidURL)")
    ("dicomweb+http://pacs:99999/dicom-web", "pacs:99999/dicom-web: Port out of range"),
    ("dicomweb+http://pacs:abc/dicom-web", "pacs:abc/dicom-web: Port could not be cast"),
    ("dicomweb+http://[::1/dicom-web", r"\[::1/dicom-web: Invalid IPv6 URL"),
])
def test_bad_addresses_say_how_to_write_them(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("+", r"\+")) as error:
        PacsAddress.parse(text)
    assert "secret" not in str(error.value)
