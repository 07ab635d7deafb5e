"""Credentials beyond a fixed token: service accounts and regions."""

from ._regions import REGIONS, Region, RegionName, check_region, region, region_of_url
from ._service_account import ServiceAccountCredential

__all__ = [
    "REGIONS",
    "Region",
    "RegionName",
    "ServiceAccountCredential",
    "check_region",
    "region",
    "region_of_url",
]
