"""Settings come from the environment: the one module allowed to read it."""

import os

VERSION = "1.0.0"
DATABASE_URL = os.environ["DATABASE_URL"]
WEATHER_URL = os.getenv("WEATHER_URL", "http://localhost:9000/forecast")
