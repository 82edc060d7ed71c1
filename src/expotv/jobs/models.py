from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from expotv.db import Base, UTCDateTime


class JobRun(Base):
    """The last period a scheduled job ran in, claimed by one instance.

    Used when there is no Redis (``expotv:job-last:<name>`` otherwise): the claim is
    an atomic ``UPDATE ... WHERE slot < :slot``, so two instances whose timers fire
    apart still run a job once per period.
    """

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
