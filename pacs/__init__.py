"""Read studies from a PACS (DICOMweb or DIMSE), never write to it.

`open_pacs` gives a `PacsArchive`: the PACS's MR studies with fingerprints from its own
metadata, and each study fetched (only the series the model and previews need) into a bounded
cache, as a `reader.scan.Study` the indexer treats like one read from a folder.
"""

from pacs.address import PacsAddress
from pacs.archive import PacsArchive
from pacs.client import (
    NotIndexableError,
    PacsClient,
    PacsError,
    RemoteSeries,
    RemoteStudy,
    TransientError,
)
from pacs.factory import open_pacs

__all__ = ["NotIndexableError", "PacsAddress", "PacsArchive", "PacsClient", "PacsError",
           "RemoteSeries", "RemoteStudy", "TransientError", "open_pacs"]
