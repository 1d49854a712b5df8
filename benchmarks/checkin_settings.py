"""The product's settings with the check-in limit's URL in front (``benchmarks/checkin.py``)."""

from liudong.settings import *  # noqa: F403

ROOT_URLCONF = "checkin_limit"
