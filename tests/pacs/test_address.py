"""The two URL forms of a PACS on the command line, and one-line errors for the rest."""

from __future__ import annotations

import re

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
    ("dimse://AE@host:99999", "port 99999 is out of range"),
    ("dimse://AE@host", "'host' is no host:port: write a DIMSE peer as dimse://AET@host:port"),
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


@pytest.mark.parametrize(("text", "message"), [
    # it said only "write a DIMSE peer as dimse://AET@host:port"
    ("dimse://AVERYLONGAETITLEOVER16@127.0.0.1:34645",
     "the AE title 'AVERYLONGAETITLEOVER16' is 22 characters, longer than the 16"),
    ("dimse://@pacs:104", "the AE title is empty"),
    ("dimse://   @pacs:104", "the AE title is only spaces"),
    ("dimse://PACS\\AE@pacs:104", "the AE title 'PACS\\AE' holds a backslash"),
    ("dimse://PAÇS@pacs:104", "the AE title 'PAÇS' holds a character outside ASCII ('Ç')"),
    ("dimse://PACS\tAE@pacs:104", r"holds a control character ('\t')"),
])
def test_a_bad_ae_title_says_which_dicom_rule_it_breaks(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        PacsAddress.parse(text)
    assert "\n" not in str(error.value)


def test_an_ae_title_is_as_dicom_allows_it() -> None:
    """Padding spaces are no part of the title; inside, a space and an @ are allowed."""
    assert PacsAddress.parse("dimse:// PACS @pacs:104").ae_title == "PACS"
    assert PacsAddress.parse("dimse://MY PACS@pacs:104").ae_title == "MY PACS"
    at = PacsAddress.parse("dimse://RAD@NORTH@10.0.0.5:104")
    assert (at.ae_title, at.host) == ("RAD@NORTH", "10.0.0.5")
    assert PacsAddress.parse("dimse://SIXTEEN_CHARS_AE@pacs:104").ae_title == "SIXTEEN_CHARS_AE"
    assert str(PacsAddress.parse("dimse://AE@[::1]:104")) == "dimse://AE@[::1]:104"


def test_a_port_is_written_in_ascii_digits() -> None:
    """A port in other digits read as 104 (a regex's \\d is any Unicode digit)."""
    with pytest.raises(ValueError, match="is no host:port"):
        PacsAddress.parse("dimse://AE@pacs:\u0661\u0660\u0664")


@pytest.mark.parametrize(("text", "said"), [
    # it said "Port could not be cast to integer value as ':1:8042'"
    ("dicomweb+http://::1:8042/dicom-web", "dicomweb+http://::1:8042/dicom-web: put the IPv6 "
     "address in brackets: dicomweb+http://[::1]:8042/dicom-web"),
    ("dicomweb+https://2001:db8::7/dicom-web", "dicomweb+https://2001:db8::7/dicom-web: put "
     "the IPv6 address in brackets: dicomweb+https://[2001:db8::7]/dicom-web"),
    # the credentials refused after are not repeated
    ("dicomweb+http://u:secret@::1:8042/dicom-web", "dicomweb+http://::1:8042/dicom-web: put "
     "the IPv6 address in brackets: dicomweb+http://[::1]:8042/dicom-web"),
    # it said "'::1:104' is no host:port: write a DIMSE peer as dimse://AET@host:port"
    ("dimse://AE@::1:104", "dimse://AE@::1:104: put the IPv6 address in brackets: "
     "dimse://AE@[::1]:104"),
    ("dimse://AE@fd00::5", "dimse://AE@fd00::5: put the IPv6 address in brackets: "
     "dimse://AE@[fd00::5]:port"),
    ("dimse://AE@fe80::1%eth0:104", "dimse://AE@fe80::1%eth0:104: 'fe80::1%eth0:104' is no "
     "host:port: write a DIMSE peer as dimse://AET@host:port (an IPv6 address in brackets: "
     "[::1]:104)"),
])
def test_a_bare_ipv6_address_is_told_to_go_in_brackets(text: str, said: str) -> None:
    with pytest.raises(ValueError) as error:
        PacsAddress.parse(text)
    assert str(error.value) == said


@pytest.mark.parametrize(("text", "said"), [
    # it repeated the whole address: "dicomweb+http://user:secret@pacs:abc/dicom-web: Port ..."
    ("dicomweb+http://user:secret@pacs:abc/dicom-web",
     "dicomweb+http://user:***@pacs:abc/dicom-web: no credentials in the URL"),
    ("dicomweb+https://user:secret@pacs:99999/dicom-web",
     "dicomweb+https://user:***@pacs:99999/dicom-web: no credentials in the URL"),
    ("dicomweb+http://user:secret@pacs:0/dicom-web",
     "dicomweb+http://user:***@pacs:0/dicom-web: port 0"),
    ("dicomweb+https://user:secret@pacs/dicom-web?x=1",
     "dicomweb+https://user:***@pacs/dicom-web?x=1: write a DICOMweb server as"),
    ("dicomweb+https://user:secret@/dicom-web",
     "dicomweb+https://user:***@/dicom-web: write a DICOMweb server as"),
    # a token alone as the user info: all of it hidden
    ("dicomweb+https://secret@pacs:abc/dicom-web",
     "dicomweb+https://***@pacs:abc/dicom-web: no credentials in the URL"),
    # a "/" in the password: urlsplit read "se" as the port and said so
    ("dicomweb+http://user:se/cret@pacs/dicom-web",
     "dicomweb+http://user:***@pacs/dicom-web: no credentials in the URL"),
    # urlsplit's own words quote the netloc, password included
    ("dicomweb+http://user:secret\uff03@pacs/dicom-web",
     "dicomweb+http://user:***@pacs/dicom-web: no credentials in the URL"),
    # the "dicomweb+" forgotten
    ("https://user:secret@pacs/dicom-web", "https://user:***@pacs/dicom-web: not a PACS address"),
])
def test_an_error_never_shows_the_password(text: str, said: str) -> None:
    with pytest.raises(ValueError) as error:
        PacsAddress.parse(text)
    assert str(error.value).startswith(said)
    assert "secret" not in str(error.value) and "se/" not in str(error.value)
