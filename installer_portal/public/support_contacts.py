"""How each region's support desk is reached. Hours are local to the desk."""

from __future__ import annotations

from dataclasses import dataclass

from ..accounts.regions import Region
from ..i18n import _l


@dataclass(frozen=True)
class SupportContact:
    email: str
    phone: str
    #: Opening hours as a translatable sentence.
    hours: object
    #: IANA time zone the hours are in.
    timezone: str


SUPPORT_CONTACTS = {
    Region.NORTH_AMERICA: SupportContact(
        email="support-na@installer-portal.example",
        phone="+1 888 555 0142",
        hours=_l("Monday to Friday, 8:00 to 18:00 Eastern Time"),
        timezone="America/New_York",
    ),
    Region.EUROPE: SupportContact(
        email="support-eu@installer-portal.example",
        phone="+31 20 555 0142",
        hours=_l("Monday to Friday, 8:00 to 17:00 Central European Time (7:00 to 16:00 in the UK)"),
        timezone="Europe/Amsterdam",
    ),
}
