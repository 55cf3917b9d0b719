"""Scanner vendors: names, models, and each one's style of series descriptions and file names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Vendor(StrEnum):
    SIEMENS = "siemens"
    GE = "ge"
    PHILIPS = "philips"


class SeriesKind(StrEnum):
    """What an acquired series is; the cine and LGE kinds map to product views."""

    SAX_CINE = "sax_cine"
    CH2_CINE = "2ch_cine"
    CH3_CINE = "3ch_cine"
    CH4_CINE = "4ch_cine"
    LVOT_CINE = "lvot_cine"
    LGE_SAX = "lge_sax"
    LGE_LAX = "lge_lax"
    LOCALIZER = "localizer"
    TI_SCOUT = "ti_scout"
    T1_MAP = "t1_map"


@dataclass(frozen=True)
class ScannerModel:
    name: str
    field_strength_t: float  # tesla


@dataclass(frozen=True)
class VendorStyle:
    manufacturer: str
    models: tuple[ScannerModel, ...]
    descriptions: dict[SeriesKind, tuple[str, ...]]
    file_pattern: str  # format with series and instance numbers
    intensity_range: tuple[float, float]  # stored value of cine blood, a vendor habit


VENDORS: dict[Vendor, VendorStyle] = {
    Vendor.SIEMENS: VendorStyle(
        manufacturer="SIEMENS",
        models=(ScannerModel("Avanto", 1.5), ScannerModel("Aera", 1.5),
                ScannerModel("Skyra", 3.0), ScannerModel("MAGNETOM Vida", 3.0)),
        descriptions={
            SeriesKind.SAX_CINE: ("cine_trufi_sax", "SA_CINE_retro", "sax cine", "trufi_SA_stack"),
            SeriesKind.CH2_CINE: ("cine_trufi_2ch", "2CH_CINE_retro", "cine 2ch"),
            SeriesKind.CH3_CINE: ("cine_trufi_3ch", "3CH_CINE_retro", "cine 3ch"),
            SeriesKind.CH4_CINE: ("cine_trufi_4ch", "4CH_CINE_retro", "cine 4ch"),
            SeriesKind.LVOT_CINE: ("cine_trufi_lvot", "LVOT_CINE_retro"),
            SeriesKind.LGE_SAX: ("LGE PSIR SA", "de_PSIR_sax", "tfl_LGE_SA_PSIR"),
            SeriesKind.LGE_LAX: ("LGE PSIR 4CH", "de_PSIR_lax", "LGE PSIR 2CH"),
            SeriesKind.LOCALIZER: ("localizer", "AAHScout", "haste_localizer"),
            SeriesKind.TI_SCOUT: ("TI_Scout", "TI scout trufi"),
            SeriesKind.T1_MAP: ("MOLLI_T1_SAX", "MOLLI 5(3)3 T1 map"),
        },
        file_pattern="MR.{series:04d}.{instance:05d}.dcm",
        intensity_range=(350.0, 900.0),
    ),
    Vendor.GE: VendorStyle(
        manufacturer="GE MEDICAL SYSTEMS",
        models=(ScannerModel("Signa HDxt", 1.5), ScannerModel("Optima MR450w", 1.5),
                ScannerModel("Discovery MR750", 3.0), ScannerModel("SIGNA Artist", 1.5)),
        descriptions={
            SeriesKind.SAX_CINE: ("FIESTA CINE SAX", "SAX FIESTA", "FIESTA SA STACK"),
            SeriesKind.CH2_CINE: ("FIESTA CINE 2CH", "2CH FIESTA"),
            SeriesKind.CH3_CINE: ("FIESTA CINE 3CH", "3CH FIESTA"),
            SeriesKind.CH4_CINE: ("FIESTA CINE 4CH", "4CH FIESTA"),
            SeriesKind.LVOT_CINE: ("FIESTA CINE LVOT", "LVOT FIESTA"),
            SeriesKind.LGE_SAX: ("MDE SAX", "2D MDE SA", "PSIR MDE SAX"),
            SeriesKind.LGE_LAX: ("MDE 4CH", "MDE 2CH", "2D MDE LAX"),
            SeriesKind.LOCALIZER: ("3-pl loc", "3 Plane Loc SSFSE", "LOC"),
            SeriesKind.TI_SCOUT: ("Cine IR", "CINE IR TI"),
            SeriesKind.T1_MAP: ("T1 MAP SMART1", "MOLLI SAX"),
        },
        file_pattern="IM{instance:05d}",
        intensity_range=(900.0, 2600.0),
    ),
    Vendor.PHILIPS: VendorStyle(
        manufacturer="Philips Medical Systems",
        models=(ScannerModel("Achieva", 1.5), ScannerModel("Ingenia", 1.5),
                ScannerModel("Ingenia", 3.0), ScannerModel("Achieva dStream", 3.0)),
        descriptions={
            SeriesKind.SAX_CINE: ("sax cine", "B-TFE SA", "BTFE_BH SA"),
            SeriesKind.CH2_CINE: ("B-TFE 2CH", "BTFE_BH 2ch"),
            SeriesKind.CH3_CINE: ("B-TFE 3CH", "BTFE_BH 3ch"),
            SeriesKind.CH4_CINE: ("B-TFE 4CH", "BTFE_BH 4ch"),
            SeriesKind.LVOT_CINE: ("B-TFE LVOT", "BTFE_BH LVOT"),
            SeriesKind.LGE_SAX: ("LGE PSIR SA", "PSIR_TFE SA", "IR_TFE LGE SA"),
            SeriesKind.LGE_LAX: ("PSIR_TFE 4ch", "LGE PSIR 2ch", "IR_TFE LGE LAX"),
            SeriesKind.LOCALIZER: ("SURVEY", "Survey_BH", "SmartExam survey"),
            SeriesKind.TI_SCOUT: ("Look-Locker TI", "LL_TI scout"),
            SeriesKind.T1_MAP: ("T1 MOLLI", "MOLLI_T1 SA"),
        },
        file_pattern="IM_{instance:04d}",
        intensity_range=(1200.0, 3600.0),
    ),
}
