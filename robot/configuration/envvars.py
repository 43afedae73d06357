"""The names of the environment variables the robot reads, and the defaults they stand in for.

Plain constants with no imports, so that the command line can declare its options without
loading the configuration models or the store (``robot.cli.common``).
"""

from __future__ import annotations

#: the configuration file (``--config`` wins)
CONFIG_ENV = "FAKTURAROBOT_CONFIG"
#: the store's SQLAlchemy URL (``--database`` wins; wins over the configuration's ``database``)
ENV_URL = "FAKTURAROBOT_DATABASE_URL"
#: the store when nothing names one
DEFAULT_URL = "sqlite:///var/fakturarobot.db"
#: the configuration file when neither ``--config`` nor ``$FAKTURAROBOT_CONFIG`` names one
DEFAULT_CONFIG_FILE = "fakturarobot.yaml"
